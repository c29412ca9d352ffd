"""Exports: every format is read back by a standard reader and
compared with the selection it was written from.

The fixture articles below were written for these tests (fictitious drugs,
so the curated vocabulary and the extractor's rules cannot change them);
they are stored through `kg.rdf.article_triples`, the same code path
`kg ingest` uses after extraction.  They hold what exports must keep apart:
a relation stated by two articles, one that one article denies and another
states, hedged and under-study claims, a second step (QX receptor ->
calm signalling, etazine), an article title and evidence carrying
`<script>`, and evidence that a spreadsheet would run as a formula.
The seed article is exported through the `kg` command at the end.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile
from html.parser import HTMLParser

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from ingest.model import Claim, Document, Entity, EntityType, Extraction, Modality
from kg import KnowledgeGraph, QueryError, Settings, tally
from kg.export import FORMATS, ExportRequest, Format, export, get_format
from kg.export.rdf import JSONLD_CONTEXT
from kg.rdf import article_triples
from kg.terms import DCTERMS, HKG, PROV, RDF, RDFS, SKOS

from ..conftest import seed_article

XSS = "<script>alert('x')</script>"
#: rdflib 7's own JSON-LD parser still builds a ConjunctiveGraph (inside rdflib).
JSONLD_PARSER_WARNING = pytest.mark.filterwarnings(
    "ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
ENTITIES = {
    "zetamine": ("zetamine", EntityType.DRUG), "etazine": ("etazine", EntityType.DRUG),
    "qx-receptor": ("QX receptor", EntityType.RECEPTOR),
    "gloom-disorder": ("gloom disorder", EntityType.CONDITION),
    "dizziness": ("dizziness", EntityType.ADVERSE_EFFECT),
    "blood-flow": ("blood flow", EntityType.ADVERSE_EFFECT),
    "headache": ("headache", EntityType.ADVERSE_EFFECT),
    "queasiness": ("queasiness", EntityType.ADVERSE_EFFECT),
    "calm-signalling": ("calm signalling", EntityType.MECHANISM),
}
#: article id -> (title, url, date, claims as (subject, predicate, object, modality, evidence))
ARTICLES = {
    "zeta-one": (f"Zetamine {XSS} explained", "https://example.org/zeta?a=1&b=2", "2024-05-01", [
        ("zetamine", "antagonistOf", "qx-receptor", "asserted", "Zetamine blocks the QX receptor."),
        ("zetamine", "treats", "gloom-disorder", "hedged",
         f"Zetamine may help gloom disorder {XSS}."),
        ("zetamine", "hasAdverseEffect", "dizziness", "asserted", "Dizziness"),
        ("zetamine", "decreases", "blood-flow", "negated", "Zetamine does not lower blood flow."),
        ("calm-signalling", "affects", "qx-receptor", "asserted",
         "Calm signalling affects the QX receptor."),
    ]),
    "zeta-two": ("Zetamine in trials", "javascript:alert(1)", "2025-01-02", [
        ("zetamine", "treats", "gloom-disorder", "asserted", "Zetamine treats gloom disorder."),
        ("zetamine", "hasAdverseEffect", "queasiness", "investigational",
         "Trials are testing whether zetamine causes queasiness."),
        ("etazine", "antagonistOf", "qx-receptor", "asserted", "Etazine also blocks QX receptors."),
    ]),
    "zeta-three": ("Zetamine and circulation", "", "", [
        ("zetamine", "decreases", "blood-flow", "asserted", "Zetamine lowers blood flow."),
        ("zetamine", "hasAdverseEffect", "headache", "asserted",
         "=1+1 zetamine causes headache."),
    ]),
}


def _entity(key: str) -> Entity:
    label, kind = ENTITIES[key]
    return Entity(key=f"test-{key}", label=label, type=kind, mapped=False)


def write_articles(graph: KnowledgeGraph) -> None:
    """Store the fixture articles as `kg ingest` would after extraction."""
    for article_id, (title, url, date, rows) in ARTICLES.items():
        text = title + "\n\n" + "\n".join(row[4] for row in rows) + "\n"
        claims = tuple(Claim(_entity(s), p, _entity(o), Modality(m), ev, text.index(ev),
                             text.index(ev) + len(ev), "test") for s, p, o, m, ev in rows)
        document = Document(article_id, title, text, "txt", url=url, date=date)
        graph.store.replace_graph(graph.minter.article(article_id), article_triples(
            graph.minter, Extraction(document, (), claims), "test-1"))
    tally.rebuild(graph)  # the counts entity pages read, as an ingest keeps them


@pytest.fixture(scope="module")
def kg_graph(tmp_path_factory):
    """The fixture articles in a memory store, shared by the read-only tests."""
    folder = tmp_path_factory.mktemp("export-data")
    with KnowledgeGraph.open(Settings(store="memory", data_dir=str(folder))) as graph:
        write_articles(graph)
        yield graph


@pytest.fixture(scope="module")
def depth1(kg_graph):
    return ExportRequest(entity="zetamine", depth=1).select(kg_graph)


def iri(key: str) -> str:
    return f"http://localhost:8000/entity/test-{key}"


def edges_of(sub: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    return {(s, d["predicate"], o) for s, o, d in sub.edges(data=True)}


def quotes_of(sub: nx.MultiDiGraph) -> dict[tuple[str, str, str], set[str]]:
    return {(s, d["predicate"], o): {c.evidence for c in d["claims"]}
            for s, o, d in sub.edges(data=True)}


# ---------------------------------------------------------------- the registry

def test_registry_has_every_format_with_type_and_extension():
    """The ten formats of the issue, each with a media type, an extension and
    a writer that imports."""
    assert list(FORMATS) == ["ttl", "jsonld", "nt", "rdfxml", "graphml", "gexf", "cytoscape",
                             "csv", "svg", "pack"]
    for fmt in FORMATS.values():
        assert "/" in fmt.media_type and fmt.extension and callable(fmt.load())
    assert get_format("pack").media_type == "application/zip"


def test_public_surface_is_exact():
    """kg.export exports the registry, the request and `export`, nothing else."""
    import kg.export

    assert sorted(kg.export.__all__) == ["ExportRequest", "FORMATS", "Format", "export",
                                         "get_format"]


def test_unknown_format_and_missing_writer_are_named():
    """An unknown name lists the known ones; a writer that cannot be imported
    names the module and the format."""
    with pytest.raises(QueryError, match="use one of ttl, jsonld"):
        get_format("docx")
    broken = Format("odt", "application/x", "odt", "no_such_module:write", "x", "table")
    with pytest.raises(QueryError, match=r"'odt'.*kg\.export\.no_such_module"):
        broken.load()
    with pytest.raises(QueryError, match="has no nope"):
        Format("x", "a/b", "x", "rdf:nope", "x", "rdf").load()


# ---------------------------------------------------------------- the selection

def test_selection_carries_what_writers_need(depth1):
    """Depth 1 of zetamine: its six neighbours, the three articles with their
    metadata, a title and a file name."""
    assert set(depth1) == {iri(k) for k in ("zetamine", "qx-receptor", "gloom-disorder",
                                            "dizziness", "blood-flow", "headache",
                                            "queasiness")}
    assert set(depth1.graph["articles"]) == {"zeta-one", "zeta-two", "zeta-three"}
    assert depth1.graph["articles"]["zeta-one"]["source"] == "https://example.org/zeta?a=1&b=2"
    assert depth1.graph["articles"]["zeta-one"]["date"] == "2024-05-01"
    assert depth1.graph["title"] == "Zetamine: relations within 1 step"
    assert ExportRequest(entity="zetamine").filename(depth1, "rdfxml") == "zetamine-depth-1.rdf"
    assert ExportRequest(entity="zetamine").filename(depth1, "pack") == \
        "zetamine-depth-1-pack.zip"


# ---------------------------------------------------------------- RDF

@JSONLD_PARSER_WARNING
@pytest.mark.parametrize("fmt,parser", [("ttl", "turtle"), ("jsonld", "json-ld"),
                                        ("nt", "nt"), ("rdfxml", "xml")])
def test_rdf_round_trip_keeps_edges_claims_and_provenance(depth1, fmt, parser):
    """Read back with rdflib: the direct edges are exactly the relations some
    claim states without denying; every claim node has its evidence,
    modality, offsets and article; articles keep title, source and date;
    entities keep label and type.  All four formats hold the same graph."""
    data = get_format(fmt).write(depth1)
    parsed = Graph().parse(data=data, format=parser)
    stated = {(URIRef(s), HKG[p], URIRef(o)) for s, p, o in edges_of(depth1)
              if any(c.modality != "negated"
                     for c in depth1.edges[s, o, p]["claims"])}
    direct = {t for t in parsed if str(t[1]).startswith(str(HKG)) and
              t[1] in {HKG[p] for _, p, _ in edges_of(depth1)} and
              (t[0], RDF.type, HKG.Claim) not in parsed}
    assert direct == stated
    assert (URIRef(iri("zetamine")), HKG.decreases, URIRef(iri("blood-flow"))) in direct
    claims = [c for _, _, d in depth1.edges(data=True) for c in d["claims"]]
    assert set(parsed.subjects(RDF.type, HKG.Claim)) == {URIRef(c.claim) for c in claims}
    for claim in claims:
        node = URIRef(claim.claim)
        assert parsed.value(node, HKG.evidence) == Literal(claim.evidence)
        assert parsed.value(node, HKG.modality) == HKG[claim.modality]
        assert parsed.value(node, HKG.start).toPython() == claim.start
        assert parsed.value(node, HKG.end).toPython() == claim.end
        article = parsed.value(node, PROV.wasDerivedFrom)
        assert str(article) == f"http://localhost:8000/article/{claim.article}"
        assert parsed.value(article, DCTERMS.identifier) == Literal(claim.article)
    one = URIRef("http://localhost:8000/article/zeta-one")
    assert str(parsed.value(one, DCTERMS.title)) == f"Zetamine {XSS} explained"
    assert str(parsed.value(one, DCTERMS.source)) == "https://example.org/zeta?a=1&b=2"
    assert str(parsed.value(one, DCTERMS.date)) == "2024-05-01"
    for node, attrs in depth1.nodes(data=True):
        assert str(parsed.value(URIRef(node), RDFS.label)) == attrs["label"]
        assert (URIRef(node), RDF.type, HKG[attrs["type"]]) in parsed
    reference = Graph().parse(data=FORMATS["ttl"].write(depth1), format="turtle")
    assert isomorphic(parsed, reference)


@JSONLD_PARSER_WARNING
def test_rdf_formats_keep_awkward_text_exactly(depth1):
    """Quotes, backslashes, line breaks, tabs and non-Latin characters in
    labels and evidence survive every RDF format.  (Other control characters
    never reach the graph: readers drop them, and XML could not hold them.)"""
    awkward = 'say "no" \\ C:\\x\nnew line\ttab — ケタミン 🧪'
    sub = depth1.copy()
    sub.graph["articles"] = depth1.graph["articles"]
    sub.nodes[iri("dizziness")]["label"] = awkward
    claim = sub.edges[iri("zetamine"), iri("dizziness"), "hasAdverseEffect"]["claims"][0]
    sub.edges[iri("zetamine"), iri("dizziness"), "hasAdverseEffect"]["claims"] = [
        dataclasses.replace(claim, evidence=awkward)]
    graphs = {fmt: Graph().parse(data=FORMATS[fmt].write(sub), format=parser) for fmt, parser in
              (("ttl", "turtle"), ("jsonld", "json-ld"), ("nt", "nt"), ("rdfxml", "xml"))}
    for parsed in graphs.values():
        assert str(parsed.value(URIRef(iri("dizziness")), RDFS.label)) == awkward
        assert str(parsed.value(URIRef(claim.claim), HKG.evidence)) == awkward
        assert isomorphic(parsed, graphs["ttl"])


def test_big_rdfxml_is_flat_and_holds_the_same_graph(depth1, monkeypatch):
    """Above `PRETTY_LIMIT` triples RDF/XML is written flat by our own
    writer: one rdf:Description per subject, the same graph as Turtle, with
    markup characters, quotes, tabs and line breaks (CR too) kept exactly."""
    from kg.export import rdf

    awkward = 'a <b> & "c" \r\n\ttab — ケタミン 🧪'
    sub = depth1.copy()
    sub.graph["articles"] = depth1.graph["articles"]
    sub.nodes[iri("dizziness")]["label"] = awkward
    monkeypatch.setattr(rdf, "PRETTY_LIMIT", 0)
    data = FORMATS["rdfxml"].write(sub)
    root = ET.fromstring(data)
    subjects = [d.get(f"{{{RDF}}}about") for d in root]
    assert {d.tag for d in root} == {f"{{{RDF}}}Description"}
    assert len(subjects) == len(set(subjects)) and iri("zetamine") in subjects
    parsed = Graph().parse(data=data, format="xml")
    assert str(parsed.value(URIRef(iri("dizziness")), RDFS.label)) == awkward
    assert isomorphic(parsed, Graph().parse(data=FORMATS["ttl"].write(sub), format="turtle"))
    monkeypatch.setattr(rdf, "PRETTY_LIMIT", 10 ** 9)
    nested = ET.fromstring(FORMATS["rdfxml"].write(sub))
    assert any(child.tag != f"{{{RDF}}}Description" for child in nested)  # pretty-xml types


@JSONLD_PARSER_WARNING
def test_jsonld_has_a_compact_context(depth1):
    """Keys are short names from the embedded @context, and the document
    expands to full IRIs without any network access."""
    data = json.loads(FORMATS["jsonld"].write(depth1))
    assert data["@context"]["evidence"] == "hkg:evidence" == JSONLD_CONTEXT["evidence"]
    claims = [n for n in data["@graph"] if n.get("@type") == "hkg:Claim"]
    assert claims and all({"evidence", "modality", "start", "end", "wasDerivedFrom"} <= set(c)
                          for c in claims)
    assert all(isinstance(c["start"], int) for c in claims)
    hub = next(n for n in data["@graph"] if n["@id"] == iri("zetamine"))
    assert hub["antagonistOf"] == iri("qx-receptor")
    with_ids = depth1.copy()
    with_ids.nodes[iri("zetamine")]["ids"] = ["CHEBI:6121", "MESH:D007649"]
    expanded = Graph().parse(data=FORMATS["jsonld"].write(with_ids), format="json-ld")
    assert set(expanded.objects(URIRef(iri("zetamine")), SKOS.exactMatch)) == {
        URIRef("http://purl.obolibrary.org/obo/CHEBI_6121"),
        URIRef("http://id.nlm.nih.gov/mesh/D007649")}


# ---------------------------------------------------------------- networks

def _graphml_types(data: bytes) -> set[str]:
    root = ET.fromstring(data)
    return {k.get("attr.type") for k in root.iter("{http://graphml.graphdrawing.org/xmlns}key")}


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_network_round_trip(depth1, fmt):
    """networkx reads the file back: the same nodes with label and type, the
    same (subject, predicate, object) edges with modality, article and
    support counts, and every evidence quote; attributes are scalars."""
    data = FORMATS[fmt].write(depth1)
    if fmt == "graphml":
        back = nx.read_graphml(io.BytesIO(data), force_multigraph=True)
        assert _graphml_types(data) <= {"string", "long", "double", "boolean"}
        assert b">True<" not in data and b">False<" not in data and b">false<" in data
    else:
        back = nx.read_gexf(io.BytesIO(data))
        assert b'value="True"' not in data and b'value="False"' not in data
    assert set(back) == set(depth1)
    for node, attrs in depth1.nodes(data=True):
        assert back.nodes[node]["label"] == attrs["label"]
        assert back.nodes[node]["type"] == attrs["type"]
    read = {}
    for s, o, attrs in back.edges(data=True):
        assert all(isinstance(v, (str, int, float, bool)) for v in attrs.values())
        read[(s, attrs["predicate"], o)] = attrs
    assert set(read) == edges_of(depth1)
    for (s, p, o), quotes in quotes_of(depth1).items():
        original = depth1.edges[s, o, p]
        assert read[(s, p, o)]["modality"] == original["modality"]
        assert int(read[(s, p, o)]["articles"]) == original["articles"]
        assert int(read[(s, p, o)]["support"]) == original["support"]
        assert all(q in read[(s, p, o)]["evidence"] for q in quotes)


def test_cytoscape_json_elements(depth1):
    """Cytoscape.js elements: one node per entity (with a position), one edge
    per relation, its evidence as a list of quotes with articles."""
    data = json.loads(FORMATS["cytoscape"].write(depth1))
    nodes = data["elements"]["nodes"]
    assert {n["data"]["id"] for n in nodes} == set(depth1)
    assert all("x" in n["position"] for n in nodes)
    edges = {(e["data"]["source"], e["data"]["predicate"], e["data"]["target"]): e["data"]
             for e in data["elements"]["edges"]}
    assert set(edges) == edges_of(depth1)
    for key, quotes in quotes_of(depth1).items():
        assert {q["text"] for q in edges[key]["evidence"]} == quotes
    flow = edges[(iri("zetamine"), "decreases", iri("blood-flow"))]
    assert {q["article"] for q in flow["evidence"]} == {"zeta-one", "zeta-three"}


# ---------------------------------------------------------------- tables

def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_edges_and_nodes(depth1, tmp_path):
    """One row per relation with labels, predicate, modality, article count
    and one of its quotes with that quote's article; the zip and folder
    forms add the entities table."""
    rows = _rows(FORMATS["csv"].write(depth1))
    labels = {n: d["label"] for n, d in depth1.nodes(data=True)}
    assert {(r["subject"], r["predicate"], r["object"]) for r in rows} == \
        {(labels[s], p, labels[o]) for s, p, o in edges_of(depth1)}
    for row in rows:
        s, o, p = row["subject_iri"], row["object_iri"], row["predicate"]
        claims = depth1.edges[s, o, p]["claims"]
        assert int(row["articles"]) == depth1.edges[s, o, p]["articles"]
        assert row["modality"] == depth1.edges[s, o, p]["modality"]
        quote = next(c for c in claims if c.evidence == row["evidence"].lstrip("'"))
        assert row["article"] == quote.article
    gloom = next(r for r in rows if r["object"] == "gloom disorder")
    assert gloom["articles"] == "2" and gloom["evidence"] == "Zetamine treats gloom disorder."
    from kg.export.tables import write_folder, write_zip

    archive = zipfile.ZipFile(io.BytesIO(write_zip(depth1, "z-")))
    assert sorted(archive.namelist()) == ["z-edges.csv", "z-nodes.csv"]
    nodes = _rows(archive.read("z-nodes.csv"))
    assert {r["iri"] for r in nodes} == set(depth1)
    assert {r["label"]: r["type"] for r in nodes}["QX receptor"] == "Receptor"
    written = write_folder(depth1, tmp_path / "tables")
    assert sorted(p.name for p in written) == ["edges.csv", "nodes.csv"]


def test_csv_cells_never_run_as_formulas(depth1):
    """Evidence starting with '=' is written with a leading apostrophe."""
    rows = _rows(FORMATS["csv"].write(depth1))
    headache = next(r for r in rows if r["object"] == "headache")
    assert headache["evidence"] == "'=1+1 zetamine causes headache."


# ---------------------------------------------------------------- picture

SVG = "{http://www.w3.org/2000/svg}"


def _svg_texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_svg_draws_every_entity_and_relation_and_escapes_article_text(depth1):
    """The SVG parses as XML; every entity label and predicate label is drawn,
    the sources name the articles, denied relations are dashed and hedged
    dotted; `<script>` from a title and from evidence is escaped text, and
    the file has no script, style, image or external reference."""
    data = FORMATS["svg"].write(depth1)
    root = ET.fromstring(data)
    texts = _svg_texts(root)
    for _, attrs in depth1.nodes(data=True):
        assert attrs["label"] in texts
    assert {"antagonist of", "treats (2)", "decreases (2)", "has adverse effect"} <= set(texts)
    assert any(f"Zetamine {XSS} explained" in t for t in texts)
    assert b"<script" not in data and b"&lt;script&gt;" in data
    tips = [t.text for t in root.iter(f"{SVG}title")]
    assert any(f"Zetamine may help gloom disorder {XSS}." in (t or "") for t in tips)
    tags = {el.tag.replace(SVG, "") for el in root.iter()}
    assert not tags & {"script", "style", "image", "foreignObject", "a", "use"}
    assert not any(k.endswith("href") for el in root.iter() for k in el.attrib)
    assert root.get("viewBox") and float(root.get("width")) >= 900
    dashes = {}
    for group in root.iter(f"{SVG}g"):
        title, path = group.find(f"{SVG}title"), group.find(f"{SVG}path")
        if title is not None and path is not None:
            dashes[title.text.split(" — ")[0]] = path.get("stroke-dasharray")
    assert dashes["zetamine decreases blood flow"] is None  # zeta-three states what one denies
    assert dashes["zetamine blocks QX receptor"] is None
    assert dashes["Studies are looking at whether zetamine can cause queasiness"] == "9 4 2 4"


def test_svg_dashes_denied_and_dots_hedged(kg_graph):
    """A relation only denied is dashed, one only hedged is dotted."""
    sub = ExportRequest(entity="zetamine", modalities=("negated", "hedged")).select(kg_graph)
    root = ET.fromstring(FORMATS["svg"].write(sub))
    styles = {g.find(f"{SVG}title").text.split(" — ")[0]: g.find(f"{SVG}path")
              .get("stroke-dasharray") for g in root.iter(f"{SVG}g")
              if g.find(f"{SVG}path") is not None and g.find(f"{SVG}title") is not None}
    assert styles == {"zetamine does not decrease blood flow": "8 5",
                      "zetamine may treat gloom disorder": "1.5 4"}


def test_layout_keeps_boxes_apart(kg_graph):
    """No two entity boxes of the depth-2 diagram overlap."""
    from kg.export.layout import layout

    boxes = list(layout(ExportRequest(entity="zetamine", depth=2).select(kg_graph))
                 .boxes.values())
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = (a.right <= b.left or b.right <= a.left
                     or abs(a.y - b.y) >= (a.height + b.height) / 2)
            assert apart, (a.label, b.label)


# ---------------------------------------------------------------- teaching pack

class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.parts.append(data)


def test_pack_holds_the_files_and_a_handout_that_quotes_the_articles(depth1):
    """The zip holds SVG, GraphML, Turtle, both CSVs, a README and the
    handout; the handout states each relation in plain words, one sentence
    per subject, predicate and modality, with its articles, quotes and
    sources, says it is not medical advice, escapes article text and links
    only http(s) sources."""
    archive = zipfile.ZipFile(io.BytesIO(FORMATS["pack"].write(depth1)))
    names = archive.namelist()
    assert sorted(n.split("/", 1)[1] for n in names) == sorted([
        "README.txt", "zetamine-depth-1-handout.html", "zetamine-depth-1.svg",
        "zetamine-depth-1.graphml", "zetamine-depth-1.ttl", "zetamine-depth-1-edges.csv",
        "zetamine-depth-1-nodes.csv"])
    folder = "zetamine-depth-1/"
    assert nx.read_graphml(io.BytesIO(archive.read(folder + "zetamine-depth-1.graphml")))
    assert len(Graph().parse(data=archive.read(folder + "zetamine-depth-1.ttl"), format="turtle"))
    html = archive.read(folder + "zetamine-depth-1-handout.html").decode("utf-8")
    parser = _Text()
    parser.feed(html)
    text = " ".join(" ".join(parser.parts).split())
    assert "Not medical advice" in text
    # Relations of one subject and predicate are one sentence per modality,
    # each object followed by its articles, the sentence by its modality.
    joined = re.sub(r" ([.,])", r"\1", text)
    for sentence in ("Zetamine treats gloom disorder [1, 3]. stated",
                     "Zetamine blocks QX receptor [1]. stated",
                     "Zetamine can cause dizziness [1], headache [2]. stated",
                     "Studies are looking at whether zetamine can cause queasiness [3]. "
                     "under study"):
        assert sentence in joined
    for quotes in quotes_of(depth1).values():
        for quote in quotes:
            assert f"“{quote}”" in text
    assert f"Zetamine {XSS} explained" in text and "<script" not in html.replace(
        "<script", "", 0)
    assert "<script" not in html
    assert "The articles disagree" in text  # blood flow: denied in one, stated in another
    links = [a.get("href") for tag, a in parser.tags if tag == "a"]
    assert "https://example.org/zeta?a=1&b=2" in links
    assert not any(link.startswith("javascript") for link in links)
    assert "2024-05-01" in text and "Zetamine in trials" in text


def test_handout_prints_a_subjects_relations_as_one_item_quoting_a_list_once(tmp_path):
    """Relations of one subject and predicate are one list item naming
    every object with its article; the bullet list that states them (each
    claim holding the list up to its item) is quoted once, from its start,
    not once per relation; another article's sentence is quoted too."""
    from kg.export.pack import handout_html

    items = ["dizziness", "headache", "queasiness"]
    intro = "Zetamine can cause the following:"
    text = "Zetamine side effects\n\n" + intro + "\n" + "\n".join(f"- {i}" for i in items) + "\n"
    start = text.index(intro)
    hub = Entity(key="test-zetamine", label="zetamine", type=EntityType.DRUG, mapped=False)
    claims = tuple(Claim(hub, "hasAdverseEffect",
                         Entity(key=f"test-{i}", label=i, type=EntityType.ADVERSE_EFFECT,
                                mapped=False), Modality.ASSERTED,
                         text[start:text.index(i) + len(i)], start, text.index(i) + len(i),
                         "test") for i in items)
    other = "Zetamine may cause a rash."
    rash = Claim(hub, "hasAdverseEffect", Entity(key="test-rash", label="rash",
                                                 type=EntityType.ADVERSE_EFFECT, mapped=False),
                 Modality.HEDGED, other, 0, len(other), "test")
    with KnowledgeGraph.open(Settings(store="memory", data_dir=str(tmp_path))) as graph:
        for key, document, extracted in (
                ("zeta-list", Document("zeta-list", "Zetamine list", text, "txt"), claims),
                ("zeta-rash", Document("zeta-rash", "Zetamine rash", other, "txt"), (rash,))):
            graph.store.replace_graph(graph.minter.article(key), article_triples(
                graph.minter, Extraction(document, (), extracted), "test-1"))
        sub = ExportRequest(entity="zetamine", depth=1).select(graph)
    parser = _Text()
    parser.feed(handout_html(sub))
    text = re.sub(r" ([.,])", r"\1", " ".join(" ".join(parser.parts).split()))
    heading = text.index("Side effects and risks")
    relations = text[heading:text.index("Sources", heading)]
    assert relations.startswith("Side effects and risks Zetamine can cause dizziness [1], "
                                "headache [1], queasiness [1]. stated Zetamine may cause "
                                "rash [2]. hedged “Zetamine can cause the following:")
    assert relations.count("Zetamine can cause the following:") == 1
    assert f"“{other}” — [2] (hedged)" in relations


