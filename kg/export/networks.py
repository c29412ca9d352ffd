"""Network exports for Gephi, Cytoscape and yEd: GraphML, GEXF, Cytoscape.js JSON.

GraphML and GEXF hold only scalar attributes (strings, numbers, booleans),
which every one of those tools reads into its node and edge tables:

- node: ``label``, ``name`` (= label, Cytoscape's display column), ``type``,
  ``mapped``, ``ids``, ``synonyms``, ``iri``;
- edge: ``label`` and ``predicate``, ``modality`` (the most common),
  ``modalities`` (``asserted 2; hedged 1``), ``negated``, ``articles``
  (how many articles state it), ``support`` (how many do not deny it),
  ``claims``, ``evidence`` (every quote, one per line, each ending with its
  article id), ``article_ids`` and ``article_titles``.

GEXF also carries the picture's colours and positions (``viz``), so Gephi
opens the file laid out and coloured by type.  Cytoscape.js JSON keeps the
evidence as a list of objects, with positions for a preset layout.
"""
from __future__ import annotations

import io
import json
import networkx as nx

from ..read import Evidence

from .layout import layout
from .picture import COLOURS, LINE_STYLES, clean, predicate_label

__all__ = ["flat_graph", "to_cytoscape", "write_cytoscape", "write_gexf", "write_graphml"]


def _edge_id(index: int) -> str:
    return f"e{index}"


def _evidence_lines(claims: list[Evidence]) -> str:
    return "\n".join(f"{c.evidence} [{c.article}, {c.modality}]" for c in claims)


def flat_graph(sub: nx.MultiDiGraph, positions: bool = False) -> nx.MultiDiGraph:
    """A copy of the selection with only scalar, XML-safe attributes.

    Edge keys become unique ids (``e0``, ``e1``...), which GraphML and GEXF
    require; the predicate stays an attribute.
    """
    flat = nx.MultiDiGraph()
    flat.graph["name"] = clean(sub.graph.get("title") or "health-kg export")
    boxes = layout(sub).boxes if positions else {}
    for node, data in sorted(sub.nodes(data=True)):
        label = clean(data.get("label", node))
        attrs = {"label": label, "name": label, "type": clean(data.get("type", "Entity")),
                 "mapped": bool(data.get("mapped", True)),
                 "ids": clean("; ".join(data.get("ids", ()))),
                 "synonyms": clean("; ".join(data.get("synonyms", ()))), "iri": clean(node)}
        if positions and node in boxes:
            stroke = COLOURS.get(data.get("type"), COLOURS["Entity"])[0]
            attrs["viz"] = {"color": {"r": int(stroke[1:3], 16), "g": int(stroke[3:5], 16),
                                      "b": int(stroke[5:7], 16), "a": 1.0},
                            "position": {"x": round(boxes[node].x, 1),
                                         "y": round(-boxes[node].y, 1), "z": 0.0},
                            "size": 10.0}
        flat.add_node(clean(node), **attrs)
    edges = sorted(sub.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1]))
    for index, (s, o, _, data) in enumerate(edges):
        claims = data.get("claims", [])
        flat.add_edge(clean(s), clean(o), key=_edge_id(index),
                      label=clean(predicate_label(data["predicate"])),
                      predicate=clean(data["predicate"]),
                      modality=clean(data.get("modality", "")),
                      modalities=clean("; ".join(f"{m} {n}" for m, n in
                                                 data.get("modalities", {}).items())),
                      negated=bool(data.get("negated", False)),
                      articles=int(data.get("articles", 0)),
                      support=int(data.get("support", 0)),
                      weight=float(max(int(data.get("support", 0)), 1)),
                      claims=len(claims), evidence=clean(_evidence_lines(claims)),
                      article_ids=clean("; ".join(sorted({c.article for c in claims}))),
                      article_titles=clean("; ".join(sorted({c.title
                                                             for c in claims} - {""}))))
    return flat


