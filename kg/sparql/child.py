"""A query worker: the child process that `kg.sparql.workers.WorkerPool`
starts for the embedded store.  It holds a read-only view of the store,
reopened when the store's files change, and answers one query at a time
over the socket it was handed; it runs at a lower CPU priority than the
server and under a cap on its address space.

Keep this module's imports light: every worker imports it at start-up
(see `SCRIPT`)."""
from __future__ import annotations

import contextlib
import os

from ..errors import KGError
from .answers import run_ox
from .syntax import QuerySyntaxError

__all__ = ["SCRIPT", "WORKER_NICENESS", "main", "serve"]

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


def serve(conn, path: str) -> None:
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
        reply: tuple[object, ...]
        try:
            reply = ("ok", run_ox(fresh().query, query, fmt, limits, dataset, prefixes))
        except QuerySyntaxError as err:  # with its place, for the editor to mark
            reply = ("error", "QuerySyntaxError", str(err), err.line, err.column, err.detail)
        except KGError as err:
            reply = ("error", type(err).__name__, str(err))
        except OSError as err:
            reply = ("error", "StoreUnavailable", f"cannot read the store: {err}")
        except MemoryError:  # the pool replaces this worker: its heap is suspect
            reply = ("error", "QueryOutOfMemory", "")
        except Exception as err:  # an engine error: report it, keep serving
            reply = ("error", "QueryError", f"the query failed: {err}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


def _cap_memory(limit: int) -> None:
    """Lower this process's address-space limit to `limit` bytes (0: leave
    it).  An allocation past it fails: pyoxigraph then aborts the process,
    which the pool reports as a query out of memory."""
    import resource

    if limit <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def main(fd: int, path: str, memory: int = 0) -> None:
    """`python -c` entry of a worker process: the socket it was handed."""
    from multiprocessing.connection import Connection

    # Queries yield the CPU to the server process: with every worker busy
    # on a runaway query, pages still get answered fast.
    with contextlib.suppress(AttributeError, OSError):
        os.nice(WORKER_NICENESS)
    _cap_memory(memory)
    serve(Connection(fd), path)


#: What a worker runs (`python -c SCRIPT fd store-path kg-folder memory`).
#: It registers `kg` as a bare package before importing kg.sparql, so
#: `kg/__init__` (the store, rdflib: 0.25 s) is not imported: a worker needs
#: only kg.sparql (which imports rdflib nowhere at module level), kg.errors
#: and pyoxigraph, and starts in ~0.06 s instead of ~0.3 s.
SCRIPT = """import sys, types
package = types.ModuleType("kg")
package.__path__ = [sys.argv[3]]
sys.modules["kg"] = package
from kg.sparql.child import main
main(int(sys.argv[1]), sys.argv[2], int(sys.argv[4]))
"""
