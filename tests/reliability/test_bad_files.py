"""Hostile article files: each ingests cleanly or is refused with one line
naming the file, in bounded time, and nothing half-written stays."""
from __future__ import annotations

import json
import time
import xml.dom.minidom

import pytest
from rdflib import Graph

from kg import KnowledgeGraph, Settings


MB = 1024 * 1024


def _nested_html(depth: int) -> bytes:
    return ("<html><body>" + "<div>" * depth + "Ketamine can cause nausea." + "</div>" * depth
            + "</body></html>").encode()


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<html><body><p>Ketamine can cause nausea. &lol3;</p></body></html>"""

#: name -> (content, "ok" if it must ingest, else a word the refusal names)
CASES = {
    "zero.txt": (b"", "empty"),
    "spaces.txt": (b" \n\t \n", "empty"),
    "pdf.txt": (b"%PDF-1.7\n" + bytes(range(256)) * 40, "binary"),
    "utf16.txt": ("\ufeffKetamine can cause nausea.\n".encode("utf-16"), "UTF-8"),
    "latin1.txt": ("Ketamine can cause na\xefve nausea.".encode("latin-1"), "UTF-8"),
    "controls.txt": (b"Ketamine can cause\x07 nausea.\x1b[31m red\x0b\x7f\n", "ok"),
    "nul.txt": (b"Ketamine can cause\x00 nausea.\n", "binary"),
    "surrogate.json": (b'{"id": "s", "text": "Ketamine can cause nausea \\ud800 here."}', "ok"),
    "huge.txt": (None, "limit"),  # 50 MB, written sparse
    "longline.txt": (b"Ketamine can cause nausea. " * (4 * MB // 27), "limit"),
    "manylines.txt": (b"nausea\n" * 600_000, "limit"),
    "nested.html": (_nested_html(10_000), "ok"),
    "bomb.html": (BOMB, "ok"),
    "unclosed.html": (b"<html><body><p>Ketamine can cause <b>nausea<p>and <i>dizziness", "ok"),
    "raw.md": (b"# Title <script>alert(1)</script>\n\nKetamine can cause nausea. "
               b"[click](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n"
               b"<script>alert(2)</script>\n", "ok"),
}


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    data = tmp_path_factory.mktemp("data")
    with KnowledgeGraph.open(Settings(data_dir=str(data))) as opened:
        yield opened


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_file(graph, tmp_path, name):
    content, expect = CASES[name]
    path = tmp_path / name
    if content is None:
        with open(path, "wb") as handle:
            handle.truncate(50 * MB)
    else:
        path.write_bytes(content)
    before = graph.store.dump_nquads() if expect != "ok" else None
    began = time.perf_counter()
    result = graph.ingest_file(path)
    assert time.perf_counter() - began < 10
    if expect == "ok":
        assert result.ok, result.error
        stored = graph.store.select(
            "SELECT ?t WHERE { GRAPH ?g { ?a <https://w3id.org/health-kg/ontology#text> ?t } "
            f"FILTER(?g = <{graph.minter.article(result.article)}>) }}")
        text = str(stored[0]["t"])
        assert "\x00" not in text and "\ud800" not in text and "<script>" not in text
    else:
        assert not result.ok
        assert result.error.startswith(str(path)) and expect in result.error
        assert "\n" not in result.error
        assert graph.store.dump_nquads() == before


def test_every_stored_literal_reserialises_as_xml_and_json(graph, tmp_path):
    """After the hostile files, the whole dataset still writes as RDF/XML and
    JSON-LD that parse back to the same graph."""
    for name in ("controls.txt", "surrogate.json", "raw.md", "unclosed.html"):
        (tmp_path / name).write_bytes(CASES[name][0])
        assert graph.ingest_file(tmp_path / name).ok
    data = Graph()
    for s, p, o, _ in graph.store.quads():
        data.add((s, p, o))
    rdfxml = data.serialize(format="xml")
    xml.dom.minidom.parseString(rdfxml.encode("utf-8"))
    assert len(Graph().parse(data=rdfxml, format="xml")) == len(data)
    jsonld = data.serialize(format="json-ld")
    json.loads(jsonld)
    assert len(Graph().parse(data=jsonld, format="json-ld")) == len(data)
