"""Tables for spreadsheets: relations (edges) and entities (nodes) as CSV.

``edges.csv`` has one row per relation: subject, predicate, object, the
modality most articles use, how many articles state it, one evidence quote
with its article, then the rest for filtering (types, IRIs, every modality
count, the number of claims) and the relation's belief with its why
(`kg.belief`).  ``nodes.csv`` lists the entities.  A single
CSV download is the edges table; a folder or zip gets both.

Files are UTF-8 with a byte-order mark, which Excel needs to read accents
and curly quotes (LibreOffice and Python's ``utf-8-sig`` read it too).  A
cell that a spreadsheet would run as a formula (starting with ``=``, ``+``,
``-``, ``@``, tab or carriage return) is prefixed with ``'``: article text is
not trusted (OWASP "CSV injection").
"""
from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from ingest import domain

from .picture import predicate_label

if TYPE_CHECKING:
    from ..read import Evidence
    import networkx as nx

__all__ = ["EDGE_COLUMNS", "NODE_COLUMNS", "edge_rows", "node_rows", "safe_cell",
           "write_edges_csv", "write_folder", "write_nodes_csv", "write_zip"]

EDGE_COLUMNS = ["subject", "predicate", "object", "modality", "articles", "evidence", "article",
                "article_title", "predicate_label", "subject_type", "object_type", "support",
                "claims", "modalities", "subject_iri", "object_iri", "belief", "belief_why",
                "curation"]
NODE_COLUMNS = ["label", "type", "ids", "synonyms", "mapped", "relations", "iri"]


def safe_cell(value: object) -> object:
    """A cell value a spreadsheet will not run as a formula.

    >>> safe_cell("=HYPERLINK(\\"http://x\\")"), safe_cell("nausea"), safe_cell(3)
    ('\\'=HYPERLINK("http://x")', 'nausea', 3)
    """
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _quote(claims: list["Evidence"]) -> "Evidence":
    """The quote shown for a relation: the firmest statement, earliest first."""
    order = {"asserted": 0, "investigational": 1, "hedged": 2, "negated": 3}
    return min(claims, key=lambda c: (order.get(c.modality, 9), c.article, c.start))


def _curation(claims: list["Evidence"]) -> str:
    """How many of a relation's claims a curator or reader marked, by
    review state in readers' words ("confirmed 2; flagged 1"); empty when
    none was."""
    counts = Counter(claim.review for claim in claims if claim.review)
    return "; ".join(f"{domain.REVIEW_STATES[state].label} {n}"
                     for state, n in sorted(counts.items()))


def edge_rows(sub: "nx.MultiDiGraph") -> list[dict]:
    """One dict per relation, keyed by `EDGE_COLUMNS`, sorted by subject,
    predicate and object label."""
    articles = sub.graph.get("articles", {})
    rows = []
    for s, o, data in sub.edges(data=True):
        claims = data.get("claims", [])
        quote = _quote(claims) if claims else None
        article = quote.article if quote else ""
        rows.append({
            "subject": sub.nodes[s].get("label", s), "predicate": data["predicate"],
            "object": sub.nodes[o].get("label", o), "modality": data.get("modality", ""),
            "articles": int(data.get("articles", 0)), "evidence": quote.evidence if quote else "",
            "article": article,
            "article_title": articles.get(article, {}).get("title", quote.title if quote else ""),
            "predicate_label": predicate_label(data["predicate"]),
            "subject_type": sub.nodes[s].get("type", ""),
            "object_type": sub.nodes[o].get("type", ""),
            "support": int(data.get("support", 0)), "claims": len(claims),
            "modalities": "; ".join(f"{m} {n}" for m, n in data.get("modalities", {}).items()),
            "subject_iri": s, "object_iri": o,
            "belief": f"{data['belief'].value:.3f}" if data.get("belief") else "",
            "belief_why": data["belief"].why if data.get("belief") else "",
            "curation": _curation(claims)})
    return sorted(rows, key=lambda r: (r["subject"].lower(), r["predicate"],
                                       r["object"].lower(), r["subject_iri"], r["object_iri"]))


def node_rows(sub: "nx.MultiDiGraph") -> list[dict]:
    """One dict per entity, keyed by `NODE_COLUMNS`, sorted by type and label."""
    rows = [{"label": d.get("label", n), "type": d.get("type", ""),
             "ids": "; ".join(d.get("ids", ())), "synonyms": "; ".join(d.get("synonyms", ())),
             "mapped": "yes" if d.get("mapped", True) else "no", "relations": sub.degree(n),
             "iri": n} for n, d in sub.nodes(data=True)]
    return sorted(rows, key=lambda r: (r["type"], r["label"].lower(), r["iri"]))


def _csv(columns: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return buffer.getvalue().encode("utf-8-sig")


def write_edges_csv(sub: "nx.MultiDiGraph") -> bytes:
    return _csv(EDGE_COLUMNS, edge_rows(sub))


def write_nodes_csv(sub: "nx.MultiDiGraph") -> bytes:
    return _csv(NODE_COLUMNS, node_rows(sub))


def write_folder(sub: "nx.MultiDiGraph", folder: str | Path, stem: str = "") -> list[Path]:
    """`<stem>edges.csv` and `<stem>nodes.csv` in `folder` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, writer in (("edges", write_edges_csv), ("nodes", write_nodes_csv)):
        path = folder / f"{stem}{name}.csv"
        path.write_bytes(writer(sub))
        written.append(path)
    return written


def write_zip(sub: "nx.MultiDiGraph", stem: str = "") -> bytes:
    """A zip holding `<stem>edges.csv` and `<stem>nodes.csv`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{stem}edges.csv", write_edges_csv(sub))
        archive.writestr(f"{stem}nodes.csv", write_nodes_csv(sub))
    return buffer.getvalue()