def test_pack_over_the_diagram_limit_leaves_the_diagram_out_and_says_so(tmp_path):
    """Above `MAX_ENTITIES` entities the pack holds no SVG (a diagram that
    large cannot be read, and the SVG format refuses it); the handout and
    README say why and point to the GraphML, which holds every entity, and
    the handout still quotes every relation."""
    from kg.export.picture import MAX_ENTITIES

    many = MAX_ENTITIES + 10
    lines = [f"Zetamine causes side effect {n}." for n in range(many)]
    text = "Zetamine at scale\n\n" + "\n".join(lines) + "\n"
    hub = Entity(key="test-zetamine", label="zetamine", type=EntityType.DRUG, mapped=False)
    claims = tuple(Claim(hub, "hasAdverseEffect",
                         Entity(key=f"test-effect-{n}", label=f"side effect {n}",
                                type=EntityType.ADVERSE_EFFECT, mapped=False),
                         Modality.ASSERTED, line, text.index(line), text.index(line) + len(line),
                         "test") for n, line in enumerate(lines))
    document = Document("zeta-many", "Zetamine at scale", text, "txt")
    with KnowledgeGraph.open(Settings(store="memory", data_dir=str(tmp_path))) as graph:
        graph.store.replace_graph(graph.minter.article("zeta-many"), article_triples(
            graph.minter, Extraction(document, (), claims), "test-1"))
        sub = ExportRequest(entity="zetamine", depth=1).select(graph)
    assert sub.number_of_nodes() == many + 1 > MAX_ENTITIES
    with pytest.raises(QueryError, match="at most"):
        FORMATS["svg"].write(sub)
    archive = zipfile.ZipFile(io.BytesIO(FORMATS["pack"].write(sub)))
    folder = "zetamine-depth-1/"
    assert sorted(archive.namelist()) == sorted(folder + n for n in [
        "README.txt", "zetamine-depth-1-handout.html", "zetamine-depth-1.graphml",
        "zetamine-depth-1.ttl", "zetamine-depth-1-edges.csv", "zetamine-depth-1-nodes.csv"])
    assert nx.read_graphml(io.BytesIO(archive.read(folder + "zetamine-depth-1.graphml"))
                           ).number_of_nodes() == many + 1
    readme = " ".join(archive.read(folder + "README.txt").decode("utf-8").split())
    assert ".svg" not in readme
    assert f"the selection has {many + 1} entities" in readme
    html = archive.read(folder + "zetamine-depth-1-handout.html").decode("utf-8")
    parser = _Text()
    parser.feed(html)
    assert "svg" not in {tag for tag, _ in parser.tags}
    assert ("p", {"class": "no-diagram", "id": "no-diagram"}) in parser.tags
    text = " ".join(" ".join(parser.parts).split())
    assert (f"No diagram: this selection has {many + 1} entities, and a diagram of more "
            f"than {MAX_ENTITIES} cannot be read") in text
    assert ".svg" not in text and "zetamine-depth-1.graphml" in text
    for line in lines:
        assert f"“{line}”" in text


