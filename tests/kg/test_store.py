"""The store contract, run on every backend."""
from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from kg.errors import QueryError
from kg.store import open_store

from ..conftest import WITH_VIRTUOSO


@pytest.fixture(params=WITH_VIRTUOSO)
def settings(request, settings_for):
    """This module's tests also run against a Virtuoso server."""
    return settings_for(request.param)


# Graphs live under the deployment's base IRI, as every graph kg writes does.
G1, G2 = URIRef("http://localhost:8000/article/g1"), URIRef("http://localhost:8000/article/g2")
A, P, B = (URIRef("http://example.org/a"), URIRef("http://example.org/p"),
           URIRef("http://example.org/b"))


@pytest.fixture
def store(settings):
    opened = open_store(settings)
    for graph in opened.graphs():  # a shared server may still hold the ontology graph
        opened.drop_graph(graph)
    yield opened
    opened.close()


def test_replace_graph_replaces_only_that_graph(store):
    """Replacing g1 leaves g2 untouched and removes g1's old triples."""
    store.replace_graph(G1, [(A, P, Literal("old"))])
    store.replace_graph(G2, [(A, P, Literal("other"))])
    store.replace_graph(G1, [(A, P, Literal("new")), (A, P, B)])
    assert {(str(q[2]), str(q[3])) for q in store.quads()} == {
        ("new", str(G1)), (str(B), str(G1)), ("other", str(G2))}


def test_default_graph_is_the_union(store):
    store.replace_graph(G1, [(A, P, Literal("x"))])
    store.replace_graph(G2, [(A, P, Literal("y"))])
    rows = store.select("SELECT ?o WHERE { <http://example.org/a> <http://example.org/p> ?o }")
    assert sorted(str(r["o"]) for r in rows) == ["x", "y"]


def test_literals_round_trip_exactly(store):
    """Quotes, newlines, language tags, datatypes and non-BMP text survive."""
    values = [Literal('say "hi"\n\ttab \\ back'), Literal("été", lang="fr"), Literal(42),
              Literal("😀 emoji"), Literal(True)]
    store.replace_graph(G1, [(A, P, v) for v in values])
    got = {q[2] for q in store.quads(G1)}
    assert got == set(values)


def test_drop_graph_reports_existence(store):
    store.replace_graph(G1, [(A, P, B)])
    assert store.drop_graph(G1) is True
    assert store.drop_graph(G1) is False
    assert store.graphs() == []
    assert len(store) == 0


def test_query_kinds(store):
    store.replace_graph(G1, [(A, P, B)])
    assert store.ask("ASK { ?s ?p ?o }") is True
    # Scoped to our subject: a shared server (Virtuoso) has system triples too.
    graph = store.construct("CONSTRUCT WHERE { <http://example.org/a> ?p ?o }")
    assert set(graph) == {(A, P, B)}
    with pytest.raises(QueryError):
        store.select("ASK { ?s ?p ?o }")


def test_syntax_error_is_a_query_error(store):
    with pytest.raises(QueryError):
        store.query("SELECT WHERE {")


def test_dump_is_sorted_and_stable(store):
    store.replace_graph(G2, [(B, P, A)])
    store.replace_graph(G1, [(A, P, B)])
    dump = store.dump_nquads()
    assert dump.splitlines() == sorted(dump.splitlines())
    assert len(dump.splitlines()) == 2


def test_dump_is_valid_nquads(store):
    """The dump parses as N-Quads (multi-line literals escaped, not in
    Turtle's triple quotes) and holds exactly the stored quads."""
    from rdflib import Dataset

    value = Literal('line one\nline "two"\r\\ end')
    store.replace_graph(G1, [(A, P, value), (A, P, Literal(3))])
    parsed = Dataset()
    parsed.parse(data=store.dump_nquads(), format="nquads")
    assert {(s, p, o) for s, p, o, _ in parsed.quads()} == {(A, P, value), (A, P, Literal(3))}


