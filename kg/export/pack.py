"""The teaching pack: a zip of the diagram, the data files and a printable
HTML handout that states each relation in plain language with its quotes.

Contents, in one folder named after the selection::

    README.txt             what each file is and how to open it
    <name>-handout.html    printable handout (diagram, relations, quotes, sources)
    <name>.svg             the diagram (left out above `picture.MAX_ENTITIES`
                           entities, where it cannot be read: the handout and
                           README say so)
    <name>.graphml         for yEd, Cytoscape, Gephi
    <name>.ttl             RDF with claims and provenance
    <name>-edges.csv       relations table
    <name>-nodes.csv       entities table

The handout is rendered by Jinja2 with autoescaping: article titles and
quotes are text, never markup.  Its stylesheet is a <style> element inside
the file, because it is a download opened from disk, not a page we serve.
Links to articles are kept only for http(s) addresses.
"""
from __future__ import annotations

import datetime
import io
import zipfile
from typing import TYPE_CHECKING

from ingest import domain
from ingest.domain import describe

from .networks import write_graphml
from .picture import MAX_ENTITIES, predicate_label, write_svg
from .rdf import write_turtle
from .tables import write_edges_csv, write_nodes_csv

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["drawable", "handout_html", "write_handout", "write_pack"]


#: Sentences quoted under each relation in the handout; the rest are
#: counted ("and 3 more sentences state it") and quoted in the pack's edges
#: table and Turtle file, so a large selection still prints to a few pages
#: (issue 18, item 5: a depth-2 handout printed to about 19).
QUOTES_PER_RELATION = 2


def _modality_word(modality: str) -> str:
    words = domain.MODALITIES.get(modality)
    return words.label if words else modality


def _heading(predicate: str) -> str:
    words = domain.PREDICATES.get(predicate)
    return words.heading if words else predicate_label(predicate).capitalize()


def _environment():
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(loader=PackageLoader("kg.export", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True))


def _safe_url(value: str) -> str:
    """The value if it is an http(s) address, else ''.

    >>> _safe_url("https://example.org/a"), _safe_url("javascript:alert(1)")
    ('https://example.org/a', '')
    """
    return value if value.lower().startswith(("http://", "https://")) else ""


def drawable(sub: "nx.MultiDiGraph") -> bool:
    """Whether the selection is small enough for a readable diagram
    (`picture.MAX_ENTITIES`); a larger pack has no SVG, and says so."""
    return sub.number_of_nodes() <= MAX_ENTITIES


#: Longest quote the handout prints; longer evidence (a whole bullet list)
#: is cut to the part around the entity it names, marked with "…" (the
#: pack's data files keep every sentence whole).
QUOTE_CHARS = 160