# ---------------------------------------------------------------- depth and filters

def test_depth_one_is_a_subset_of_depth_two(kg_graph, depth1):
    """Depth 2 adds the second step (etazine, calm signalling) and keeps all
    of depth 1, as read back from the GraphML files."""
    two = ExportRequest(entity="zetamine", depth=2).select(kg_graph)
    read = [nx.read_graphml(io.BytesIO(FORMATS["graphml"].write(sub)), force_multigraph=True)
            for sub in (depth1, two)]
    edges = [{(s, d["predicate"], o) for s, o, d in g.edges(data=True)} for g in read]
    assert set(read[0]) < set(read[1]) and edges[0] < edges[1]
    assert set(read[1]) - set(read[0]) == {iri("etazine"), iri("calm-signalling")}


def _claims_by_edge(sub) -> dict[tuple[str, str, str], set[str]]:
    return {(s, k, o): {c.claim for c in d["claims"]}
            for s, o, k, d in sub.edges(keys=True, data=True)}


def test_a_cut_step_takes_whole_entities_so_every_relation_keeps_all_its_claims(
        kg_graph, monkeypatch):
    """Over the per-step claim limit, a step takes the most connected
    entities whole and leaves the others out: every relation exported then
    has exactly the claims it has uncut (counts stay true), the cut is
    signalled with how many entities were left out, and a limit the step
    fits in cuts nothing.  Only a centre over the limit by itself is cut
    claim by claim."""
    import kg.subgraph

    whole = ExportRequest(entity="zetamine", depth=2).select(kg_graph)
    uncut = _claims_by_edge(whole)
    centre = sum(len(c) for (s, _, o), c in uncut.items() if iri("zetamine") in (s, o))
    total = sum(map(len, uncut.values()))
    cuts = 0
    for limit in range(centre, total + 2):
        monkeypatch.setattr(kg.subgraph, "MAX_STEP_CLAIMS", limit)
        sub = ExportRequest(entity="zetamine", depth=2).select(kg_graph)
        got = _claims_by_edge(sub)
        assert set(got) <= set(uncut)
        assert all(got[edge] == uncut[edge] for edge in got), limit
        assert sub.graph["truncated"] == (sub.graph["left_out"] > 0)
        assert not sub.graph["partial"]
        if not sub.graph["truncated"]:
            assert got == uncut, limit
        elif set(got) < set(uncut):
            cuts += 1
    assert cuts >= 1  # some limit really cut the second step
    monkeypatch.setattr(kg.subgraph, "MAX_STEP_CLAIMS", centre - 1)
    sub = ExportRequest(entity="zetamine", depth=1).select(kg_graph)
    assert sub.graph["truncated"] and sub.graph["partial"]
    assert sum(map(len, _claims_by_edge(sub).values())) == centre - 1