def test_select_values_are_the_plain_strings_of_select(store):
    """`select_values` gives each bound value as the string of the term
    `select` gives (IRI, lexical form without language or datatype), leaves
    unbound variables out, keeps the row order, and refuses other forms."""
    values = [Literal('say "hi"\n\ttab'), Literal("été", lang="fr"), Literal(42),
              Literal("😀 emoji"), B]
    store.replace_graph(G1, [(A, P, v) for v in values])
    query = """SELECT ?o ?missing ?len WHERE {
                 <http://example.org/a> <http://example.org/p> ?o
                 OPTIONAL { ?o <http://example.org/nothing> ?missing }
                 BIND(IF(isLiteral(?o), STRLEN(STR(?o)), ?unbound) AS ?len) }
               ORDER BY STR(?o)"""
    plain = store.select_values(query)
    assert plain == [{k: str(v) for k, v in row.items()} for row in store.select(query)]
    assert [row["o"] for row in plain] == sorted(str(v) for v in values)
    assert all(isinstance(v, str) and type(v) is str for row in plain for v in row.values())
    assert {row["o"]: row.get("len") for row in plain} == {
        'say "hi"\n\ttab': "13", "été": "3", "42": "2", "😀 emoji": "7", str(B): None}
    assert all("missing" not in row for row in plain)
    with pytest.raises(QueryError):
        store.select_values("ASK { ?s ?p ?o }")
    with pytest.raises(QueryError):
        store.select_values("CONSTRUCT WHERE { <http://example.org/a> ?p ?o }")
    with pytest.raises(QueryError):
        store.select_values("SELECT WHERE {")


TALLY = URIRef("http://localhost:8000/graph/tally")


def _nquads(graph: URIRef, *objects: str) -> str:
    return "".join(f'<{A}> <{P}> "{o}" <{graph}> .\n' for o in objects)


@pytest.mark.parametrize("readers", [True, False])
def test_add_graphs_adds_every_graph_and_applies_the_patch(store, readers):
    """A batch adds each new graph's quads and the patch (its removals and
    additions, a triple in both kept) in one call, leaving other graphs be."""
    from kg.store.base import Patch

    store.replace_graph(TALLY, [(A, P, Literal(1)), (A, P, Literal("kept"))])
    store.replace_graph(G2, [(A, P, Literal("other"))])
    g3 = URIRef("http://localhost:8000/article/g3")
    patch = Patch(TALLY, remove=[(A, P, Literal(1)), (A, P, Literal("kept"))],
                  add=[(A, P, Literal(2)), (A, P, Literal("kept"))])
    store.add_graphs([G1, g3], _nquads(G1, "one", "two") + _nquads(g3, "three"), patch,
                     readers=readers)
    assert {(str(q[2]), str(q[3])) for q in store.quads()} == {
        ("one", str(G1)), ("two", str(G1)), ("three", str(g3)), ("other", str(G2)),
        ("2", str(TALLY)), ("kept", str(TALLY))}
    assert store.graphs() == sorted([G1, G2, g3, TALLY])


def _lines(*objects: object) -> str:
    """N-Quads lines in the tally graph, as a bulk writer writes new nodes."""
    from kg.store.base import NQuadLines

    lines = NQuadLines(TALLY, "http://localhost:8000/")
    lines.add((URIRef("http://localhost:8000/tally/n1"), P, value) for value in objects)
    return lines.text()


@pytest.mark.parametrize("readers", [True, False])
def test_a_patch_adds_its_nquad_lines_on_every_path(store, readers):
    """The lines of a patch (a bulk writer's new nodes) go in with its
    triples, through `add_graphs` and `apply` alike, on every backend:
    a literal with a quote, a newline and a number keeps its value."""
    from kg.store.base import Patch

    node = URIRef("http://localhost:8000/tally/n1")
    store.add_graphs([G1], _nquads(G1, "one"),
                     Patch(TALLY, add=[(A, P, Literal(1))],
                           lines=_lines(Literal('say "hi"\nthere'), Literal(7))),
                     readers=readers)
    store.apply(Patch(TALLY, remove=[(A, P, Literal(1))], lines=_lines(Literal("applied"))))
    assert {(q[0], q[2]) for q in store.quads(TALLY)} == {
        (node, Literal('say "hi"\nthere')), (node, Literal(7)), (node, Literal("applied"))}
    assert {str(q[2]) for q in store.quads(G1)} == {"one"}


def test_nquad_lines_check_every_iri():
    """A bulk writer's lines: an IRI the minter made passes on its
    characters; any other is checked in full, and one that would end the
    term early (or is no IRI) is refused before it reaches a store."""
    from kg.store.base import NQuadLines
    from kg.terms import BadTerm

    lines = NQuadLines(TALLY, "http://localhost:8000/")
    assert lines.iri("http://localhost:8000/claim/3f2a") == "<http://localhost:8000/claim/3f2a>"
    assert lines.iri("http://example.org/a") == "<http://example.org/a>"
    for bad in ["http://localhost:8000/x> <urn:p> <urn:o> <urn:g> .\n<urn:s",
                "http://localhost:8000/a b", "not an iri", "http://example.org/a>"]:
        with pytest.raises(BadTerm):
            lines.iri(bad)
    with pytest.raises(BadTerm):
        NQuadLines(TALLY, "http://a> b/")


