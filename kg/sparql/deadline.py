"""`in_thread`: run a call in a thread of this process, within a deadline.

Used by the backends that cannot run a query in a worker process: the
memory store (a process cannot share an rdflib store) and the remote store
(whose work is an HTTP exchange).
"""
from __future__ import annotations

import ctypes
import threading
from typing import Callable, TypeVar

from .cancel import Cancel, QueryCancelled
from .policy import QueryTimeout

__all__ = ["Cancelled", "in_thread"]

T = TypeVar("T")


class Cancelled(BaseException):
    """Injected into a query's thread when its time is up (a BaseException,
    so rdflib's `except Exception` cannot swallow it)."""


def in_thread(func: Callable[[], T], timeout: float | None,
              on_timeout: Callable[[], object] | None = None,
              cancel: Cancel | None = None) -> T:
    """Run func in a thread; past the timeout, or when `cancel` is
    cancelled, stop it with an asynchronous exception (effective at its
    next Python bytecode), call `on_timeout` (to close a connection under
    it) and raise QueryTimeout (QueryCancelled)."""
    box: dict = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = func()
        except Cancelled:
            pass
        except BaseException as err:  # handed to the caller
            box["error"] = err
        finally:
            done.set()

    thread = threading.Thread(target=target, daemon=True, name="kg-sparql-query")
    thread.start()
    detach = cancel.attach(done.set) if cancel is not None else None
    try:
        done.wait(timeout)
    finally:
        if detach is not None:
            detach()
    if thread.is_alive() or (cancel is not None and cancel.cancelled and "value" not in box):
        if thread.is_alive():
            assert thread.ident is not None, "a started thread has an ident"
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                       ctypes.py_object(Cancelled))
        if on_timeout is not None:
            on_timeout()
        if cancel is not None and cancel.cancelled:
            raise QueryCancelled("the query was cancelled; its work was stopped")
        raise QueryTimeout("")
    if "error" in box:
        raise box["error"]
    return box["value"]
