"""The pool of warm worker processes that evaluate queries on the embedded
store, each killed when its query runs out of time."""
from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from ..errors import KGError, StoreUnavailable
from .answers import run_ox
from .policy import EngineBusy, QueryTimeout

#: How much lower a query worker's CPU priority is than the server's.
WORKER_NICENESS = 10


def _store_stamp(path: str) -> tuple:
    """What changes when the store is written: the write-ahead log, the
    manifest and its pointer."""
    try:
        return tuple(sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns)
                            for e in os.scandir(path)
                            if e.name.endswith(".log") or e.name.startswith("MANIFEST")
                            or e.name == "CURRENT"))
    except OSError:
        return ()


def _worker_main(conn, path: str) -> None:
    """A query worker: a read-only view of the store, one job at a time.

    While idle it reopens the view when the store's files change, so a
    query rarely pays for the reopening.
    """
    import pyoxigraph as ox

    store, stamp = None, None

    def fresh():
        nonlocal store, stamp
        now = _store_stamp(path)
        if store is None or now != stamp:
            store, stamp = None, now
            store = ox.Store.read_only(path)
        return store

    try:
        fresh()
    except OSError:  # reported by the first query
        pass
    try:
        conn.send("ready")  # a query's time limit starts after this
    except OSError:
        return
    while True:
        try:
            if not conn.poll(1.0):
                try:
                    fresh()
                except OSError:  # reported by the next query
                    store = None
                continue
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if job is None:
            return
        query, fmt, limits, dataset, prefixes = job
        try:
            reply = ("ok", run_ox(fresh().query, query, fmt, limits, dataset, prefixes))
        except KGError as err:
            reply = ("error", type(err).__name__, str(err))
        except OSError as err:
            reply = ("error", "StoreUnavailable", f"cannot read the store: {err}")
        except Exception as err:  # an engine error: report it, keep serving
            reply = ("error", "QueryError", f"the query failed: {err}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _worker_entry(fd: int, path: str) -> None:
    """`python -c` entry of a worker process: the socket it was handed."""
    from multiprocessing.connection import Connection

    # Queries yield the CPU to the server process: with every worker busy
    # on a runaway query, pages still get answered fast (issue 9).
    with contextlib.suppress(AttributeError, OSError):
        os.nice(WORKER_NICENESS)
    _worker_main(Connection(fd), path)


#: What a worker runs.  It registers `kg` as a bare package before importing
#: kg.sparql, so `kg/__init__` (the store, rdflib: 0.25 s) is not imported:
#: a worker needs only this module, kg.errors and pyoxigraph, and starts in
#: ~0.06 s instead of ~0.3 s.
_WORKER_MAIN = """import sys, types
package = types.ModuleType("kg")
package.__path__ = [sys.argv[3]]
sys.modules["kg"] = package
from kg.sparql.workers import _worker_entry
_worker_entry(int(sys.argv[1]), sys.argv[2])
"""


class _Worker:
    """A worker process started afresh (`python -c`): it imports kg.sparql
    and pyoxigraph only, never the parent's main module, and it talks over a
    socket pair, so nothing of a threaded web server is forked."""

    def __init__(self, path: str):
        import socket
        import subprocess
        import sys
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        package = str(Path(__file__).resolve().parent)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _WORKER_MAIN, str(theirs.fileno()), path, package],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())

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


#: Seconds a new worker may take to start and open the store.
_START_TIMEOUT = 30.0


class WorkerPool:
    """`size` warm workers; one killed at its time limit is replaced in the
    background, so the next query does not wait for a process to start."""

    def __init__(self, path: str, size: int):
        self.path, self.size = path, size
        self._idle: list[_Worker] = []
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
                worker = _Worker(self.path)
                if not (worker.conn.poll(_START_TIMEOUT) and worker.conn.recv() == "ready"):
                    raise OSError("the worker did not start")
            except Exception:  # noqa: BLE001 - the next run() tries again
                if worker is not None:
                    worker.stop(kill=True)
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

    def run(self, job, timeout: float | None):
        """Send a job to an idle worker and wait up to `timeout` for its
        reply; past it, kill the worker and raise QueryTimeout.  Waiting for
        a busy worker to come free has its own limit of the same length
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
                # limit plus a start-up (issue 9: 10 runaway queries at once).
                queued = queued or self._count > self._starting
                deadline = starting if self._starting and not queued else busy
                wait = None if deadline is None else deadline - time.monotonic()
                if wait is not None and wait <= 0:
                    raise EngineBusy("every query worker is busy; try again in a moment")
                self._cond.wait(wait)
            worker = self._idle.pop()
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                self._retire(worker, kill=True)
                raise QueryTimeout("")
            reply = worker.conn.recv()
        except (EOFError, OSError):
            self._retire(worker, kill=True)
            raise StoreUnavailable("the query worker stopped unexpectedly; try again") \
                from None
        with self._cond:
            if self._closed:
                self._count -= 1
                threading.Thread(target=worker.stop, daemon=True).start()
            else:
                self._idle.append(worker)
                self._cond.notify()
        return reply

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle, []
            self._count -= len(idle)
            self._cond.notify_all()
        for worker in idle:
            worker.stop()