def excerpt(evidence: str, name: str, limit: int = QUOTE_CHARS) -> str:
    """`evidence`, or the part of it around `name` when it is longer than `limit`.

    >>> excerpt("a " * 100 + "nausea" + " b" * 100, "Nausea", 20)
    '…a a a nausea b b b…'
    """
    if len(evidence) <= limit:
        return evidence
    at = evidence.lower().find(name.lower())
    start = 0 if at < 0 else max(0, at + len(name) // 2 - limit // 2)
    start = min(start, len(evidence) - limit)
    part = evidence[start:start + limit].strip()
    return ("…" if start > 0 else "") + part + ("…" if start + limit < len(evidence) else "")


def _quoted(claims: list) -> list:
    """The claims a relation quotes in the handout: one of each modality
    first (a denial is never hidden behind statements), then in order, up
    to `QUOTES_PER_RELATION`."""
    firsts = list({c.modality: c for c in reversed(claims)}.values())[::-1]
    chosen = (firsts + [c for c in claims if c not in firsts])[:QUOTES_PER_RELATION]
    return [c for c in claims if c in chosen]


def handout_html(sub: "nx.MultiDiGraph", files: list[str] | None = None) -> str:
    """The handout as an HTML document (a string)."""
    from markupsafe import Markup

    meta = sub.graph.get("articles", {})
    used = sorted({c.article for _, _, d in sub.edges(data=True) for c in d["claims"]})
    numbers = {a: i + 1 for i, a in enumerate(used)}
    articles = [{"number": numbers[a], "id": a,
                 "title": meta.get(a, {}).get("title", a),
                 "date": meta.get(a, {}).get("date", ""),
                 "source": meta.get(a, {}).get("source", ""),
                 "url": _safe_url(meta.get(a, {}).get("source", ""))} for a in used]
    relations = []
    for s, o, data in sub.edges(data=True):
        subject, obj = sub.nodes[s].get("label", s), sub.nodes[o].get("label", o)
        modality = "negated" if data.get("negated") else data.get("modality", "asserted")
        sentence = describe(subject, data["predicate"], obj, modality)
        kinds = {c.modality == "negated" for c in data["claims"]}
        relations.append({
            "predicate": data["predicate"], "subject": subject, "object": obj,
            "sentence": sentence[:1].upper() + sentence[1:], "modality": modality,
            "modality_words": _modality_word(modality),
            "articles": int(data.get("articles", 1)), "contradicted": kinds == {True, False},
            "quotes": [{"evidence": excerpt(c.evidence, obj), "number": numbers[c.article],
                        "title": meta.get(c.article, {}).get("title", c.title),
                        "modality_words": _modality_word(c.modality)}
                       for c in _quoted(data["claims"])],
            "more": max(len(data["claims"]) - QUOTES_PER_RELATION, 0)})
    relations.sort(key=lambda r: (r["predicate"], r["subject"].lower(), r["object"].lower()))
    # A sentence (often a whole bullet list) that states many relations is
    # quoted in full once; later relations point back to it.
    first: dict[tuple[str, int], str] = {}
    for relation in relations:
        for quote in relation["quotes"]:
            key = (quote["evidence"], quote["number"])
            quote["same_as"] = first.get(key, "")
            first.setdefault(key, relation["sentence"])
    groups: dict[str, list] = {}
    for relation in relations:
        groups.setdefault(relation["predicate"], []).append(relation)
    # Over MAX_ENTITIES the diagram is unreadable (and write_svg refuses):
    # the handout says why it has none.
    svg = write_svg(sub).decode("utf-8").split("?>", 1)[-1].strip() if drawable(sub) else ""
    title = sub.graph.get("title") or "Relations between entities"
    return _environment().get_template("handout.html").render(
        title=title, description=sub.graph.get("description", ""),
        generated=sub.graph.get("generated") or datetime.date.today().isoformat(),
        articles=articles, relations=relations, entities=sub.number_of_nodes(),
        groups=[{"heading": _heading(p),
                 "relations": rs} for p, rs in sorted(groups.items())],
        # Our own SVG writer escaped every text node, so the markup is trusted.
        svg=Markup(svg), max_entities=MAX_ENTITIES, files=files or [],
        truncated=bool(sub.graph.get("truncated")), partial=bool(sub.graph.get("partial")))


def write_handout(sub: "nx.MultiDiGraph") -> bytes:
    return handout_html(sub).encode("utf-8")


_README = """{title}

Made with health-kg on {generated}. NOT MEDICAL ADVICE: these relations were
extracted automatically from health articles; they show what the articles
say, and the extraction can be wrong.

Files
  {name}-handout.html  printable handout: the diagram, every relation in plain
                       words with the sentences that state it, and the sources.
                       Open it in a web browser and print it (A4).
{diagram}  {name}.graphml       the network with labels, types, predicates, modality,
                       article counts and evidence as attributes: yEd,
                       Cytoscape (File > Import > Network from File), Gephi.
  {name}.ttl           RDF Turtle: the relations, one node per claim with its
                       sentence, modality, character offsets and article
                       (prov:wasDerivedFrom). Load it into any RDF tool.
  {name}-edges.csv     one row per relation, for spreadsheets.
  {name}-nodes.csv     one row per entity.
"""
_SVG_LINE = """  {name}.svg           the diagram, for slides and printing (any browser,
                       Inkscape, PowerPoint, Keynote, LibreOffice).
"""
_NO_SVG_LINE = """  (no diagram)         the selection has {entities} entities; a diagram of
                       more than {limit} cannot be read, so there is none: open
                       the GraphML file, or export a smaller selection.
"""


def write_pack(sub: "nx.MultiDiGraph") -> bytes:
    """The teaching pack as zip bytes."""
    name = sub.graph.get("base_name") or "export"
    files = {f"{name}.svg": write_svg(sub)} if drawable(sub) else {}
    files.update({f"{name}.graphml": write_graphml(sub), f"{name}.ttl": write_turtle(sub),
                  f"{name}-edges.csv": write_edges_csv(sub),
                  f"{name}-nodes.csv": write_nodes_csv(sub)})
    handout = handout_html(sub, files=sorted(files)).encode("utf-8")
    diagram = (_SVG_LINE if drawable(sub) else _NO_SVG_LINE).format(
        name=name, entities=sub.number_of_nodes(), limit=MAX_ENTITIES)
    readme = _README.format(title=sub.graph.get("title") or "health-kg export", name=name,
                            generated=sub.graph.get("generated")
                            or datetime.date.today().isoformat(), diagram=diagram)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}/README.txt", readme.replace("\n", "\r\n"))
        archive.writestr(f"{name}/{name}-handout.html", handout)
        for filename, data in files.items():
            archive.writestr(f"{name}/{filename}", data)
    return buffer.getvalue()