def _xsd_booleans(document: bytes, namespace: str, key_tag: str, type_attr: str,
                  value_path: str, key_attr: str) -> bytes:
    """networkx writes Python's ``True``/``False``; XML Schema (and so strict
    GraphML and GEXF readers) wants ``true``/``false``."""
    from lxml import etree

    root = etree.fromstring(document)
    ns = {"g": namespace}
    booleans = {k.get("id") for k in root.iterfind(f".//g:{key_tag}", ns)
                if k.get(type_attr) == "boolean"}
    for element in root.iterfind(value_path, ns):
        if element.get(key_attr) in booleans:
            if element.text is not None:
                element.text = element.text.lower()
            if element.get("value") is not None:
                element.set("value", element.get("value").lower())
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def write_graphml(sub: nx.MultiDiGraph) -> bytes:
    """GraphML: attributes declared with their types (string, long, double,
    boolean); edge ids ``e0``, ``e1``...; the predicate is an attribute."""
    buffer = io.BytesIO()
    nx.write_graphml(flat_graph(sub), buffer, encoding="utf-8", prettyprint=True)
    return _xsd_booleans(buffer.getvalue(), "http://graphml.graphdrawing.org/xmlns", "key",
                         "attr.type", ".//g:data", "key")


def write_gexf(sub: nx.MultiDiGraph) -> bytes:
    """GEXF 1.2 with viz colours and positions from the diagram's layout."""
    buffer = io.BytesIO()
    nx.write_gexf(flat_graph(sub, positions=True), buffer, encoding="utf-8", prettyprint=True,
                  version="1.2draft")
    return _xsd_booleans(buffer.getvalue(), "http://www.gexf.net/1.2draft", "attribute",
                         "type", ".//g:attvalue", "for")


def to_cytoscape(sub: nx.MultiDiGraph) -> dict:
    """Cytoscape.js elements JSON (also imported by Cytoscape desktop as .cyjs)."""
    boxes = layout(sub).boxes
    nodes, edges = [], []
    for node, data in sorted(sub.nodes(data=True)):
        entry = {"data": {"id": node, "label": data.get("label", node),
                          "name": data.get("label", node), "type": data.get("type", "Entity"),
                          "mapped": bool(data.get("mapped", True)),
                          "ids": list(data.get("ids", ())),
                          "synonyms": list(data.get("synonyms", ())),
                          "colour": COLOURS.get(data.get("type"), COLOURS["Entity"])[0]}}
        if node in boxes:
            entry["position"] = {"x": round(boxes[node].x, 1), "y": round(boxes[node].y, 1)}
        nodes.append(entry)
    ordered = sorted(sub.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1]))
    for index, (s, o, _, data) in enumerate(ordered):
        style = "negated" if data.get("negated") else data.get("modality", "asserted")
        edges.append({"data": {
            "id": _edge_id(index), "source": s, "target": o,
            "label": predicate_label(data["predicate"]), "predicate": data["predicate"],
            "modality": data.get("modality", ""), "modalities": data.get("modalities", {}),
            "negated": bool(data.get("negated", False)),
            "line_style": LINE_STYLES[style][0] or "solid",
            "articles": int(data.get("articles", 0)), "support": int(data.get("support", 0)),
            "evidence": [{"text": c.evidence, "article": c.article,
                          "title": c.title, "modality": c.modality,
                          "start": c.start, "end": c.end, "claim": c.claim,
                          "review": c.review}
                         for c in data.get("claims", [])]}})
    articles = list(sub.graph.get("articles", {}).values())
    return {"format_version": "1.0", "generated_by": "health-kg",
            "data": {"name": sub.graph.get("title") or "health-kg export",
                     "description": sub.graph.get("description", ""), "articles": articles},
            "elements": {"nodes": nodes, "edges": edges}}


def write_cytoscape(sub: nx.MultiDiGraph) -> bytes:
    return (json.dumps(to_cytoscape(sub), indent=1, ensure_ascii=False) + "\n").encode("utf-8")
