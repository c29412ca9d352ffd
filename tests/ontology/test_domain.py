"""The domain table (`ontology/domain.toml`) is the one owner of the domain
words, and the ontology files agree with it: every predicate is a property
of `kg.ttl` with the table's label, domain and range; the SHACL shapes allow
exactly the table's predicates and modalities; the model's enums hold the
table's types and modalities.  A predicate added in one place and not the
others fails here."""
from __future__ import annotations

from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH

import ontology
from ingest import domain
from ingest.model import PREDICATES, EntityType, Modality

HKG = Namespace("https://w3id.org/health-kg/ontology#")


def _graph(path) -> Graph:
    return Graph().parse(path, format="turtle")


def _declared(types: frozenset[str]):
    """How kg.ttl declares a domain or range: the one type, or hkg:Entity for several."""
    return HKG[next(iter(types))] if len(types) == 1 else HKG.Entity


def test_every_predicate_is_a_property_of_the_ontology_with_its_label_domain_and_range():
    onto = _graph(ontology.ONTOLOGY)
    relations = set(onto.subjects(RDFS.subPropertyOf, HKG.relation))
    assert relations == {HKG[name] for name in domain.PREDICATES}
    for name, predicate in domain.PREDICATES.items():
        prop = HKG[name]
        assert (prop, RDF.type, OWL.ObjectProperty) in onto, name
        assert str(onto.value(prop, RDFS.label)) == predicate.label, name
        assert onto.value(prop, RDFS.domain) == _declared(predicate.domain), name
        assert onto.value(prop, RDFS.range) == _declared(predicate.range), name


def test_shapes_allow_exactly_the_tables_predicates_and_modalities():
    shapes = _graph(ontology.SHAPES)
    allowed = {}
    for prop in shapes.objects(None, SH.property):
        path, values = shapes.value(prop, SH.path), shapes.value(prop, SH["in"])
        if values is not None:
            allowed[path] = list(Collection(shapes, values))
    assert allowed[HKG.predicate] == [HKG[p] for p in domain.PREDICATES]
    assert allowed[HKG.modality] == [HKG[m] for m in domain.MODALITIES]


def test_ontology_modalities_and_types_are_the_tables():
    onto = _graph(ontology.ONTOLOGY)
    assert set(onto.subjects(RDF.type, HKG.Modality)) == {HKG[m] for m in domain.MODALITIES}
    for name in domain.TYPES:
        assert (HKG[name], RDF.type, OWL.Class) in onto, name


def test_model_enums_and_predicates_read_the_table():
    assert [t.value for t in EntityType] == list(domain.TYPES)
    assert [m.value for m in Modality] == list(domain.MODALITIES)
    assert {name: ({t.value for t in s}, {t.value for t in o})
            for name, (s, o) in PREDICATES.items()} == \
        {name: (set(p.domain), set(p.range)) for name, p in domain.PREDICATES.items()}


def test_every_modality_has_one_distinct_word():
    labels = [m.label for m in domain.MODALITIES.values()]
    assert len(set(labels)) == len(labels) == 4
    assert all(label and label == label.lower() for label in labels)


def test_review_states_and_flag_reasons_are_the_tables_in_ontology_and_shapes():
    """The curation words (issue 19) have the one owner too: kg.ttl declares
    each review state, and the shapes allow exactly the table's states (in
    its order of precedence), verdicts among them, and flag reasons."""
    onto, shapes = _graph(ontology.ONTOLOGY), _graph(ontology.SHAPES)
    assert set(onto.subjects(RDF.type, HKG.ReviewState)) == \
        {HKG[s] for s in domain.REVIEW_STATES}
    allowed = {}
    for prop in shapes.objects(None, SH.property):
        path, values = shapes.value(prop, SH.path), shapes.value(prop, SH["in"])
        if values is not None:
            allowed[path] = list(Collection(shapes, values))
    assert allowed[HKG.reviewState] == [HKG[s] for s in domain.REVIEW_STATES]
    assert set(allowed[HKG.verdict]) <= set(allowed[HKG.reviewState])
    assert [str(v) for v in allowed[HKG.flagReason]] == list(domain.FLAG_REASONS)
    assert allowed[HKG.newModality] == [HKG[m] for m in domain.MODALITIES]
    for words in (*domain.REVIEW_STATES.values(), *domain.FLAG_REASONS.values()):
        assert words.label and words.label == words.label.lower()
    labels = [s.label for s in domain.REVIEW_STATES.values()]
    assert len(set(labels)) == len(labels)
