"""The pool of warm worker processes that evaluate queries on the embedded
store (each runs `kg.sparql.child`).  A query runs past `LONG_QUERY_SECONDS`
only while it holds one of a few long-query slots, and a worker is killed
(and replaced) when its query runs out of time, of long-query slots or of
memory."""
from __future__ import annotations

import logging
import math
import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from ..errors import KGError, StoreUnavailable
from .cancel import Cancel, QueryCancelled
from .child import SCRIPT
from .policy import EngineBusy, LongQueriesBusy, QueryOutOfMemory, QueryTimeout

#: Seconds a query may run without a long-query slot.  The pool keeps more
#: workers than long slots, so however many runaway queries arrive, one
#: worker is always back within this long for short queries (1%
#: runaway queries held both workers and refused every ordinary one).
LONG_QUERY_SECONDS = 1.0

#: Address space a worker may map (RLIMIT_AS), so that a runaway join
#: cannot take the machine's memory.  With `_WORKER_ENV`, a worker that
#: opened a 1.5M-triple store maps 0.18-0.27 GB, and 0.26 GB after a GROUP
#: BY over every triple (measured).
WORKER_MEMORY_BYTES = 2 * 1024 ** 3

#: Environment added to a worker's: two malloc arenas instead of glibc's
#: 8 per core, each reserving 64 MB of address space (a worker's queries
#: run on one thread), so that the cap above counts memory in use, not
#: reservations (0.44-0.5 GB of a fresh worker's address space without).
_WORKER_ENV = {"MALLOC_ARENA_MAX": "2"}

#: What a worker's stderr says when an allocation failed: Rust's allocation
#: error handler (pyoxigraph aborts the process), C++'s (RocksDB), Python's.
_OUT_OF_MEMORY = (b"memory allocation of", b"std::bad_alloc", b"MemoryError")

_log = logging.getLogger("kg")


def _summary(said: bytes, limit: int = 300) -> str:
    """A worker's stderr in one line for the server's log: its message
    lines without the indented backtrace frames."""
    lines = [line.strip() for line in said.decode("utf-8", "replace").splitlines()
             if line.strip() and not line[:1].isspace()]
    return " | ".join(lines)[-limit:]


class _Worker:
    """A worker process started afresh (`python -c`): it imports kg.sparql
    and pyoxigraph only, never the parent's main module, and it talks over a
    socket pair, so nothing of a threaded web server is forked.  Its stderr
    goes to an unnamed file, read when it dies to tell why."""

    def __init__(self, path: str, memory: int):
        import socket
        import sys
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        package = str(Path(__file__).resolve().parent)
        self.stderr = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", SCRIPT, str(theirs.fileno()), path, package,
                 str(memory)],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stderr=self.stderr,
                env={**os.environ, **_WORKER_ENV})
        except BaseException:
            self.stderr.close()
            raise
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())

    def last_words(self, limit: int = 1 << 20) -> bytes:
        """The end of what the process wrote to stderr: the crash report
        (Rust's allocation failure comes first, then a backtrace of any
        length when RUST_BACKTRACE is set)."""
        try:
            size = self.stderr.seek(0, os.SEEK_END)
            self.stderr.seek(max(0, size - limit))
            return self.stderr.read()
        except (OSError, ValueError):
            return b""

    def stop(self, kill: bool = False) -> None:
        try:
            if kill:
                self.process.kill()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass
        try:
            self.process.wait(timeout=2)
        except Exception:  # noqa: BLE001 - still running: kill it
            self.process.kill()
            self.process.wait(timeout=2)
        self.conn.close()
        self.stderr.close()


#: Seconds a new worker may take to start and open the store.
_START_TIMEOUT = 30.0


