"""The public query policy (`kg.sparql`): what is refused before any parser
runs, and the limits around the engine, on every backend."""
from __future__ import annotations

import csv
import http.server
import io
import json
import re
import signal
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from kg import KnowledgeGraph, QueryError, Settings
from kg.sparql import (EngineBusy, Limits, LongQueriesBusy, QueryOutOfMemory, QueryRunner,
                       QueryTimeout, UpdateRefused, check_query, examples, write_ox)
from kg.sparql.workers import LONG_QUERY_SECONDS
from kg.store.remote import RemoteStore

LOCAL = "http://localhost:8000/"
G1, G2 = URIRef(LOCAL + "article/one"), URIRef(LOCAL + "article/two")
P = URIRef("http://example.org/p")
#: The store-backed tests run on the three backends of the issue.
BACKENDS = pytest.mark.parametrize("settings", ["memory", "embedded", "sparql"], indirect=True)
#: Four independent patterns over every triple: ~800^4 solutions on the seed.
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
#: A cross product to sort: pyoxigraph holds every solution in memory
#: (~200 MB a second, measured), where CARTESIAN counts in constant memory.
SORTED_CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?i"


def _refused(text: str, kind=QueryError, status: int = 400) -> str:
    with pytest.raises(kind) as caught:
        check_query(text, LOCAL)
    assert caught.value.status == status
    return str(caught.value)


# ------------------------------------------------------------------ the lexer

@pytest.mark.parametrize("update", [
    "INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }",
    "DELETE DATA { <http://x/a> <http://x/b> <http://x/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "PREFIX x: <http://x/> WITH <http://x/g> DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } "
    "WHERE { ?s ?p ?o }",
    "CLEAR ALL", "clear default", "DROP GRAPH <http://localhost:8000/article/one>",
    "CREATE GRAPH <http://x/g>", "ADD DEFAULT TO <http://x/g>", "MOVE <http://x/a> TO <http://x/b>",
    "COPY <http://x/a> TO DEFAULT",
    "SELECT * { ?s ?p ?o } ; INSERT DATA { <http://x/a> <http://x/b> 1 }",
])
def test_every_update_form_is_refused_as_forbidden(update):
    """INSERT, DELETE, CLEAR, DROP, CREATE, ADD, MOVE, COPY (any case, also
    after a query) are refused with 403 before anything parses them."""
    assert "read-only" in _refused(update, UpdateRefused, 403)


def test_load_is_refused_as_an_outbound_request():
    assert "LOAD" in _refused("LOAD <http://example.org/data.ttl> INTO GRAPH <http://x/g>")


@pytest.mark.parametrize("query", [
    "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * { ?s ?p ?o SERVICE SILENT <http://example.org/> { ?s ?p ?x } }",
    "SELECT * { ?s ?p ?o FILTER EXISTS { SERVICE <http://example.org/> { ?s ?p ?o } } }",
    "SELECT * { { SELECT ?s { SERVICE ?endpoint { ?s ?p ?o } } } }",
    "ASK { VALUES ?e { <http://example.org/> } service ?e { ?s ?p ?o } }",
    "SELECT * { \\u0053ERVICE <http://example.org/> { ?s ?p ?o } }",
    "SELECT * { \\U00000053ervice <http://example.org/> { ?s ?p ?o } }",
])
def test_service_is_refused_wherever_it_hides(query):
    """SERVICE in a subquery, in EXISTS, with a variable endpoint, in lower
    case or spelt with SPARQL's \\u escapes (applied before parsing)."""
    assert "SERVICE is refused" in _refused(query)


@pytest.mark.parametrize("query", [
    'SELECT * { ?s ?p "SERVICE <http://example.org/>" }',
    "SELECT * { ?s ?p ?o } # SERVICE <http://example.org/> in a comment",
    "PREFIX service: <http://example.org/> SELECT ?service { ?service service:insert ?drop }",
    "SELECT * { ?s <http://example.org/SERVICE> ?o }",
    'SELECT * { ?s ?p """multi-line\nINSERT { } with \' and " inside""" }',
    'SELECT * { ?s ?p "x"@insert }',
    'SELECT * { ?s ?p "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((" }',  # noqa: E501 (one literal)
])
def test_words_inside_strings_iris_comments_and_names_are_not_keywords(query):
    """Only real keywords count: the same words in strings, IRIs, comments,
    prefixed names, variables or language tags pass, and brackets in a
    string do not count towards the nesting limit."""
    assert check_query(query, LOCAL).form == "SELECT"