def _csv_edges(kg_graph, **filters) -> set[tuple[str, str, str]]:
    sub = ExportRequest(entity="zetamine", **filters).select(kg_graph)
    return {(r["subject_iri"], r["predicate"], r["object_iri"])
            for r in _rows(FORMATS["csv"].write(sub))}


def test_filters_remove_exactly_what_they_say(kg_graph, depth1):
    """Predicate, modality, type and support filters each keep exactly the
    relations that pass them (compared with the unfiltered export)."""
    everything = edges_of(depth1)
    assert _csv_edges(kg_graph, predicates=("treats", "antagonistOf")) == \
        {e for e in everything if e[1] in ("treats", "antagonistOf")}
    with_modality = {(s, p, o) for s, o, p, d in depth1.edges(keys=True, data=True)
                     if any(c.modality == "asserted" for c in d["claims"])}
    assert _csv_edges(kg_graph, modalities=("asserted",)) == with_modality
    assert (iri("zetamine"), "hasAdverseEffect", iri("queasiness")) not in with_modality
    assert _csv_edges(kg_graph, types=("AdverseEffect",)) == \
        {e for e in everything if depth1.nodes[e[2]]["type"] == "AdverseEffect"}
    assert _csv_edges(kg_graph, min_articles=2) == {
        (iri("zetamine"), "treats", iri("gloom-disorder")),
        (iri("zetamine"), "decreases", iri("blood-flow"))}
    asserted = ExportRequest(entity="zetamine", modalities=("asserted",)).select(kg_graph)
    flow = Graph().parse(data=FORMATS["ttl"].write(asserted), format="turtle")
    assert {str(o) for o in flow.objects(None, HKG.modality)} == {str(HKG.asserted)}


