"""Ontology data files: paths only, no logic."""
from importlib import resources
from pathlib import Path

__all__ = ["DOMAIN", "DRUG_LEXICON", "ONTOLOGY", "QUERIES", "SHAPES", "VOCABULARY"]

_HERE = Path(str(resources.files(__name__)))

#: OWL/RDFS classes and predicates aligned to Biolink, PROV-O, SKOS, DCTERMS.
ONTOLOGY = _HERE / "kg.ttl"
#: The domain words: entity types, predicates, modalities (read by ingest.domain).
DOMAIN = _HERE / "domain.toml"
#: SHACL shapes for articles, claims and entities.
SHAPES = _HERE / "shapes.ttl"
#: Curated entities (relative IRIs, resolved against the base IRI on load).
VOCABULARY = _HERE / "vocabulary.ttl"
#: Example SPARQL queries, one question per `.rq` file.
QUERIES = _HERE / "queries"
#: Medicines the vocabulary lacks, from a packaged drug dictionary (generated).
DRUG_LEXICON = _HERE / "lexicon" / "drugs.tsv"
