"""SHACL validation of the whole dataset with pySHACL."""
from __future__ import annotations

from dataclasses import dataclass
from rdflib import Graph

import ontology

from .context import Context

__all__ = ["ValidationReport", "validate"]


@dataclass(frozen=True)
class ValidationReport:
    conforms: bool
    violations: int
    text: str
    triples: int


def validate(graph: Context) -> ValidationReport:
    """Check every graph (union) against `ontology/shapes.ttl`.

    No inference: the ontology graph's `rdfs:subClassOf` triples are part
    of the data, which is all `sh:class hkg:Entity` needs, and RDFS domain
    inference would hide type errors instead of reporting them.
    """
    import pyshacl

    data = Graph()
    for s, p, o, _ in graph.store.quads():
        data.add((s, p, o))
    shapes = Graph().parse(ontology.SHAPES, format="turtle")
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes, inference="none",
                                              abort_on_first=False, allow_warnings=True)
    from rdflib.namespace import SH
    violations = len(set(report.subjects(predicate=SH.resultSeverity)))
    return ValidationReport(bool(conforms), violations, text, len(data))
