"""`Cancel`: a query's client asks that its work stop now (issue 18, the
editor's cancel button).

pyoxigraph cannot interrupt a query, so cancelling one means what the time
limit means: its worker process is killed (and replaced), or for the
thread backends the thread gets its asynchronous exception.  Whoever runs
the query attaches that action to the token while the query holds the
worker, and detaches it before the worker serves anyone else, so a late
cancel can never stop another client's query.
"""
from __future__ import annotations

import threading
from typing import Callable

from ..errors import KGError

__all__ = ["Cancel", "QueryCancelled"]


class QueryCancelled(KGError):
    """The query's own client cancelled it; its work was stopped (409)."""

    status = 409


class Cancel:
    """A one-shot cancellation request for one query.

    >>> token = Cancel()
    >>> stopped = []
    >>> detach = token.attach(lambda: stopped.append("worker killed"))
    >>> token.cancel(), token.cancelled, stopped
    (True, True, ['worker killed'])
    >>> detach(); token.cancel()  # once only
    False
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._actions: list[Callable[[], object]] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> bool:
        """Stop the query: run the attached actions.  False when it was
        already cancelled."""
        with self._lock:
            if self._cancelled:
                return False
            self._cancelled = True
            actions = list(self._actions)
            # Run under the lock: `detach` waits for them, so an action never
            # runs after its query let go of the worker.
            for action in actions:
                action()
        return True

    def attach(self, action: Callable[[], object]) -> Callable[[], None]:
        """Run `action` on cancel (at once if already cancelled); returns
        the function that detaches it, after which it never runs."""
        with self._lock:
            if self._cancelled:
                action()
                return lambda: None
            self._actions.append(action)

        def detach() -> None:
            with self._lock:
                if action in self._actions:
                    self._actions.remove(action)

        return detach