@pytest.mark.parametrize("query", [
    "SELECT * FROM <http://example.org/data.ttl> { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://127.0.0.1:9/g> { GRAPH ?g { ?s ?p ?o } }",
    "PREFIX ex: <http://example.org/> SELECT * FROM ex:data { ?s ?p ?o }",
    "BASE <http://example.org/> SELECT * FROM <data.ttl> { ?s ?p ?o }",
    "SELECT * FROM <relative> { ?s ?p ?o }",
    "SELECT * FROM <file:///etc/passwd> { ?s ?p ?o }",
])
def test_foreign_from_graphs_are_refused(query):
    """FROM / FROM NAMED outside the deployment's IRIs would make rdflib
    fetch the graph from the web: refused, however the IRI is spelt."""
    assert "refused" in _refused(query)


def test_local_from_graphs_are_read_into_the_dataset():
    checked = check_query("PREFIX a: <http://localhost:8000/article/> "
                          "BASE <http://localhost:8000/article/> "
                          "SELECT * FROM a:one FROM NAMED <two> { ?s ?p ?o }", LOCAL)
    assert checked.default_graphs == (str(G1),) and checked.named_graphs == (str(G2),)


def test_size_and_nesting_limits():
    """64 KB of query text pass and one byte more does not (413); 128 nested
    brackets pass and 129 do not, counted before any parser runs."""
    head = "SELECT * { ?s ?p ?o }\n#"
    exact = head + "x" * (64 * 1024 - len(head))
    assert check_query(exact, LOCAL).form == "SELECT"
    _refused(exact + "x", status=413)
    deep = "SELECT * WHERE " + "{" * 128 + "}" * 128
    assert check_query(deep, LOCAL).form == "SELECT"
    assert "128 deep" in _refused("SELECT * WHERE " + "{" * 129 + "}" * 129)
    assert "128 deep" in _refused("SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000
                                  + ") }")


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p 'unterminated }", 'SELECT * { ?s ?p """never closed }', "", "   # only",
    "WHERE { ?s ?p ?o }", "{ ?s ?p ?o }",
])
def test_not_a_query_is_a_syntax_error(query):
    assert "syntax error" in _refused(query)


def test_the_lexer_is_linear_on_hostile_text():
    """Unclosed long strings, IRIs and brackets by the thousand are read in
    a few seconds at most on a loaded machine (backtracking would take
    minutes: the bound tells the two apart, not how fast the lexer is)."""
    for hostile in ("'''a" * 16000, "<a" * 30000, "\"a\\" * 20000, "?" * 60000,
                    "SELECT * {" + "<<" * 20000):
        began = time.perf_counter()
        with pytest.raises(QueryError):
            check_query(hostile, LOCAL)
        assert time.perf_counter() - began < 5.0


def test_example_queries_pass_the_policy():
    """Every example in ontology/queries has a title, a description and
    passes the public policy."""
    found = examples()
    assert len(found) >= 6
    for example in found:
        assert example.title and example.description
        check_query(example.text, LOCAL)


# ------------------------------------------------------------------ answers

def test_row_cap_is_exact_and_signalled():
    """A native pyoxigraph result cut at the cap keeps exactly `max_rows`
    rows and says it was cut; one at the cap exactly is not marked."""
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"http://x/s{i}"), ox.NamedNode("http://x/p"),
                         ox.Literal(f"line\n{i}\t\"quoted\""), ox.DefaultGraph())
                 for i in range(50000))
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    cut = write_ox(store.query(query), "SELECT", "json", Limits(max_rows=1000))
    assert cut.truncated and cut.rows == 1000
    assert len(json.loads(cut.body)["results"]["bindings"]) == 1000
    exact = write_ox(store.query(query + " LIMIT 1000"), "SELECT", "csv", Limits(max_rows=1000))
    assert not exact.truncated and exact.rows == 1000
    triples = write_ox(store.query("CONSTRUCT WHERE { ?s ?p ?o }"), "CONSTRUCT", "ttl",
                       Limits(max_rows=10))
    assert triples.truncated and len(Graph().parse(data=triples.body, format="turtle")) == 10
    small = write_ox(store.query(query), "SELECT", "tsv", Limits(max_rows=None,
                                                                 max_result_bytes=4096))
    assert small.truncated and len(small.body) <= 4096 and small.body.endswith(b"\n")


def _parsed(body: bytes, name: str) -> list:
    """Triples parsed by pyoxigraph (strict, and independent of rdflib's
    serialisers that the memory backend uses)."""
    formats = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
               "xml": ox.RdfFormat.RDF_XML, "json-ld": ox.RdfFormat.JSON_LD}
    return list(ox.parse(body, formats[name]))


@pytest.fixture
def data(graph):
    """Two article graphs with five triples each."""
    graph.store.replace_graph(G1, [(URIRef(f"http://x/a{i}"), P, Literal(i)) for i in range(5)])
    graph.store.replace_graph(G2, [(URIRef(f"http://x/b{i}"), P, Literal(i)) for i in range(5)])
    return graph


@BACKENDS
def test_every_format_on_every_backend(data):
    """SELECT as JSON, XML, CSV and TSV and CONSTRUCT as Turtle, N-Triples,
    RDF/XML and JSON-LD all parse and hold the same ten answers."""
    with QueryRunner(data, Limits(timeout=20), workers=1) as runner:
        select = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }"
        for fmt in ("json", "xml", "tsv"):
            answer = runner.run(select, fmt)
            assert answer.rows == 10 and not answer.truncated
            parsed = ox.parse_query_results(answer.body, getattr(ox.QueryResultsFormat,
                                                                 fmt.upper()))
            assert sorted(int(s["o"].value) for s in parsed) == sorted(list(range(5)) * 2)
        rows = list(csv.DictReader(io.StringIO(runner.run(select, "csv").body.decode())))
        assert sorted(int(r["o"]) for r in rows) == sorted(list(range(5)) * 2)
        for fmt, name in (("ttl", "turtle"), ("nt", "nt"), ("rdfxml", "xml"),
                          ("jsonld", "json-ld")):
            answer = runner.run("CONSTRUCT WHERE { ?s <http://example.org/p> ?o }", fmt)
            assert len(_parsed(answer.body, name)) == 10, fmt
        assert json.loads(runner.run("ASK { ?s <http://example.org/p> 4 }").body)["boolean"]


@BACKENDS
def test_dataset_from_the_query_or_the_protocol(data):
    """FROM picks the default graph; the protocol's graphs replace the
    query's FROM; FROM NAMED alone leaves the default graph empty."""
    count = "SELECT (COUNT(*) AS ?n) {} WHERE { ?s <http://example.org/p> ?o }"
    with QueryRunner(data, Limits(timeout=20), workers=1) as runner:
        def n(query, **dataset):
            body = runner.run(query, "json", **dataset).body
            return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])

        assert n(count.replace("{}", "")) == 10
        assert n(count.replace("{}", f"FROM <{G1}>")) == 5
        assert n(count.replace("{}", f"FROM <{G1}> FROM <{G2}>")) == 10
        assert n(count.replace("{}", f"FROM <{G1}>"), default_graphs=[str(G2)]) == 5
        assert n(count.replace("{}", f"FROM NAMED <{G1}>")) == 0
        named = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        assert n(named, named_graphs=[str(G2)]) == 5
        with pytest.raises(QueryError, match="refused"):
            runner.run(named, named_graphs=["http://example.org/g"])