def test_add_graphs_refuses_a_graph_that_exists(store):
    """Adding is for new graphs; an existing one is refused and nothing is
    written (replacing is replace_graph's job)."""
    store.replace_graph(G1, [(A, P, Literal("old"))])
    before = store.dump_nquads()
    with pytest.raises(ValueError, match="exists"):
        store.add_graphs([G2, G1], _nquads(G2, "x") + _nquads(G1, "new"))
    assert store.dump_nquads() == before


def test_add_graphs_refuses_bad_nquads_and_writes_nothing(store):
    store.replace_graph(G2, [(A, P, Literal("other"))])
    before = store.dump_nquads()
    with pytest.raises(QueryError):
        store.add_graphs([G1], f'<{A}> <{P}> "unterminated <{G1}> .\n')
    assert store.dump_nquads() == before


@pytest.mark.parametrize("settings", ["embedded"], indirect=True)
def test_embedded_batch_interrupted_after_its_marker_is_undone(settings, tmp_path):
    """The embedded store journals a batch: if the process dies while the
    batch's marker is in the store (its quads perhaps half loaded), the next
    writer to open the store undoes the batch, restoring the patch's graph,
    and the journal is gone; a finished batch leaves no journal behind."""
    import pyoxigraph

    from kg.errors import StoreUnavailable
    from kg.store.base import Patch
    from kg.store.embedded import _JOURNAL_GRAPH, _PENDING, JOURNAL

    store = open_store(settings)
    store.replace_graph(TALLY, [(A, P, Literal(1))])
    journal = settings.data_path / JOURNAL
    store.add_graphs([G1], _nquads(G1, "done"), Patch(TALLY, [(A, P, Literal(1))],
                                                      [(A, P, Literal(2))]), readers=False)
    assert not journal.exists() and not store.has_graph(_JOURNAL_GRAPH)
    before = store.dump_nquads()
    # The process dies inside the loader, half of the batch loaded: the
    # journal is written and the marker inserted before it.

    class DiesWhileLoading:
        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        def bulk_load(self, data, format):
            # all but the last quad: the new node's first line is in
            self.real.extend(list(pyoxigraph.parse(data, format=format))[:-1])
            raise OSError("killed")

    dying = DiesWhileLoading(store._store)
    store._store = dying
    patch = Patch(TALLY, [(A, P, Literal(2))], [(A, P, Literal(3))],
                  lines=_lines(Literal("a new node"), Literal("its second line")))
    with pytest.raises(StoreUnavailable):
        store.add_graphs([G2], _nquads(G2, "half", "other half"), patch, readers=False)
    store._store, dying.real = dying.real, None  # RocksDB closes with the store
    assert journal.exists() and store.has_graph(G2) and store.has_graph(_JOURNAL_GRAPH)
    assert Literal("a new node") in {q[2] for q in store.quads(TALLY)}
    store.close()
    reopened = open_store(settings)
    try:
        assert reopened.dump_nquads() == before
        assert not journal.exists() and reopened.graphs() == [G1, TALLY]
        assert not reopened.ask(f"ASK {{ ?s <{_PENDING}> ?o }}")
    finally:
        reopened.close()


def test_replace_graph_applies_several_patches_and_apply_patches_alone(store):
    """A graph replacement applies each of several patches to its own graph
    in the same request (an article with its tally and curation graph,
    issue 19); `apply` applies patches without replacing a graph, removals
    first."""
    from kg.store.base import Patch

    curation = URIRef("http://localhost:8000/graph/curation")
    store.replace_graph(TALLY, [(A, P, Literal(1))])
    store.replace_graph(G1, [(A, P, Literal("old"))],
                        [Patch(TALLY, remove=[(A, P, Literal(1))], add=[(A, P, Literal(2))]),
                         Patch(curation, add=[(A, P, Literal("record"))])])
    assert {(str(q[2]), str(q[3])) for q in store.quads()} == {
        ("old", str(G1)), ("2", str(TALLY)), ("record", str(curation))}
    store.apply([Patch(curation, remove=[(A, P, Literal("record"))],
                       add=[(A, P, Literal("record")), (A, P, B)])])
    store.apply(Patch(TALLY))  # an empty patch writes nothing
    store.apply([])
    assert {(str(q[2]), str(q[3])) for q in store.quads(curation)} == {
        ("record", str(curation)), (str(B), str(curation))}
    assert {(str(q[2]), str(q[3])) for q in store.quads(G1)} == {("old", str(G1))}
