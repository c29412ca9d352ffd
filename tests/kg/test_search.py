"""Full-text search: synonyms, typos, highlights, facets, index = graph."""
from __future__ import annotations

import dataclasses
import re
import shutil
import time

import pytest

from kg import KnowledgeGraph

from ingest import domain
from kg.search import SearchQueryError
from kg.search.query import MAX_QUERY_CHARS, Lexicon, parse

from ..conftest import SAMPLES, backend_settings, seed_article


#: (store, engine) pairs: both engines on the on-disk store, and each other
#: backend once (the engines do not depend on the store beyond its queries).
PAIRS = [("embedded", "whoosh"), ("embedded", "tantivy"), ("memory", "whoosh"),
         ("sparql", "tantivy")]


@pytest.fixture(params=PAIRS, ids=["-".join(p) for p in PAIRS])
def graph(request, data_dir):
    """The store backends and search engines in the pairs above."""
    store, engine = request.param
    settings = request.getfixturevalue("settings_for")(store)
    with KnowledgeGraph.open(dataclasses.replace(settings, search_engine=engine)) as g:
        yield g


@pytest.fixture
def seeded(graph):
    assert graph.ingest_file(seed_article()).ok
    return graph


@pytest.fixture(scope="module", params=PAIRS, ids=["-".join(p) for p in PAIRS])
def seeded_shared(request, tmp_path_factory):
    """The seed ingested once per pair and shared by the read-only tests (a
    fresh store and ingest per test cost ~2 s each, 44 times for the
    hostile queries alone).  pytest runs the tests of one pair together, so
    no other test empties the Oxigraph server in between."""
    store, engine = request.param
    folder = tmp_path_factory.mktemp(f"search-{store}-{engine}")
    settings = backend_settings(request, folder, store)
    with KnowledgeGraph.open(dataclasses.replace(settings, search_engine=engine)) as g:
        assert g.ingest_file(seed_article()).ok
        yield g


def _kinds(response, kind):
    return [h for h in response.hits if h["kind"] == kind]


def test_synonym_finds_entity_and_article(seeded_shared):
    """'social phobia' (a synonym) finds the social anxiety disorder entity
    and the article, which never says 'social phobia'."""
    response = seeded_shared.search.search("social phobia", limit=50)
    assert "social anxiety disorder" in [h["label"] for h in _kinds(response, "entity")]
    assert [h["article"] for h in _kinds(response, "article")] == ["ketamine-for-anxiety"]


def test_typo_is_suggested_and_searched(seeded_shared):
    response = seeded_shared.search.search("ketamin")
    assert response.total > 0
    assert any(h["label"] == "ketamine" for h in _kinds(response, "entity"))
    misspelt = seeded_shared.search.search("halucinations")
    assert misspelt.suggestion == "hallucinations"
    assert misspelt.total > 0


def test_phrase_claims_are_highlighted(seeded_shared):
    response = seeded_shared.search.search('"NMDA receptor"', limit=50)
    claims = _kinds(response, "claim")
    assert claims
    assert all("<mark>" in h["highlight"] for h in claims)
    assert any(re.search(r"<mark>NMDA</mark> <mark>receptors?</mark>", h["highlight"])
               for h in claims)


def test_highlights_escape_article_text(graph, tmp_path):
    path = tmp_path / "xss.txt"
    path.write_text("Ketamine <script>alert('x')</script> can cause nausea.\n",
                    encoding="utf-8")
    assert graph.ingest_file(path).ok
    for hit in graph.search.search("ketamine nausea", limit=50).hits:
        assert "<script>" not in hit["highlight"]
        if hit["kind"] == "article":
            assert "&lt;script&gt;" in hit["highlight"]


