"""Load and soak: locust against a real `kg serve` on loopback.

    pip install -e '.[bench]'                        # locust
    python -m benchmarks.load                        # 50 users for 10 minutes
    python -m benchmarks.load --minutes 3            # a shorter run
    python -m benchmarks.load --data /tmp/big/data   # reuse a data folder

Bounded and local: the server binds 127.0.0.1 on a free port, locust runs
headless for `--minutes` and the server is stopped at the end.  Without
`--data`, the seeded generator's corpus (`--articles`, default 1250:
about 1.08M triples, as in benchmarks/entity_page.py) is ingested once
into `--folder` (default: <tmp>/kg-bench-load) with the tantivy search
index and reused by later runs.

The workload, by request count: 70% pages (entity 25, article 20, search
page 15, home 10), 20% /api/search, 9% SPARQL (small SELECTs, which must
be answered 200), 1% runaway SPARQL (a triple cross product).  A runaway
query cannot be answered: the endpoint stops it at KG_QUERY_TIMEOUT, at
the long-query threshold when its long-query slots are taken, at the
workers' memory cap, or refuses it as busy, each a 503 with Retry-After,
and each the endpoint protecting itself, so for the runaway task any 503
carrying Retry-After counts as success (the report says which of them
each was); anything else is a failure.  Each simulated user sends from
its own loopback address (127.0.0.2, .3, ...), as separate readers would,
so the endpoint's per-client query budget applies per user.

Printed at the end (a Markdown table for docs/reliability.md): requests,
error rate, p50/p95 of the pages, API search and SPARQL, the runaway
queries' times and outcomes, the server's RSS (its own and with its SPARQL
worker processes) at the start of the load and at the end, the number of
worker processes and threads at both moments, and all of these every
30 s.  RSS growth is given twice: from the cold start (after one request
of each kind) and from the steady state (the 30-second sample at
`--warm-up`, default 2 minutes), both to the end.  Targets: < 1%
errors, page p95 < 300 ms, RSS growth < 10%, worker count constant.

This file is also the locustfile: locust imports it in its own process,
so the module level imports only the standard library and locust.
"""
from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

try:  # only in the locust process
    from locust import HttpUser, between, events, task
    from requests.adapters import HTTPAdapter
except ImportError:  # the driver: nothing below `if HttpUser` is needed
    HttpUser = None

RUNAWAY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . "
           "FILTER(STR(?a) != STR(?i)) }")
SPARQL = [
    "PREFIX hkg: <https://w3id.org/health-kg/ontology#>\n"
    "SELECT ?p (COUNT(?c) AS ?n) WHERE { ?c a hkg:Claim ; hkg:subject <{entity}> ; "
    "hkg:predicate ?p } GROUP BY ?p",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?label WHERE { <{entity}> rdfs:label ?label } LIMIT 5",
    "PREFIX dcterms: <http://purl.org/dc/terms/>\n"
    "SELECT ?a ?title WHERE { ?a dcterms:title ?title } ORDER BY ?title LIMIT 20",
]
WORDS = ["sertraline", "nausea", "depression", "ketamine", "headache", "insomnia", "receptor",
         "anxiety", "dizziness", "serotonin", "ibuprofen", "side effects", "migraine"]