def test_other_scopes_article_paths_construct(kg_graph):
    """One article's relations; the paths between two entities; the claims
    behind a CONSTRUCT's edges."""
    two = ExportRequest(article="zeta-two").select(kg_graph)
    assert set(two.graph["articles"]) == {"zeta-two"} and two.number_of_edges() == 3
    assert two.graph["title"] == "Relations stated in “Zetamine in trials”"
    path = ExportRequest(source="etazine", target="gloom disorder").select(kg_graph)
    assert {iri("etazine"), iri("qx-receptor"), iri("zetamine"), iri("gloom-disorder")} <= \
        set(path)
    assert path.graph["base_name"] == "paths-etazine-to-gloom-disorder"
    assert ET.fromstring(FORMATS["svg"].write(path)) is not None
    query = "CONSTRUCT { ?s hkg:treats ?o } WHERE { ?s hkg:treats ?o }"
    built = ExportRequest(construct=query).select(kg_graph)
    assert edges_of(built) == {(iri("zetamine"), "treats", iri("gloom-disorder"))}
    assert len(built.edges[iri("zetamine"), iri("gloom-disorder"), "treats"]["claims"]) == 2


@pytest.mark.parametrize("params,message", [
    ({}, "say what to export"),
    ({"entity": ["zetamine"], "article": ["zeta-one"]}, "not entity and article"),
    ({"entity": ["zetamine"], "depth": ["4"]}, "depth must be"),
    ({"entity": ["zetamine"], "depth": ["two"]}, "depth must be a whole number"),
    ({"entity": ["zetamine"], "predicate": ["cures"]}, "unknown predicate 'cures'"),
    ({"entity": ["zetamine"], "predicate": ["treats } ; DROP ALL"]}, "unknown predicate"),
    ({"entity": ["zetamine"], "modality": ["likely"]}, "unknown modality"),
    ({"entity": ["zetamine"], "type": ["Gene"]}, "unknown type"),
    ({"entity": ["zetamine"], "min_articles": ["0"]}, "min_articles"),
    ({"entity": ["a", "b"]}, "given 2 times"),
    ({"entity": ["zetamine"], "colour": ["red"]}, "unknown parameter 'colour'"),
    ({"article": ["../etc/passwd"]}, "not an article id"),
    ({"entity": ["http://x/> } UNION { ?e ?p ?o"]}, "not a valid IRI"),
    ({"entity": ["zeta\u0000mine"]}, "not an entity name"),
    ({"from": ["zetamine"]}, "both from and to"),
    ({"construct": ["SELECT * WHERE { ?s ?p ?o }"]}, "must be a SPARQL CONSTRUCT"),
    ({"construct": ["CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://evil/> { ?s ?p ?o } }"]},
     "SERVICE is refused"),
    ({"construct": ["CONSTRUCT { ?s ?p ?o } FROM <http://evil/x> WHERE { ?s ?p ?o }"]},
     "FROM graph <http://evil/x> is refused"),
    ({"construct": ["CONSTRUCT { ?s ?p ?o } FROM <http://localhost:8000/article/zeta-one> "
                    "WHERE { ?s ?p ?o }"]}, "FROM and FROM NAMED"),
    ({"construct": ["CONSTRUCT { ?s ?p ?o WHERE"]}, "does not parse"),
])
def test_bad_requests_are_refused_with_a_clear_message(kg_graph, params, message):
    """Every parameter is checked before the store is asked anything."""
    with pytest.raises(QueryError, match=message):
        ExportRequest.from_params(params).select(kg_graph)