def test_facet_counts_match_the_hits_and_sparql(seeded_shared):
    """Facet counts count every hit, not just the page, and equal the
    number of claims SPARQL finds per modality for the same words."""
    response = seeded_shared.search.search("nausea", limit=100, filters={"kind": "claim"})
    by_modality: dict[str, int] = {}
    for hit in response.hits:
        by_modality[hit["modality"]] = by_modality.get(hit["modality"], 0) + 1
    assert response.facets["modality"] == by_modality
    rows = seeded_shared.store.select("""
        PREFIX hkg: <https://w3id.org/health-kg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?m (COUNT(DISTINCT ?c) AS ?n) WHERE {
          ?c a hkg:Claim ; hkg:modality ?m ; hkg:evidence ?ev ; hkg:subject ?s ; hkg:object ?o .
          ?s rdfs:label ?sl . ?o rdfs:label ?ol .
          FILTER(REGEX(CONCAT(?ev, " ", ?sl, " ", ?ol), "nausea", "i")) } GROUP BY ?m""")
    expected = {str(r["m"]).rsplit("#", 1)[1]: int(r["n"]) for r in rows}
    assert response.facets["modality"] == expected
    small = seeded_shared.search.search("nausea", limit=1, filters={"kind": "claim"})
    assert small.facets["modality"] == expected and len(small.hits) == 1


def test_paging_does_not_repeat_hits(seeded_shared):
    first = seeded_shared.search.search("ketamine", limit=5, page=1)
    second = seeded_shared.search.search("ketamine", limit=5, page=2)
    assert first.total == second.total > 10
    assert not {h["iri"] for h in first.hits} & {h["iri"] for h in second.hits}
    # Two pages of 5 are the page of 10 (whoosh's top-N matcher replacement
    # once lost hits of a page of 5).
    both = seeded_shared.search.search("ketamine", limit=10, page=1)
    assert [h["iri"] for h in first.hits + second.hits] == [h["iri"] for h in both.hits]


def test_replace_and_retract_keep_index_equal_to_graph(seeded, seed_copy):
    text = seed_copy.read_text(encoding="utf-8")
    seed_copy.write_text(text + "\nKetamine can cause bladder pain in long-term users.\n",
                         encoding="utf-8")
    assert seeded.ingest_file(seed_copy).status == "replaced"
    assert seeded.search.check() == []
    assert any("bladder" in h["highlight"] for h in seeded.search.search("bladder").hits)
    assert seeded.delete_article("ketamine-for-anxiety")
    assert seeded.search.check() == []
    left = seeded.search.search("ketamine", limit=100)
    assert left.total > 0  # the curated entity stays findable
    assert {h["kind"] for h in left.hits} == {"entity"}
    assert "ketamine-for-anxiety" not in left.facets["article"]


def _found(response) -> tuple:
    """What a search found, without the scores (BM25 statistics shift a
    little when an index is rebuilt, e.g. after deleted documents)."""
    return (response.total, response.facets,
            sorted((h["kind"], h["iri"], h["highlight"]) for h in response.hits))


@pytest.mark.parametrize("engine", ["whoosh", "tantivy"])
def test_reindex_after_losing_the_index_restores_results(tmp_path, data_dir, engine):
    from kg import Settings

    seed = seed_article()
    settings = Settings(data_dir=str(data_dir), search_engine=engine)
    with KnowledgeGraph.open(settings) as graph:
        graph.ingest_file(seed)
        before = _found(graph.search.search("NMDA receptor", limit=50))
    shutil.rmtree(data_dir / f"search-{engine}")
    with KnowledgeGraph.open(settings, write=False) as reader:
        assert reader.search.check() == ["@vocabulary", "ketamine-for-anxiety"]
    with KnowledgeGraph.open(settings) as graph:  # a writer repairs on start
        assert graph.search.check() == []
        assert _found(graph.search.search("NMDA receptor", limit=50)) == before
        assert graph.search.reindex() == 1
        assert _found(graph.search.search("NMDA receptor", limit=50)) == before


def test_autocomplete_by_prefix(seeded_shared):
    labels = [s["entity"] for s in seeded_shared.search.suggest("keta")]
    assert "ketamine" in labels
    assert labels.index("ketamine") < 3
    assert seeded_shared.search.suggest("") == []


HOSTILE = ["*a*", "x" * 100_000, "(" * 2000, "AND OR NOT AND OR NOT", "", '"""', "-", "*",
           "\x00\x01", "NOT (((( ketamine", "ketamine" * 40]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_answer_or_refuse_quickly(seeded_shared, text):
    seeded_shared.search.search("warm up")  # the vocabulary lexicon loads on first use
    began = time.perf_counter()
    if len(text) > MAX_QUERY_CHARS:  # refused with the limit named
        with pytest.raises(SearchQueryError, match=str(MAX_QUERY_CHARS)):
            seeded_shared.search.search(text)
    else:
        response = seeded_shared.search.search(text)
        # A page consistent with its total; operators and brackets are read
        # as text, so only the one with a real word of the seed finds hits.
        assert len(response.hits) == min(response.total, response.limit)
        assert (response.total > 0) == ("ketamine" in text), response.total
    assert time.perf_counter() - began < 5.0  # a pathological parse would take minutes


