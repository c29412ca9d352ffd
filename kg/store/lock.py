"""The single-writer lock of a data folder, with a readable holder record.

pyoxigraph's RocksDB also refuses a second writer, but with a message a
user cannot act on; this lock says who holds the folder and since when.
"""
from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from pathlib import Path

from ..errors import StoreBusy

__all__ = ["WriterLock"]


class WriterLock:
    """An exclusive, non-blocking `flock` on `<data>/kg.lock`.

    The lock dies with its process (kill -9 included), so a crash never
    leaves the folder locked.
    """

    def __init__(self, folder: Path, purpose: str = ""):
        self.path = Path(folder) / "kg.lock"
        self.purpose = purpose or " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:2])
        self._fd: int | None = None

    def holder(self) -> str:
        """Who holds the lock, in words."""
        try:
            info = json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return "another process"
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("since", 0)))
        return f"`{info.get('purpose', '?')}` (pid {info.get('pid', '?')}, since {since})"

    def acquire(self) -> None:
        """Take the lock or raise StoreBusy naming its holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise StoreBusy(f"the data folder {self.path.parent} is in use by "
                            f"{self.holder()}; only one writer at a time") from None
        record = json.dumps({"pid": os.getpid(), "purpose": self.purpose,
                             "since": int(time.time())}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, record, 0)
        self._fd = fd

    def try_acquire(self) -> bool:
        try:
            self.acquire()
        except StoreBusy:
            return False
        return True

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
                self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    @property
    def fileno(self) -> int | None:
        """The lock's descriptor while held (a forked worker closes its
        copy, so the lock dies with this process)."""
        return self._fd