class WorkerPool:
    """`size` warm workers; one killed at its time limit is replaced in the
    background, so the next query does not wait for a process to start.

    Args:
        path: the store folder, opened read-only by each worker.
        size: the number of workers, kept constant.
        long_slots: how many queries may run past `long_after` at once
            (at most `size`; fewer keeps a worker free for short queries).
        long_after: the long-query threshold in seconds.
        memory: the address space of each worker in bytes (0: no cap).
    """

    def __init__(self, path: str, size: int, long_slots: int | None = None,
                 long_after: float = LONG_QUERY_SECONDS, memory: int = WORKER_MEMORY_BYTES):
        self.path, self.size = path, size
        self.long_slots = size if long_slots is None else max(1, min(long_slots, size))
        self.long_after, self.memory = long_after, memory
        self._idle: list[_Worker] = []
        self._long: list[float] = []  # deadlines of the queries holding long slots
        self._cond = threading.Condition()
        self._count = 0  # idle + busy + starting
        self._starting = 0
        self._closed = False
        with self._cond:
            for _ in range(size):
                self._spawn()

    def _spawn(self) -> None:
        """Start one worker in the background (call with the lock held)."""
        self._count += 1

        self._starting += 1

        def start():
            worker = None
            try:
                worker = _Worker(self.path, self.memory)
                if not (worker.conn.poll(_START_TIMEOUT) and worker.conn.recv() == "ready"):
                    raise OSError("the worker did not start")
            except Exception:  # noqa: BLE001 - the next run() tries again
                if worker is not None:
                    said = _summary(worker.last_words())
                    worker.stop(kill=True)
                    _log.warning("a query worker did not start: %s", said or "no message")
                worker = None
            with self._cond:
                self._starting -= 1
                if worker is None or self._closed:
                    self._count -= 1
                else:
                    self._idle.append(worker)
                self._cond.notify_all()
            if worker is not None and self._closed:
                worker.stop()

        threading.Thread(target=start, daemon=True, name="kg-sparql-spawn").start()

    def _retire(self, worker: _Worker, kill: bool) -> None:
        with self._cond:
            self._count -= 1
            if not self._closed:
                self._spawn()
        threading.Thread(target=worker.stop, args=(kill,), daemon=True).start()

    def run(self, job, timeout: float | None, cancel: Cancel | None = None):
        """Send a job to an idle worker and wait up to `timeout` for its
        reply; past it, kill the worker and raise QueryTimeout.  Past
        `long_after`, the query runs on only if a long-query slot is free
        (LongQueriesBusy otherwise, the worker killed); a worker that runs
        out of memory raises QueryOutOfMemory.  A killed worker is replaced
        in the background.

        Time spent waiting for busy workers counts against `timeout`, but
        every query may run for `long_after`: a query is answered within
        `timeout` plus that (plus a worker start), never after twice its
        limit (10 runaway queries at once).

        `cancel` stops the query when its client asks: the worker is killed
        (QueryCancelled), exactly as at the time limit."""
        worker, waited = self._take(timeout)
        if cancel is not None and cancel.cancelled:
            self._give_back(worker)
            raise QueryCancelled("the query was cancelled")
        if timeout is not None:
            timeout = max(timeout - waited, min(timeout, self.long_after))
        began = time.monotonic()
        # Detached before the worker goes back to the idle list, so a late
        # cancel never kills a worker that serves another query.
        detach = cancel.attach(worker.process.kill) if cancel is not None else None
        try:
            worker.conn.send(job)
            reply = self._reply(worker, timeout, began)
        except (EOFError, OSError):
            if cancel is not None and cancel.cancelled:
                self._retire(worker, kill=True)
                raise QueryCancelled("the query was cancelled; its work was stopped") from None
            raise self._died(worker) from None
        finally:
            if detach is not None:
                detach()
        if cancel is not None and cancel.cancelled:  # killed just after it answered
            self._retire(worker, kill=True)
            raise QueryCancelled("the query was cancelled; its work was stopped")
        if reply[:2] == ("error", "QueryOutOfMemory"):
            self._retire(worker, kill=True)
            raise QueryOutOfMemory(self._memory_message())
        self._give_back(worker)
        return reply

    def _give_back(self, worker: _Worker) -> None:
        """Put a worker that finished its job back in the idle list."""
        with self._cond:
            if self._closed:
                self._count -= 1
                threading.Thread(target=worker.stop, daemon=True).start()
            else:
                self._idle.append(worker)
                self._cond.notify()

    def _take(self, timeout: float | None) -> tuple[_Worker, float]:
        """An idle worker, and the seconds waited for busy ones.  Waiting for
        a busy worker to come free has its own limit of `timeout`
        (EngineBusy); a worker still starting is waited for longer, unless
        the query already waited for a busy one."""
        now = time.monotonic()
        busy = None if timeout is None else now + timeout
        starting = now + _START_TIMEOUT  # a worker still starting is not "busy"
        queued = False
        with self._cond:
            while not self._idle:
                if self._closed:
                    raise EngineBusy("the query service is shutting down")
                if self._count < self.size:
                    self._spawn()
                # Once a query has waited for busy workers, the replacement of
                # a killed one does not extend its wait: otherwise it runs
                # after waiting a whole limit, and answers after twice the
                # limit plus a start-up (10 runaway queries at once).
                queued = queued or self._count > self._starting
                deadline = starting if self._starting and not queued else busy
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    raise EngineBusy("every query worker is busy; try again in a moment")
                self._cond.wait(wait)
            return self._idle.pop(), time.monotonic() - now if queued else 0.0

    def _reply(self, worker: _Worker, timeout: float | None, began: float):
        """The worker's reply to the job sent at `began`: until `long_after`
        freely, then only while holding a long-query slot, and never past
        `timeout`.  A worker stopped on the way is retired."""
        short = self.long_after if timeout is None else min(timeout, self.long_after)
        if worker.conn.poll(short):
            return worker.conn.recv()
        if timeout is not None and timeout <= self.long_after:
            self._retire(worker, kill=True)
            raise QueryTimeout("")
        deadline = math.inf if timeout is None else began + timeout
        if not self._hold_long(deadline):
            wait = self._long_free_in()
            self._retire(worker, kill=True)
            raise LongQueriesBusy(
                f"the query was stopped after {self.long_after:g} s: this endpoint already "
                f"runs its {self.long_slots} long queries (over {self.long_after:g} s); try "
                f"again in {wait} s, or narrow it down (fewer patterns joined, a LIMIT, a "
                "FILTER on a specific entity)", wait)
        try:
            left = None if timeout is None else max(0.0, deadline - time.monotonic())
            if worker.conn.poll(left):
                return worker.conn.recv()
            self._retire(worker, kill=True)
            raise QueryTimeout("")
        finally:
            with self._cond:
                self._long.remove(deadline)

    def _hold_long(self, deadline: float) -> bool:
        """Take a long-query slot until `deadline`, if one is free."""
        with self._cond:
            if len(self._long) >= self.long_slots:
                return False
            self._long.append(deadline)
            return True

    def _long_free_in(self) -> int:
        """Whole seconds until a long-query slot frees at the latest (the
        soonest time limit of the queries holding one), at least 1."""
        with self._cond:
            soonest = min(self._long, default=0.0)
        left = soonest - time.monotonic()
        return max(1, math.ceil(left)) if math.isfinite(left) else 60

    def _died(self, worker: _Worker) -> KGError:
        """The error for a worker that stopped in the middle of a query,
        which is replaced: out of memory when its last words or the kernel's
        SIGKILL (the OOM killer) say so, otherwise unexpected."""
        try:
            code = worker.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        said = worker.last_words()
        self._retire(worker, kill=True)
        _log.warning("query worker %d stopped (exit %s): %s", worker.process.pid, code,
                     _summary(said) or "no message")
        if code == -signal.SIGKILL or any(marker in said for marker in _OUT_OF_MEMORY):
            return QueryOutOfMemory(self._memory_message())
        return StoreUnavailable("the query worker stopped unexpectedly; try again")

    def _memory_message(self) -> str:
        cap = f" ({self.memory / 1024 ** 2:,.0f} MB per query)" if self.memory > 0 else ""
        return (f"the query needed more memory than this endpoint allows{cap}; narrow it "
                "down (fewer patterns joined, a LIMIT, a FILTER on a specific entity)")

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.stop()
