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

The handout prints relations of one subject and predicate as one item, a
sentence per modality naming each object with the articles that state it
("Esketamine can cause anxiety [1], dizziness [1, 3]."), so a depth-2
selection prints to a few A4 pages.  It is rendered by Jinja2 with
autoescaping: article titles and quotes are text, never markup.  Its
stylesheet is a <style> element inside the file, because it is a download
opened from disk, not a page we serve.  Links to articles are kept only
for http(s) addresses.
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

    from ..read import Evidence

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


def _quoted(claims: list["Evidence"]) -> list["Evidence"]:
    """The claims a relation quotes in the handout: one of each modality
    first (a denial is never hidden behind statements), then in order, up
    to `QUOTES_PER_RELATION`."""
    firsts = list({c.modality: c for c in reversed(claims)}.values())[::-1]
    chosen = (firsts + [c for c in claims if c not in firsts])[:QUOTES_PER_RELATION]
    return [c for c in claims if c in chosen]


#: Stands for the objects while a relation's sentence is split around them.
_OBJECTS = "\x00"


def _item_quotes(claims: list[tuple[str, list["Evidence"]]], numbers: dict[str, int], meta: dict,
                 first: dict[tuple[str, int], str], lead: str) -> tuple[list[dict], int]:
    """The quotes under one item, and how many sentences it leaves unquoted.

    `claims` pairs each object with its relation's claims; `_quoted` picks
    each relation's quotes.  A passage is quoted once per item: the claims
    of one bullet list share its start and each holds the list up to its
    item, so the longest is quoted, from its start when it names several
    objects.  A passage already quoted under an earlier item (its `lead`
    is kept in `first`) is pointed to instead of quoted again.
    """
    longest: dict[tuple[str, int], str] = {}
    named: dict[tuple[str, int], list[str]] = {}
    for obj, relation_claims in claims:
        for c in relation_claims:
            key = (c.article, c.start)
            if len(c.evidence) > len(longest.get(key, "")):
                longest[key] = c.evidence
            named.setdefault(key, []).append(obj)
    chosen: dict[tuple[str, int], "Evidence"] = {}
    for obj, relation_claims in claims:
        for c in _quoted(relation_claims):
            chosen.setdefault((c.article, c.start), c)
    quotes = []
    for key, c in sorted(chosen.items(), key=lambda pair: (numbers[pair[0][0]], pair[0][1])):
        objects = named[key]
        quotes.append({"evidence": excerpt(longest[key], objects[0] if len(objects) == 1 else ""),
                       "number": numbers[c.article],
                       "title": meta.get(c.article, {}).get("title", c.title),
                       "modality_words": _modality_word(c.modality),
                       "same_as": first.get(key, "")})
        first.setdefault(key, lead)
    return quotes, len(longest) - len(chosen)


def _items(sub: "nx.MultiDiGraph", numbers: dict[str, int]) -> list[dict]:
    """The handout's relation list: one heading per predicate (in
    `domain.READING_ORDER`), one item per subject under it (the selection's
    centre first), and in each item one line per modality naming every
    object with the sources that state it.

    An item, not a relation, is what prints: a subject with twenty side
    effects is one sentence ("Esketamine can cause anxiety [1],
    dizziness [1], ...") and the sentence that lists them all is quoted once
    (issue 18: 141 relations at depth 2 printed to 7 pages).  Every relation
    is still there, as one object with its article numbers, on the line
    whose words and tag give its modality; a relation the articles both
    state and deny is named in the item's "disagree" note.
    """
    meta = sub.graph.get("articles", {})
    centre = sub.nodes[sub.graph["centre"]].get("label") if sub.graph.get("centre") in sub \
        else None
    items: dict[tuple[str, str], dict] = {}
    for s, o, data in sub.edges(data=True):
        subject, obj = sub.nodes[s].get("label", s), sub.nodes[o].get("label", o)
        predicate = data["predicate"]
        item = items.setdefault((predicate, subject), {
            "predicate": predicate, "subject": subject, "lines": {}, "claims": [],
            "disagree": []})
        modality = "negated" if data.get("negated") else data.get("modality", "asserted")
        line = item["lines"].setdefault(modality, {"modality": modality, "objects": []})
        line["objects"].append({"label": obj, "numbers": sorted(
            {numbers[c.article] for c in data["claims"]})})
        item["claims"].append((obj, data["claims"]))
        if {c.modality == "negated" for c in data["claims"]} == {True, False}:
            item["disagree"].append(obj)
    order = {p: i for i, p in enumerate(domain.READING_ORDER)}
    ranked = sorted(items.values(), key=lambda i: (
        order.get(i["predicate"], len(order)), i["predicate"], i["subject"] != centre,
        i["subject"].lower()))
    modalities = list(domain.MODALITIES)
    # A sentence (often a whole bullet list) quoted under one item is not
    # quoted again under a later one: that item points back to it.
    first: dict[tuple[str, int], str] = {}
    groups: list[dict] = []
    for item in ranked:
        lines = sorted(item["lines"].values(), key=lambda line: modalities.index(
            line["modality"]) if line["modality"] in modalities else len(modalities))
        for line in lines:
            line["objects"].sort(key=lambda o: o["label"].lower())
            sentence = describe(item["subject"], item["predicate"], _OBJECTS, line["modality"])
            before, _, after = sentence.partition(_OBJECTS)
            line.update(before=before[:1].upper() + before[1:], after=after,
                        modality_words=_modality_word(line["modality"]))
        lead = (lines[0]["before"] + "…" + lines[0]["after"]).strip()
        quotes, more = _item_quotes(item["claims"], numbers, meta, first, lead)
        if not groups or groups[-1]["predicate"] != item["predicate"]:
            groups.append({"predicate": item["predicate"], "heading": _heading(item["predicate"]),
                           "subjects": []})
        groups[-1]["subjects"].append({
            "subject": item["subject"], "lines": lines, "quotes": quotes, "more": more,
            "disagree": sorted(item["disagree"], key=str.lower)})
    return groups


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
    # Over MAX_ENTITIES the diagram is unreadable (and write_svg refuses):
    # the handout says why it has none.
    svg = write_svg(sub).decode("utf-8").split("?>", 1)[-1].strip() if drawable(sub) else ""
    title = sub.graph.get("title") or "Relations between entities"
    return _environment().get_template("handout.html").render(
        title=title, description=sub.graph.get("description", ""),
        generated=sub.graph.get("generated") or datetime.date.today().isoformat(),
        articles=articles, relations=sub.number_of_edges(), entities=sub.number_of_nodes(),
        groups=_items(sub, numbers),
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