#: A small vocabulary for the parser tests (no graph needed).
LEXICON = Lexicon({"e:ketamine": ("ketamine", "Ketalar"),
                   "e:hallucinations": ("hallucinations", "hallucination"),
                   "e:nmda": ("NMDA receptor", "NMDA receptors", "NMDA")},
                  {"anxiety", "effects"})


def test_questions_keep_their_content_words_and_read_predicate_words():
    """Stop-words and question words are dropped; the words naming a
    predicate mark an optional clause with it; a vocabulary name becomes an
    entity clause with its synonyms."""
    plan = parse("what are the side effects of ketamine?", LEXICON)
    assert [(c.alternatives[0], c.predicate, c.optional, c.entity) for c in plan.clauses] == [
        (("side", "effects"), "hasAdverseEffect", True, ""),
        (("ketamine",), "", False, "e:ketamine")]
    assert plan.clauses[1].alternatives == (("ketamine",), ("ketalar",))
    plan = parse("drugs that block NMDA receptors", LEXICON)
    assert plan.predicates == ("antagonistOf",)
    assert [c.entity for c in plan.required] == ["e:nmda"]
    assert [c.alternatives[0] for c in plan.clauses if c.optional] == [("drugs",), ("block",)]


def test_every_reader_phrase_of_the_domain_table_names_its_predicate():
    """The predicate words come from `ontology/domain.toml` (label, verb,
    base, search_words), in any inflection, and name one predicate each."""
    for predicate in domain.PREDICATES.values():
        for phrase in predicate.phrases:
            assert parse(phrase).predicates == (predicate.name,), phrase
    assert parse("how is it given").predicates == ("administeredVia",)
    assert parse("is it used for anxiety").predicates == ("treats",)


def test_misspelt_words_search_their_correction_and_reader_words_are_not_misspelt():
    plan = parse("side effects of ketamin", LEXICON)
    assert plan.clauses[1].entity == "e:ketamine"
    assert plan.clauses[1].alternatives[:2] == (("ketamin",), ("ketamine",))
    assert LEXICON.suggest("side effects of ketamin") == "side effects of ketamine"
    # "cause" is hasAdverseEffect's word, not a misspelt "clause"; no suggestion
    # replaces it (issue 18 saw "does ketamine abuse hallucinations").
    assert LEXICON.suggest("does ketamine cause hallucinations") is None
    assert LEXICON.correct("treat") is None and LEXICON.correct("halucinations") == \
        "hallucinations"


def test_a_query_of_only_stop_words_is_a_phrase_and_one_stop_word_is_nothing():
    assert [c.alternatives for c in parse("to be or not to be").clauses] == [
        (("to", "be", "or", "not", "to", "be"),)]
    assert parse("the").empty and parse("what is").clauses[0].alternatives == (("what", "is"),)


def test_questions_rank_the_claims_they_ask_for_first(seeded):
    """A question finds the claims of the predicate it names about the
    entity it names, above the entity and the articles; a word nowhere in
    the collection does not hide what the other words find; a question
    naming only a predicate lists that predicate's claims."""
    first = seeded.search.search("does ketamine cause hallucinations", limit=3).hits[0]
    assert (first["kind"], first["predicate"]) == ("claim", "hasAdverseEffect")
    assert "hallucination" in first["label"]
    partial = seeded.search.search("ketamine hallucinations zebra")
    full = seeded.search.search("ketamine hallucinations")
    assert partial.total == full.total > 0
    assert full.hits[0]["iri"] in [h["iri"] for h in partial.hits[:3]]
    given = seeded.search.search("how is it given", limit=5)
    assert given.total > 0
    assert {h["predicate"] for h in given.hits} == {"administeredVia"}


def test_a_second_tantivy_writer_on_one_folder_is_told_why(tmp_path):
    """tantivy keeps one writer per index folder; a second one (another
    process, or another graph open on the same data folder) gets an error
    naming the folder, not the library's lock message."""
    from kg.errors import StoreBusy
    from kg.search._tantivy import TantivyEngine

    first, second = TantivyEngine(tmp_path), TantivyEngine(tmp_path)
    first.write([{"id": "a", "kind": "meta", "owner": "a", "text": "one"}])
    with pytest.raises(StoreBusy, match=str(tmp_path)):
        second.write([{"id": "b", "kind": "meta", "owner": "b", "text": "two"}])
    first.close()
    second.write([{"id": "b", "kind": "meta", "owner": "b", "text": "two"}])  # free again
    second.close()