if HttpUser is not None and "LOAD_TARGETS" in os.environ:  # the locust process
    _addresses = itertools.count(2)
    _samples: list[tuple[str, float, bool]] = []
    _runaway: dict[str, int] = {}  # outcome -> count
    _targets = json.loads(Path(os.environ["LOAD_TARGETS"]).read_text(encoding="utf-8"))

    class _FromAddress(HTTPAdapter):
        """Send from one loopback address (each user is its own client)."""

        def __init__(self, address: str):
            self._address = address
            super().__init__()

        def init_poolmanager(self, *args, **kwargs):
            kwargs["source_address"] = (self._address, 0)
            super().init_poolmanager(*args, **kwargs)

    @events.request.add_listener
    def _record(request_type, name, response_time, response_length, exception=None, **kw):
        _samples.append((name, response_time, exception is None))

    @events.quitting.add_listener
    def _save(environment, **kw):
        Path(os.environ["LOAD_SAMPLES"]).write_text(
            json.dumps({"samples": _samples, "runaway": _runaway}), encoding="utf-8")

    class Reader(HttpUser):
        """A reader of the site, an API client and an analyst in one."""

        wait_time = between(1, 3)

        def on_start(self):
            n = next(_addresses)
            self.client.mount("http://", _FromAddress(f"127.0.{n // 250}.{n % 250 + 2}"))

        def _get(self, name: str, path: str, **params):
            with self.client.get(path, params=params, name=name, catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"HTTP {r.status_code}")

        @task(25)
        def entity_page(self):
            self._get("page:entity", f"/entity/{random.choice(_targets['entities'])}")

        @task(20)
        def article_page(self):
            self._get("page:article", f"/article/{random.choice(_targets['articles'])}")

        @task(15)
        def search_page(self):
            self._get("page:search", "/search", q=random.choice(WORDS))

        @task(10)
        def home_page(self):
            self._get("page:home", "/")

        @task(20)
        def api_search(self):
            self._get("api:search", "/api/search", q=random.choice(WORDS))

        @task(9)
        def sparql(self):
            query = random.choice(SPARQL).replace(
                "{entity}", _targets["base"] + random.choice(_targets["entities"]))
            with self.client.get("/sparql", params={"query": query}, name="sparql",
                                 headers={"Accept": "application/sparql-results+json"},
                                 catch_response=True) as r:
                if r.status_code != 200:
                    r.failure(f"HTTP {r.status_code}: {r.text[:80]!r}")

        @task(1)
        def runaway(self):
            with self.client.get("/sparql", params={"query": RUNAWAY}, name="sparql:runaway",
                                 headers={"Accept": "application/sparql-results+json"},
                                 catch_response=True) as r:
                kind = _runaway_outcome(r.status_code, r.headers, r.text)
                _runaway[kind] = _runaway.get(kind, 0) + 1
                if kind.startswith("503"):
                    r.success()
                else:
                    r.failure(f"HTTP {r.status_code}: {r.text[:80]!r}")


def _runaway_outcome(status: int, headers, text: str) -> str:
    """What the endpoint did with a runaway query: a 503 with Retry-After
    (stopped at the time limit, at the long-query threshold, on memory, or
    refused busy: no worker free in time, or too many queries in the
    endpoint) or anything else, which is a failure."""
    if status != 503 or "Retry-After" not in headers:
        return f"HTTP {status}" + ("" if status != 503 else " without Retry-After")
    text = text.lower()
    for marker, kind in (("long queries", "503 long-query slots taken"),
                         ("time limit", "503 time limit"),
                         ("more memory", "503 memory cap"),
                         ("busy", "503 no worker free"),
                         ("running or waiting", "503 endpoint full")):
        if marker in text:
            return kind
    return "503 other"


# ------------------------------------------------------------------ the driver

def _kg(data: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "kg.cli", "--data-dir", str(data),
            "--search-engine", "tantivy", *args]


def build(folder: Path, articles: int) -> Path:
    """The data folder of `articles` generated articles, built once per
    folder and size with the search index kept (the workload searches)."""
    from .generator import write_corpus

    data = folder / f"data-{articles}"
    marker = folder / f"built-{articles}"
    if not marker.exists():
        corpus = folder / "corpus"
        shutil.rmtree(corpus, ignore_errors=True)
        write_corpus(articles, corpus)
        subprocess.run(_kg(data, "ingest", "-q", str(corpus)), check=True)
        marker.write_text("ok")
    return data


def targets(data: Path) -> dict:
    """Article ids, entity keys and the IRI base, read before serving."""
    from kg import KnowledgeGraph, Settings, read

    with KnowledgeGraph.open(Settings(data_dir=str(data), search_engine="tantivy"),
                             write=False) as graph:
        base = str(graph.minter.entity(""))
        rows = graph.store.select(
            "PREFIX hkg: <https://w3id.org/health-kg/ontology#>\n"
            "SELECT DISTINCT ?e WHERE { ?c hkg:subject|hkg:object ?e }")
        entities = sorted(str(r["e"])[len(base):] for r in rows if str(r["e"]).startswith(base))
        return {"base": base, "entities": entities, "triples": len(graph.store),
                "articles": sorted(a.id for a in read.articles(graph))}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(pid: int) -> dict[str, int]:
    fields = {"VmRSS": 0, "zombie": 0}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "Threads"):
            fields[key] = int(value.split()[0])
        elif key == "State":
            fields["zombie"] = int(value.split()[0] == "Z")
    return fields


def _children(pid: int) -> list[int]:
    kids = []
    for task_dir in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that just ended
            kids += [int(k) for k in (task_dir / "children").read_text().split()]
    return kids


