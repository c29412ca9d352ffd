"""The example queries of `ontology/queries/` and the dataset counts of the
VoID description."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..graph import KnowledgeGraph


@dataclass(frozen=True)
class Example:
    """One of the example queries in `ontology/queries/`: its file name,
    the title and description from its comment header, and its text."""

    name: str
    title: str
    description: str
    text: str


def examples() -> list[Example]:
    """The example queries, sorted by file name.

    >>> any(e.title == "Unmapped entities" for e in examples())
    True
    """
    import ontology

    found = []
    for path in sorted(Path(ontology.QUERIES).glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            header.append(line[1:].strip())
        title = header[0] if header else path.stem.replace("-", " ")
        found.append(Example(path.stem, title, " ".join(header[1:]), text))
    return found


@dataclass(frozen=True)
class DatasetCounts:
    """What a VoID description says of the dataset."""

    triples: int
    graphs: dict[str, int]
    classes: dict[str, int]
    properties: dict[str, int]
    subjects: int
    objects: int


def dataset_counts(graph: "KnowledgeGraph") -> DatasetCounts:
    """Triples per graph, instances per class, triples per predicate.

    Counts are over quads (a triple stated in two articles' graphs counts
    twice), as the union default graph does not deduplicate.
    """
    store = graph.store
    graphs = {str(r["g"]): int(r["n"]) for r in store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    classes = {str(r["c"]): int(r["n"]) for r in store.select(
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c")}
    properties = {str(r["p"]): int(r["n"]) for r in store.select(
        "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p")}
    distinct = store.select("SELECT (COUNT(DISTINCT ?s) AS ?s) (COUNT(DISTINCT ?o) AS ?o) "
                            "WHERE { GRAPH ?g { ?s ?p ?o } }")
    row = distinct[0] if distinct else {}
    return DatasetCounts(sum(graphs.values()), graphs, classes, properties,
                         int(row.get("s", 0)), int(row.get("o", 0)))