@pytest.mark.parametrize("engine_name", ["whoosh", "tantivy"])
def test_article_facet_lists_the_articles_with_most_hits(engine_name, tmp_path):
    """The article facet lists `facet_size("article")` articles, those with
    the most hits, with their full counts; the other facets and the total
    still count every match (tantivy counts them in another thread while
    the page is read)."""
    from kg.search import open_engine
    from kg.search.base import facet_size

    engine = open_engine(engine_name, tmp_path / engine_name)
    docs = []
    for a in range(9):  # article a has a + 1 claims naming nausea
        owner = f"art-{a}"
        for i in range(a + 1):
            docs.append({"id": f"claim:{owner}:{i}", "kind": "claim", "owner": owner,
                         "iri": f"{owner}#{i}", "label": "nausea", "names": "",
                         "text": f"Drug {a} can cause nausea ({i}).", "type": "",
                         "predicate": "hasAdverseEffect",
                         "modality": "hedged" if i % 2 else "asserted", "article": [owner],
                         "hash": "", "date": ""})
    try:
        engine.write(docs)
        result = engine.search(parse("nausea"), {}, 0, 3)
        assert len(result.hits) == 3
        assert result.total == sum(range(1, 10)) == 45
        size = facet_size("article")
        assert size == 5
        assert result.facets["article"] == {f"art-{a}": a + 1 for a in range(8, 8 - size, -1)}
        assert list(result.facets["article"].values()) == [9, 8, 7, 6, 5]
        assert result.facets["modality"] == {"asserted": 25, "hedged": 20}
        assert result.facets["kind"] == {"claim": 45}
        narrowed = engine.search(parse("nausea"), {"article": "art-2"}, 0, 10)
        assert narrowed.total == 3 and narrowed.facets["article"] == {"art-2": 3}
    finally:
        engine.close()


def test_a_writer_rebuilds_a_tantivy_index_of_the_earlier_layout(data_dir):
    """Before layout v2 the tantivy index sat in `search-tantivy/` itself,
    without `article_key`.  Such an index cannot be opened with today's
    schema: a writer's first start fills the new layout from the graph and
    deletes the old files, and search, with its article facet, works."""
    import tantivy

    from kg import Settings
    from kg.search import _tantivy

    article = SAMPLES / "lorazepam-for-short-term-anxiety.txt"
    settings = Settings(data_dir=str(data_dir), search_engine="tantivy")
    with KnowledgeGraph.open(settings) as graph:
        assert graph.ingest_file(article).ok
    folder = data_dir / "search-tantivy"
    shutil.rmtree(folder)
    folder.mkdir()
    builder = tantivy.SchemaBuilder()  # the schema of layout v1
    for name in _tantivy._RAW:
        builder.add_text_field(name, stored=True, fast=name in _tantivy.FACETS or name == "owner",
                               tokenizer_name="raw")
    for name in _tantivy._BOOSTS:
        builder.add_text_field(name, stored=True, tokenizer_name="en_stem")
    old = tantivy.Index(builder.build(), path=str(folder))
    writer = old.writer(heap_size=15_000_000, num_threads=1)
    writer.add_document(tantivy.Document(id=["article:old"], kind=["article"], owner=["old"],
                                         text=["lorazepam"], article=["old"]))
    writer.commit()
    writer.wait_merging_threads()
    del writer, old
    with KnowledgeGraph.open(settings, write=False) as reader:  # a reader only reports it
        assert "lorazepam-for-short-term-anxiety" in reader.search.check()
        assert (folder / "meta.json").exists()
    with KnowledgeGraph.open(settings) as graph:
        assert graph.search.check() == []
        found = graph.search.search("lorazepam")
        assert found.total > 0
        assert found.facets["article"] == {"lorazepam-for-short-term-anxiety": found.total
                                           - found.facets["kind"].get("entity", 0)}
    assert not (folder / "meta.json").exists()
    assert [p.name for p in folder.iterdir()] == [_tantivy._LAYOUT]
