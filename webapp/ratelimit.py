"""The per-client query budget of the SPARQL endpoint: engine time per
client, refilled continuously (a token bucket), and the 429 error a client
over its budget gets.  No Flask: `webapp.sparql` keys it by client address
and charges each query's run time."""
from __future__ import annotations

import math
import threading
import time

from kg import KGError

__all__ = ["ClientBudget", "RequestBudget", "TooManyQueries"]


class TooManyQueries(KGError):
    """A client spent its query budget (429, with Retry-After)."""

    status = 429

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class ClientBudget:
    """Engine time per client, refilled continuously (a token bucket).

    A client may hold `concurrent` queries at once and spend `seconds` of
    query time per `per` seconds; each query costs its run time (at least
    `min_cost`, so floods of tiny queries count too), and a query stopped
    at the time limit costs the whole limit.  Clients are told when to
    come back (Retry-After).

    >>> budget = ClientBudget(seconds=1.0, per=10.0)
    >>> budget.admit("a"); budget.charge("a", 2.0)
    >>> budget.admit("a")
    Traceback (most recent call last):
    webapp.ratelimit.TooManyQueries: this client used its share of query time; try again in 10 s
    """

    def __init__(self, seconds: float = 60.0, per: float = 60.0, concurrent: int = 2,
                 min_cost: float = 0.05, clock=time.monotonic):
        self.capacity, self.rate = seconds, seconds / per
        self.concurrent, self.min_cost, self.clock = concurrent, min_cost, clock
        self._clients: dict[str, list[float]] = {}  # client -> [balance, time, running]
        self._lock = threading.Lock()

    def _refilled(self, client: str) -> list[float]:
        now = self.clock()
        entry = self._clients.setdefault(client, [self.capacity, now, 0])
        entry[0] = min(self.capacity, entry[0] + (now - entry[1]) * self.rate)
        entry[1] = now
        return entry

    def admit(self, client: str) -> None:
        """Let one query of this client start, or raise TooManyQueries."""
        with self._lock:
            if len(self._clients) > 10_000:  # forget idle clients with a full budget
                self._clients = {c: e for c, e in self._clients.items()
                                 if e[2] or e[0] < self.capacity}
            entry = self._refilled(client)
            if entry[2] >= self.concurrent:
                raise TooManyQueries(f"this client already runs {self.concurrent} queries; "
                                     "wait for one to finish", 1)
            if entry[0] <= 0:
                wait = max(1, math.ceil(-entry[0] / self.rate))
                raise TooManyQueries("this client used its share of query time; try again "
                                     f"in {wait} s", wait)
            entry[2] += 1

    def charge(self, client: str, seconds: float) -> None:
        """The admitted query finished after `seconds`."""
        with self._lock:
            entry = self._refilled(client)
            entry[2] = max(0, entry[2] - 1)
            entry[0] -= max(seconds, self.min_cost)


class RequestBudget:
    """Requests per client, refilled continuously (a token bucket): a
    client may make `burst` at once and `count` per `per` seconds (readers'
    flags, issue 19).  Only the address is kept, in memory, to count.

    >>> budget = RequestBudget(count=2, per=60.0, burst=2)
    >>> budget.admit("a"); budget.admit("a")
    >>> budget.admit("a")
    Traceback (most recent call last):
    webapp.ratelimit.TooManyQueries: too many requests from this client; try again in 30 s
    """

    def __init__(self, count: int = 10, per: float = 600.0, burst: int = 5,
                 clock=time.monotonic):
        self.capacity, self.rate, self.clock = float(burst), count / per, clock
        self._clients: dict[str, list[float]] = {}  # client -> [balance, time]
        self._lock = threading.Lock()

    def admit(self, client: str) -> None:
        """Count one request of this client, or raise TooManyQueries."""
        with self._lock:
            now = self.clock()
            if len(self._clients) > 10_000:  # forget clients whose bucket is full again
                self._clients = {c: e for c, e in self._clients.items()
                                 if e[0] + (now - e[1]) * self.rate < self.capacity}
            entry = self._clients.setdefault(client, [self.capacity, now])
            entry[0] = min(self.capacity, entry[0] + (now - entry[1]) * self.rate)
            entry[1] = now
            if entry[0] < 1:
                wait = max(1, math.ceil((1 - entry[0]) / self.rate))
                raise TooManyQueries("too many requests from this client; try again in "
                                     f"{wait} s", wait)
            entry[0] -= 1