def test_unknown_entity_is_not_found(kg_graph):
    from kg import NotFound

    with pytest.raises(NotFound):
        export(kg_graph, ExportRequest(entity="no such thing"), "ttl")


@pytest.mark.parametrize("settings", ["memory", "embedded", "sparql"], indirect=True)
def test_every_backend_exports_the_same_rdf(settings, kg_graph, depth1):
    """The same articles on the embedded store and a SPARQL server give an
    isomorphic depth-2 export, and a CONSTRUCT runs under each backend's
    time limit."""
    with KnowledgeGraph.open(settings) as graph:
        write_articles(graph)
        here = ExportRequest(entity="zetamine", depth=2).select(graph)
        there = ExportRequest(entity="zetamine", depth=2).select(kg_graph)
        assert edges_of(here) == edges_of(there)
        assert isomorphic(Graph().parse(data=FORMATS["ttl"].write(here), format="turtle"),
                          Graph().parse(data=FORMATS["ttl"].write(there), format="turtle"))
        query = "CONSTRUCT { ?s hkg:antagonistOf ?o } WHERE { ?s hkg:antagonistOf ?o }"
        built = ExportRequest(construct=query).select(graph)  # time-limited, per backend
        assert edges_of(built) == {(iri("zetamine"), "antagonistOf", iri("qx-receptor")),
                                   (iri("etazine"), "antagonistOf", iri("qx-receptor"))}