@BACKENDS
def test_row_cap_on_every_backend(data):
    with QueryRunner(data, Limits(timeout=20, max_rows=3), workers=1) as runner:
        answer = runner.run("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", "json")
        assert answer.truncated and answer.rows == 3
        assert len(json.loads(answer.body)["results"]["bindings"]) == 3
        assert not runner.run("SELECT ?s WHERE { ?s ?p 1 }", "json").truncated


@pytest.mark.parametrize("settings", ["memory", "embedded"], indirect=True)
def test_the_time_limit_stops_the_work_and_the_runner_recovers(data):
    """A cartesian product is stopped at the limit (well before it could
    finish: it runs for minutes), the runner answers the next query without
    waiting for it, and the failure says why.  The upper bounds leave room
    for a loaded 2-core machine."""
    with QueryRunner(data, Limits(timeout=1.0)) as runner:
        runner.run("ASK {}")  # the worker is up
        began = time.monotonic()
        with pytest.raises(QueryTimeout, match="stopped after 1 s"):
            runner.run(CARTESIAN)
        assert 1.0 <= time.monotonic() - began < 4.0
        began = time.monotonic()
        assert runner.run("ASK { ?s ?p 3 }").body == b'{"head": {}, "boolean": true}'
        assert time.monotonic() - began < 3.0


@pytest.mark.parametrize("settings", ["embedded"], indirect=True)
def test_a_killed_worker_leaves_no_process_behind(data):
    with QueryRunner(data, Limits(timeout=0.5), workers=1) as runner:
        runner.run("ASK {}")
        first = _workers(runner)._idle[0].process
        with pytest.raises(QueryTimeout):
            runner.run(CARTESIAN)
        first.wait(timeout=5)
        assert first.returncode is not None
        assert runner.run("ASK {}").rows == 1


