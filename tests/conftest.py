"""Shared fixtures: hermetic settings, stores over every backend, a seeded graph.

Every test gets a clean environment (no KG_* variables leak in) and works in
its own temporary data folder, never the working directory.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kg import KnowledgeGraph, Settings

HERE = Path(__file__).parent
ROOT = HERE.parent
SAMPLES = ROOT / "samples"
#: Data that sits beside the clone in CI (`../shared`), not in the
#: repository: read it only through `shared_file`, so a bare clone skips.
SHARED = ROOT.parent / "shared"
#: The seed article, relative to `SHARED`.
SEED_ARTICLE = "seed/ketamine-for-anxiety.txt"
#: Backends the store-backed tests run on: "sparql" is an Oxigraph server,
#: "virtuoso" a Virtuoso 7 server, both started by the fixtures below.
BACKENDS = ["memory", "embedded", "sparql"]
#: Virtuoso is slower per test; the store contract and writing tests add it.
WITH_VIRTUOSO = BACKENDS + ["virtuoso"]


def shared_file(relpath: str) -> Path:
    """A file from `../shared`, or skip the calling test (or fixture) with a
    reason naming the file.  CI has `../shared` beside the clone, so there
    every such test runs; a newcomer's bare clone skips them and passes."""
    path = SHARED / relpath
    if not path.is_file():
        pytest.skip(f"needs ../shared/{relpath}")
    return path


def seed_article() -> Path:
    """The seed article (`../shared/seed/ketamine-for-anxiety.txt`), or skip."""
    return shared_file(SEED_ARTICLE)


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("KG_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KG_DATA_DIR", str(tmp_path / "default-data"))


@pytest.fixture
def data_dir(tmp_path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


def interruptible() -> None:
    """`preexec_fn` for a child a test stops with Ctrl-C (SIGINT): a child
    inherits an ignored SIGINT, and a test run started in the background
    (`./run test &`, nohup, some CI runners) ignores it, so the child would
    never stop.  The default lets Python raise KeyboardInterrupt."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_answering(proc, url: str, log: Path, seconds: float) -> None:
    """Poll a server we started until it answers, or fail with its log."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"{url} did not start: "
                                   + log.read_text(errors="replace")[-2000:])
            time.sleep(0.1)


#: The test server's own query timeout, in seconds: above every honest
#: query of the suite, so only a runaway query meets it.
OXIGRAPH_TIMEOUT_S = 5


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph SPARQL server (PyPI `oxigraph`) on a free loopback
    port, with the union of named graphs as its default graph and its own
    query timeout, as a public deployment configures it (docs/deploy.md):
    our deadline answers the client, the server's stops the work."""
    binary = Path(sys.executable).parent / "oxigraph"
    port = _free_port()
    log = tmp_path_factory.mktemp("oxigraph") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(binary), "serve", "--bind", f"127.0.0.1:{port}",
                                 "--union-default-graph", "--timeout-s", str(OXIGRAPH_TIMEOUT_S)],
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait_until_answering(proc, f"{base}/query?query=ASK%7B%7D", log, 30)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


_VIRTUOSO_INI = """[Database]
DatabaseFile = {d}/db.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/temp.db
TransactionFile = {d}/temp.trx
[Parameters]
ServerPort = 127.0.0.1:{isql}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = {d}
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerThreads = 5
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory):
    """A real Virtuoso 7 server (Debian `virtuoso-opensource`) on free
    loopback ports, with SPARQL Update granted to its SPARQL user."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        pytest.fail("virtuoso-t is missing; `./run test` installs virtuoso-opensource")
    folder = tmp_path_factory.mktemp("virtuoso")
    isql, http = _free_port(), _free_port()
    (folder / "virtuoso.ini").write_text(_VIRTUOSO_INI.format(d=folder, isql=isql, http=http))
    log = open(folder / "out.log", "wb")
    proc = subprocess.Popen([binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                            stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    base = f"http://127.0.0.1:{http}/sparql"
    _wait_until_answering(proc, f"{base}?query=ASK%7B%7D", folder / "out.log", 60)
    subprocess.run([shutil.which("isql-vt") or "isql-vt", f"127.0.0.1:{isql}", "dba", "dba",
                    'exec=GRANT SPARQL_UPDATE TO "SPARQL";'], check=True, capture_output=True)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(params=BACKENDS)
def settings(request, settings_for) -> Settings:
    """Settings for each backend in turn, on a fresh data folder (and, for
    the remote backends, an emptied server)."""
    return settings_for(request.param)


@pytest.fixture
def settings_for(request, data_dir):
    """A function: backend name -> settings on a fresh folder or server."""
    return lambda backend: backend_settings(request, data_dir, backend)


def backend_settings(request, data_dir, backend: str) -> Settings:
    """Settings for `backend` on `data_dir` (for the remote backends, on a
    server emptied of this deployment's graphs); `request` is any fixture's,
    so a module-scoped fixture can share one graph among read-only tests."""
    if backend in ("memory", "embedded"):
        return Settings(data_dir=str(data_dir), store=backend)
    if backend == "virtuoso":
        query = update = request.getfixturevalue("virtuoso_server")
    else:
        base = request.getfixturevalue("oxigraph_server")
        query, update = f"{base}/query", f"{base}/update"
    settings = Settings(data_dir=str(data_dir), store="sparql", sparql_query=query,
                        sparql_update=update)
    _empty(settings)
    return settings


def _empty(settings: Settings) -> None:
    """Drop this deployment's graphs from a shared server before a test
    (never a server's own system graphs).  The ontology graph stays: it is
    the same for every test, and reloading 6,000 triples per test is slow;
    a test that changes it must drop it itself."""
    from kg.store.remote import RemoteStore
    from kg.terms import Minter

    server = RemoteStore(settings.sparql_query, settings.sparql_update, scope=settings.base_iri)
    keep = Minter(settings.base_iri).ontology_graph
    for graph in server.graphs():
        if graph != keep:
            server.update(f"DROP SILENT GRAPH <{graph}>")


@pytest.fixture
def graph(settings):
    with KnowledgeGraph.open(settings) as opened:
        yield opened


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """The seed article copied into a folder of its own."""
    seed = seed_article()
    folder = tmp_path / "articles"
    folder.mkdir()
    return Path(shutil.copy(seed, folder / seed.name))


class _Listener:
    """A TCP listener on 127.0.0.1 that records every connection made to it:
    the witness that a query made no outbound request."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections: list[tuple] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, address = self.sock.accept()
            except OSError:
                continue
            self.connections.append(address)
            conn.close()

    def close(self):
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener():
    opened = _Listener()
    yield opened
    opened.close()