def _kid_status(pid: int) -> dict[str, int] | None:
    """A worker's status, or None if it was reaped meanwhile (workers are
    killed and replaced at the long-query threshold and time limit)."""
    try:
        return _status(pid)
    except OSError:
        return None


def sample(pid: int) -> dict[str, float]:
    """The server's RSS (MB), with its worker processes, and its counts."""
    own = _status(pid)
    kids = [k for k in map(_kid_status, _children(pid)) if k is not None]
    total = own["VmRSS"] + sum(k["VmRSS"] for k in kids)
    return {"rss_mb": own["VmRSS"] / 1024, "rss_all_mb": total / 1024,
            "workers": sum(1 for k in kids if not k["zombie"]),
            "zombies": sum(k["zombie"] for k in kids), "threads": own["Threads"]}


def _warm(url: str, seconds: float = 120) -> None:
    """GET `url` until it answers 200 (a 503 while workers start is retried)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=60).read()
            return
        except urllib.error.HTTPError as err:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url}: HTTP {err.code}: {err.read()[:200]!r}") from None
            print(f"warm-up: {url}: HTTP {err.code}; retrying", file=sys.stderr)
            time.sleep(2)


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0


def run(data: Path, users: int, minutes: float, locust: list[str], spawn_rate: float,
        warm_up: float = 120.0) -> dict:
    """Serve `data`, run locust against it, and return the figures (RSS
    growth also from the sample at `warm_up` seconds)."""
    info = targets(data)
    work = Path(tempfile.mkdtemp(prefix="kg-load-"))
    (work / "targets.json").write_text(json.dumps(info), encoding="utf-8")
    port = _free_port()
    log = open(work / "server.log", "wb")
    server = subprocess.Popen(_kg(data, "serve", "--host", "127.0.0.1", "--port", str(port)),
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=5).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("kg serve did not start: "
                                       + (work / "server.log").read_text(errors="replace"))
                time.sleep(0.5)
        # One of each page first, so the start figures include loaded caches
        # and the SPARQL workers (started on the first query).
        for path in ("/", f"/entity/{info['entities'][0]}", f"/article/{info['articles'][0]}",
                     "/search?q=nausea", "/api/search?q=nausea",
                     "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"):
            _warm(base + path)
        start = sample(server.pid)
        env = {**os.environ, "LOAD_TARGETS": str(work / "targets.json"),
               "LOAD_SAMPLES": str(work / "samples.json")}
        began = time.monotonic()
        curve: list[dict] = []
        watching = threading.Event()

        def watch():  # every 30 s: growth that levels off is warm-up, not a leak
            while not watching.wait(30):
                curve.append({"s": round(time.monotonic() - began), **sample(server.pid)})

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        subprocess.run(locust + ["-f", __file__, "--headless", "--only-summary",
                                 "-u", str(users), "-r", str(spawn_rate),
                                 "-t", f"{int(minutes * 60)}s", "--host", base,
                                 "--stop-timeout", "30", "--exit-code-on-error", "0"],
                       env=env, check=True, cwd=work)
        took = time.monotonic() - began
        watching.set()
        watcher.join()
        # A worker killed at its limit is replaced before the old process is
        # reaped; a few seconds after the last request the pool has settled.
        time.sleep(5)
        end = sample(server.pid)
        alive = server.poll() is None
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    saved = json.loads((work / "samples.json").read_text(encoding="utf-8"))
    shutil.rmtree(work, ignore_errors=True)
    result = summarise(saved["samples"], start, end, alive, info, users, took)
    result["runaway_outcomes"] = saved["runaway"]
    result["curve"] = curve
    result.update(growth(start, end, curve, warm_up))
    return result


def growth(start: dict, end: dict, curve: list[dict], warm_up: float) -> dict:
    """RSS growth to the end, of the server process alone and with its
    workers, from the cold start and from the steady state: the first
    30-second sample at or after `warm_up` seconds (None if the run was
    shorter)."""
    steady = next((point for point in curve if point["s"] >= warm_up), None)
    figures = {"steady": steady}
    for key in ("rss_mb", "rss_all_mb"):
        figures[f"growth_cold_{key}"] = end[key] / start[key] - 1
        figures[f"growth_steady_{key}"] = end[key] / steady[key] - 1 if steady else None
    return figures


def summarise(samples, start, end, alive, info, users, took) -> dict:
    groups: dict[str, list] = {}
    for name, ms, ok in samples:
        group = name if not name.startswith("page:") else "pages"
        groups.setdefault(group, []).append((ms, ok))
    failed = sum(1 for _, _, ok in samples if not ok)
    rows = {}
    for group, items in sorted(groups.items()):
        times = [ms for ms, _ in items]
        rows[group] = {"requests": len(items), "failed": sum(1 for _, ok in items if not ok),
                       "p50_ms": _percentile(times, 0.5), "p95_ms": _percentile(times, 0.95),
                       "max_ms": max(times)}
    return {"triples": info["triples"], "articles": len(info["articles"]),
            "entities": len(info["entities"]), "users": users, "seconds": took,
            "requests": len(samples), "failed": failed,
            "error_rate": failed / len(samples) if samples else 1.0,
            "rps": len(samples) / took, "groups": rows, "start": start, "end": end,
            "server_alive": alive}


def report(result: dict) -> str:
    from .common import table

    lines = [f"{result['triples']:,} triples, {result['articles']} articles, "
             f"{result['users']} users for {result['seconds']:.0f} s: "
             f"{result['requests']:,} requests ({result['rps']:.1f}/s), "
             f"{result['failed']} failed ({result['error_rate']:.2%})", ""]
    lines.append(table(["requests", "count", "failed", "p50 ms", "p95 ms", "max ms"],
                       [[g, r["requests"], r["failed"], r["p50_ms"], r["p95_ms"], r["max_ms"]]
                        for g, r in result["groups"].items()]))
    outcomes = result.get("runaway_outcomes") or {}
    lines += ["", "runaway queries: " + (", ".join(
        f"{kind} {n}" for kind, n in sorted(outcomes.items())) or "none")]
    start, end, steady = result["start"], result["end"], result["steady"]
    at = f"steady ({steady['s']} s)" if steady else "steady (none: run too short)"
    rows = [["RSS, server process (MB)", "rss_mb"],
            ["RSS, with SPARQL workers (MB)", "rss_all_mb"],
            ["SPARQL worker processes", "workers"],
            ["exited workers not yet reaped", "zombies"],
            ["threads", "threads"]]
    lines += ["", table(["server", "cold start", at, "end"], [
        [label, start[key], steady[key] if steady else "", end[key]] for label, key in rows]),
        ""]
    for label, key in (("server process", "rss_mb"), ("with workers", "rss_all_mb")):
        steady_growth = result[f"growth_steady_{key}"]
        lines.append(f"RSS growth, {label}: {result[f'growth_cold_{key}']:+.1%} from the cold "
                     "start, " + (f"{steady_growth:+.1%} from the steady state"
                                  if steady_growth is not None else "no steady-state sample"))
    lines += [f"server alive at the end: {result['server_alive']}",
              "every 30 s (s: server MB / with workers MB / workers / threads): " + ", ".join(
                  f"{p['s']}: {p['rss_mb']:.0f} / {p['rss_all_mb']:.0f} / {p['workers']} / "
                  f"{p['threads']}" for p in result.get("curve", []))]
    return "\n".join(lines)


def section(sizes: list[int]) -> str:
    """`python -m benchmarks --only load`: web throughput for docs/benchmarks.md,
    each size a number of users for one minute on the built 1250-article folder
    (e.g. 16 concurrent clients for 60 s on the mixed workload)."""
    locust = [shutil.which("locust")] if shutil.which("locust") else [sys.executable, "-m",
                                                                      "locust"]
    data = build(Path(tempfile.gettempdir()) / "kg-bench-load", 1250)
    return "\n\n".join(f"{users} users for 60 s:\n\n" + report(run(data, users, 1.0, locust, 5.0))
                       for users in sizes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started per second")
    parser.add_argument("--articles", type=int, default=1250,
                        help="generated articles when building (1250: ~1.08M triples)")
    parser.add_argument("--folder", type=Path,
                        default=Path(tempfile.gettempdir()) / "kg-bench-load",
                        help="where a built data folder is kept for later runs")
    parser.add_argument("--data", type=Path, help="serve this data folder instead of building")
    parser.add_argument("--locust", default=shutil.which("locust") or "",
                        help="the locust command (default: on PATH)")
    parser.add_argument("--warm-up", type=float, default=2.0,
                        help="minutes of load before the steady-state RSS sample")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    locust = args.locust.split() if args.locust else [sys.executable, "-m", "locust"]
    data = args.data or build(args.folder, args.articles)
    result = run(data, args.users, args.minutes, locust, args.spawn_rate, args.warm_up * 60)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