@pytest.mark.parametrize("settings", ["embedded"], indirect=True)
def test_workers_see_what_the_writer_wrote(data):
    """Workers read a read-only view of the store; after the parent writes
    a graph, the next query sees it (the view is reopened)."""
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{LOCAL}article/three> {{ ?s ?p ?o }} }}"
    with QueryRunner(data, Limits(timeout=10), workers=1) as runner:
        assert b'"0"' in runner.run(query, "json").body
        data.store.replace_graph(URIRef(LOCAL + "article/three"), [(G1, P, Literal(1))])
        assert b'"1"' in runner.run(query, "json").body


@pytest.mark.parametrize("settings", ["embedded"], indirect=True)
def test_nesting_that_crashes_pyoxigraph_is_refused_and_workers_survive(data):
    """5,000 nested brackets kill a process running pyoxigraph's parser;
    the lexer refuses them first, so the workers keep serving."""
    with QueryRunner(data, Limits(timeout=10), workers=1) as runner:
        runner.run("ASK {}")
        worker = _workers(runner)._idle[0].process
        with pytest.raises(QueryError, match="128 deep"):
            runner.run("SELECT * WHERE { " + "{" * 5000 + "}" * 5000 + " }")
        assert runner.run("ASK {}").rows == 1 and _workers(runner)._idle[0].process is worker
        assert worker.poll() is None


@pytest.mark.parametrize("settings", ["embedded"], indirect=True)
def test_no_limits_runs_in_process(data):
    runner = QueryRunner(data, Limits.none())
    answer = runner.run("SELECT ?s WHERE { ?s <http://example.org/p> ?o }", "tsv")
    assert answer.rows == 10 and runner._engine()._pool is None  # no worker started