# ---------------------------------------------------------------- the command, on the seed

@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The seed ingested by `kg ingest` into an embedded store."""
    from kg.cli import main

    seed = seed_article()
    data = tmp_path_factory.mktemp("seed-data")
    result = CliRunner().invoke(main, ["--data-dir", str(data), "ingest", "-q", str(seed)])
    assert result.exit_code == 0, result.output
    return data


@JSONLD_PARSER_WARNING
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_kg_export_on_the_seed_writes_every_format(seeded, tmp_path, monkeypatch, fmt):
    """Acceptance: `kg export --entity ketamine --depth 1 --format F` writes
    a file named after the selection, which a reader for F opens."""
    from kg.cli import main

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["--data-dir", str(seeded), "export", "--entity",
                                       "ketamine", "--depth", "1", "--format", fmt])
    assert result.exit_code == 0, result.output
    path = tmp_path / f"ketamine-depth-1{'-pack' if fmt == 'pack' else ''}.{FORMATS[fmt].extension}"
    assert f"wrote {path.name}" in result.output
    data = path.read_bytes()
    readers = {"ttl": "turtle", "jsonld": "json-ld", "nt": "nt", "rdfxml": "xml"}
    if fmt in readers:
        assert (None, HKG.evidence, None) in Graph().parse(data=data, format=readers[fmt])
    elif fmt == "graphml":
        assert nx.read_graphml(io.BytesIO(data)).number_of_edges() > 5
    elif fmt == "gexf":
        assert nx.read_gexf(io.BytesIO(data)).number_of_edges() > 5
    elif fmt == "cytoscape":
        assert json.loads(data)["elements"]["edges"]
    elif fmt == "csv":
        assert len(_rows(data)) > 5
    elif fmt == "svg":
        texts = _svg_texts(ET.fromstring(data))
        assert "NMDA receptor" in texts and "ketamine" in texts
    else:
        archive = zipfile.ZipFile(io.BytesIO(data))
        html = archive.read("ketamine-depth-1/ketamine-depth-1-handout.html").decode("utf-8")
        text = seed_article().read_text(encoding="utf-8")
        quoted = [q for q in text.splitlines() if q.strip() and f"“{q.strip()}”" in html]
        assert quoted, "the handout quotes no sentence of the seed"


def test_kg_export_outputs_stdout_folder_zip_and_one_line_errors(seeded, tmp_path, monkeypatch):
    """`-o -` writes to stdout; csv into a folder or .zip writes both tables;
    a bad parameter is one line and exit status 1."""
    from kg.cli import main

    runner = CliRunner()
    base = ["--data-dir", str(seeded), "export", "--entity", "ketamine"]
    out = runner.invoke(main, base + ["--format", "nt", "-o", "-"])
    assert out.exit_code == 0 and "health-kg/ontology#evidence>" in out.stdout
    folder = tmp_path / "tables"
    folder.mkdir()
    assert runner.invoke(main, base + ["--format", "csv", "-o", str(folder)]).exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["ketamine-depth-1-edges.csv",
                                                        "ketamine-depth-1-nodes.csv"]
    assert runner.invoke(main, base + ["--format", "csv", "-o",
                                       str(tmp_path / "t.zip")]).exit_code == 0
    assert len(zipfile.ZipFile(tmp_path / "t.zip").namelist()) == 2
    bad = runner.invoke(main, base + ["--format", "svg", "--predicate", "cures", "-o",
                                      str(tmp_path / "x.svg")])
    assert bad.exit_code == 1 and "unknown predicate 'cures'" in bad.output
    assert not (tmp_path / "x.svg").exists()
    missing = runner.invoke(main, base[:3] + ["--entity", "nothing-like-it", "--format", "ttl",
                                              "-o", str(tmp_path / "y.ttl")])
    assert missing.exit_code == 1 and "no entity named" in missing.output
    whole = runner.invoke(main, base + ["--depth", "2", "--format", "ttl", "-o",
                                        str(tmp_path / "whole.ttl")])
    assert whole.exit_code == 0 and "cut" not in whole.output
    import kg.subgraph

    with KnowledgeGraph.open(Settings(data_dir=str(seeded)), write=False) as graph:
        own = sum(len(d["claims"]) for _, _, d in
                  ExportRequest(entity="ketamine").select(graph).edges(data=True))
    monkeypatch.setattr(kg.subgraph, "MAX_STEP_CLAIMS", own + 1)  # room for ketamine, not for all
    cut = runner.invoke(main, base + ["--depth", "2", "--format", "ttl", "-o",
                                      str(tmp_path / "cut.ttl")])
    assert cut.exit_code == 0
    assert re.search(r"so it was cut: the claims of \d+ entit(y|ies) were left out", cut.output)