class _SlowSparql(http.server.BaseHTTPRequestHandler):
    """A SPARQL server that takes 10 s to answer."""

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(10)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_remote_queries_stop_at_the_deadline(tmp_path):
    """With the sparql backend the time limit is the HTTP deadline: a server
    that does not answer gets a 503-style QueryTimeout at the limit."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowSparql)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/query"
    settings = Settings(data_dir=str(tmp_path), store="sparql", sparql_query=url)
    graph = KnowledgeGraph(settings, RemoteStore(url, url))
    try:
        began = time.monotonic()
        with pytest.raises(QueryTimeout) as caught:
            QueryRunner(graph, Limits(timeout=0.5)).run("ASK {}")
        assert caught.value.status == 503
        assert time.monotonic() - began < 3.0  # the server would hold it 60 s
    finally:
        server.shutdown()
        server.server_close()


def test_a_busy_pool_answers_busy_not_forever(tmp_path):
    """With one worker held by a long query, another query waits at most
    the time limit for it and then gets EngineBusy (503)."""
    with KnowledgeGraph.open(Settings(data_dir=str(tmp_path))) as graph:
        with QueryRunner(graph, Limits(timeout=0.6), workers=1) as runner:
            runner.run("ASK {}")
            slow = threading.Thread(target=lambda: pytest.raises(QueryTimeout, runner.run,
                                                                 CARTESIAN))
            slow.start()
            time.sleep(0.1)
            with pytest.raises((EngineBusy, QueryTimeout)):
                runner.run("ASK {}", limits=Limits(timeout=0.2))
            slow.join()


def _outcome(runner: QueryRunner, query: str, began: float) -> tuple[str, float, object]:
    """Run a query: what came back (an exception's class name, or "ok"),
    when (seconds since `began`), and the exception or answer."""
    try:
        answer = runner.run(query)
        return "ok", time.monotonic() - began, answer
    except Exception as err:  # noqa: BLE001 - the outcome is the result
        return type(err).__name__, time.monotonic() - began, err


@pytest.mark.parametrize("settings", ["embedded"], indirect=True)
def test_a_third_long_query_is_stopped_at_the_threshold_and_short_ones_still_run(data):
    """With 3 workers and 2 long-query slots, three runaway queries at
    once: two hold the slots and run to the 2.5 s limit, the third is
    stopped at the 1 s threshold (LongQueriesBusy, 503, Retry-After until
    a slot frees); short queries sent while the two run are answered at
    once, and afterwards the pool is back to 3 workers."""
    limit = 2.5
    with QueryRunner(data, Limits(timeout=limit), workers=3, long_queries=2) as runner:
        runner.warm()
        _settled(runner, 3)
        began = time.monotonic()
        outcomes: list = []
        runaways = [threading.Thread(target=lambda: outcomes.append(
            _outcome(runner, CARTESIAN, began))) for _ in range(3)]
        for thread in runaways:
            thread.start()
        deadline = began + 2 * LONG_QUERY_SECONDS
        while not outcomes and time.monotonic() < deadline:
            time.sleep(0.02)
        short = []
        while time.monotonic() < began + limit - 0.3:  # while the two long ones run
            sent = time.monotonic()
            kind, _, answer = _outcome(runner, "ASK { ?s ?p 3 }", sent)
            short.append((kind, time.monotonic() - sent))
            time.sleep(0.05)
        for thread in runaways:
            thread.join(timeout=10)
        kinds = sorted((kind, round(took, 2)) for kind, took, _ in outcomes)
        print(f"\nrunaways: {kinds}; {len(short)} short queries meanwhile, slowest "
              f"{max(t for _, t in short):.3f} s (the first waits for the replacement)")
        assert [k for k, _ in kinds] == ["LongQueriesBusy", "QueryTimeout", "QueryTimeout"]
        refused = next(err for kind, _, err in outcomes if kind == "LongQueriesBusy")
        # Upper bounds with room for a loaded machine, still below what
        # the other outcome would take (the refused one stops before the
        # limit; the runaways would run for minutes).
        assert LONG_QUERY_SECONDS <= kinds[0][1] < limit
        assert all(limit <= took < limit + 3 for _, took in kinds[1:])
        assert isinstance(refused, LongQueriesBusy) and isinstance(refused, EngineBusy)
        assert refused.status == 503 and 1 <= refused.retry_after <= 2
        assert "already runs its 2 long queries" in str(refused)
        # The first may wait for the stopped worker's replacement to start
        # (0.1-0.3 s here; ~1 s beside a busy process, workers being niced).
        assert short and {k for k, _ in short} == {"ok"}
        # Answered while the two long ones still ran, not after them.
        assert max(t for _, t in short) < limit, short
        assert _settled(runner, 3) == 3


def _workers(runner: QueryRunner):
    """The embedded store's worker pool behind the runner."""
    return runner._engine()._pool


def _settled(runner: QueryRunner, size: int, seconds: float = 10) -> int:
    """The pool's live workers once `size` of them are idle (killed ones
    are replaced in the background), or AssertionError."""
    pool = _workers(runner)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with pool._cond:
            idle = list(pool._idle)
        if len(idle) == size and pool._count == size:
            return sum(worker.process.poll() is None for worker in idle)
        time.sleep(0.05)
    raise AssertionError(f"{len(pool._idle)} idle of {pool._count} workers")


@pytest.mark.parametrize("settings", ["embedded"], indirect=True)
def test_a_query_over_the_memory_cap_is_stopped_and_its_worker_replaced(data):
    """A worker runs under RLIMIT_AS (here 512 MB): a sorted cross product
    that would take gigabytes makes pyoxigraph's allocation fail, which
    aborts the worker; the query gets QueryOutOfMemory (503, naming the
    cap) well before the time limit, and a new worker answers the next
    query."""
    with QueryRunner(data, Limits(timeout=20), workers=1, memory_mb=512) as runner:
        runner.run("ASK {}")
        first = _workers(runner)._idle[0].process
        limits = Path(f"/proc/{first.pid}/limits").read_text()
        assert re.search(r"Max address space\s+536870912\s", limits), limits
        began = time.monotonic()
        with pytest.raises(QueryOutOfMemory, match="more memory than this endpoint allows "
                                                   r"\(512 MB") as caught:
            runner.run(SORTED_CARTESIAN)
        took = time.monotonic() - began
        assert caught.value.status == 503 and took < 15, took
        assert first.wait(timeout=5) == -signal.SIGABRT
        assert runner.run("ASK { ?s ?p 3 }").rows == 1
        assert _workers(runner)._idle[0].process.pid != first.pid
        print(f"\nstopped on memory after {took:.2f} s")


def test_a_query_worker_starts_without_rdflib_or_the_kg_package(tmp_path):
    """The module a worker runs (`kg.sparql.child`, through `kg.sparql`)
    imports neither rdflib nor `kg/__init__`: the Service Description and
    VoID builders in `kg.sparql.catalogue` import rdflib only when called,
    so a replaced worker is back in ~0.06 s, not ~0.3 s."""
    import subprocess
    import sys

    from kg.sparql import child

    preamble = child.SCRIPT.split("from kg.sparql.child")[0]
    probe = preamble + ("import kg.sparql.child\n"
                        "print(sorted(m for m in sys.modules\n"
                        "             if m.split('.')[0] in ('rdflib', 'networkx', 'ingest')\n"
                        "             or m == 'kg.graph'))\n")
    kg_folder = str(Path(child.__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", probe, "0", str(tmp_path), kg_folder, "0"],
                         capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"
