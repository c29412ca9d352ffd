"""The vocabulary loader and lookup: Turtle in, an immutable name index out."""
from __future__ import annotations

import os

import pytest

from ingest import Entity, EntityType, load_vocabulary
from ingest.vocab import Vocabulary, is_acronym, normalize, tokenize

TTL = """\
@prefix hkg: <https://w3id.org/health-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix obo: <http://purl.obolibrary.org/obo/> .
<entity/social-anxiety-disorder> a hkg:Condition ; rdfs:label "social anxiety disorder" ;
    skos:altLabel "social phobia", "Disorder of Social Anxiety" ; hkg:abbreviation "SAD" ;
    skos:exactMatch obo:MONDO_0001247 ; hkg:mapped true .
<entity/depression> a hkg:Condition ; rdfs:label "depression" ;
    skos:exactMatch <http://id.nlm.nih.gov/mesh/D003866> ; hkg:mapped true .
<entity/oprm1> a hkg:Receptor ; rdfs:label "mu-opioid receptor" ;
    skos:exactMatch <http://purl.uniprot.org/uniprot/X00000> ; hkg:mapped false .
<entity/new-thing> a hkg:AdverseEffect ; rdfs:label "new thing" .
<http://elsewhere.example/not-an-entity> a hkg:Drug ; rdfs:label "ignored" .
"""


@pytest.fixture
def ttl(tmp_path):
    path = tmp_path / "vocabulary.ttl"
    path.write_text(TTL)
    return path


def test_loads_labels_synonyms_abbreviations_and_curies(ttl):
    """Every field of an entity comes from the Turtle; exactMatch IRIs become
    CURIEs; keys are the IRI part after entity/ resolved against the base."""
    vocab = load_vocabulary(ttl, base_iri="http://example.org/kg/")
    assert vocab.get("social-anxiety-disorder") == Entity(
        "social-anxiety-disorder", "social anxiety disorder", EntityType.CONDITION,
        synonyms=("Disorder of Social Anxiety", "social phobia"), abbreviations=("SAD",),
        ids=("MONDO:0001247",), mapped=True)
    assert vocab.get("depression").ids == ("MESH:D003866",)
    receptor = vocab.get("oprm1")
    assert (receptor.ids, receptor.mapped, receptor.type) == (
        ("UniProt:X00000",), False, EntityType.RECEPTOR)
    assert vocab.get("new-thing").mapped is True
    assert len(vocab) == 4 and "not-an-entity" not in vocab


def test_load_is_cached_until_the_file_changes(ttl):
    """The same file loads once; a changed file is read again."""
    first = load_vocabulary(ttl)
    assert load_vocabulary(ttl) is first
    ttl.write_text(TTL.replace('"depression"', '"major depression"'))
    os.utime(ttl, (1, 1))
    assert load_vocabulary(ttl).get("depression").label == "major depression"


def test_missing_file(tmp_path):
    """A vocabulary that does not exist is a FileNotFoundError."""
    with pytest.raises(FileNotFoundError):
        load_vocabulary(tmp_path / "nope.ttl")


def test_vocabulary_is_immutable(ttl):
    """Callers cannot change the loaded vocabulary."""
    vocab = load_vocabulary(ttl)
    with pytest.raises(TypeError):
        vocab._by_key["x"] = None
    with pytest.raises(AttributeError):
        vocab.get("depression").label = "other"


@pytest.mark.parametrize("a, b", [
    ("Anaesthesia", "anesthesia"), ("behaviour", "behavior"), ("oedema", "edema"),
    ("haemorrhage", "hemorrhage"), ("catheterisation", "catheterization"),
    ("Hallucinations", "hallucination"), ("therapies", "therapy"), ("signalling", "signals"),
    ("intravenously", "intravenous"), ("diarrhoea", "diarrhea"), ("tumours", "tumor"),
])
def test_normalize_folds_spelling_case_and_inflection(a, b):
    """British/American spellings, case, plurals and -ing/-ly meet."""
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize("a, b", [("increased", "increase"), ("status", "statu"),
                                  ("disease", "diseases!")])
def test_normalize_keeps_apart(a, b):
    """'-ed' is kept (a verb is not its participle name) and '-us' words are
    not plurals."""
    assert normalize(a) != normalize(b)


def test_hyphens_and_apostrophes_separate_words():
    """'post-traumatic' and 'post traumatic' tokenize alike."""
    assert tokenize("Post-traumatic one’s").norms == ["post", "traumatic", "one", "s"]
    assert tokenize("post traumatic").norms == tokenize("post-traumatic").norms


def test_find_by_any_name(ttl):
    """Labels, synonyms and acronyms all find the entity; acronyms only as
    written."""
    vocab = load_vocabulary(ttl)
    for name in ("Social Phobia", "disorder of social anxiety", "SAD", "social-phobias"):
        assert vocab.find(name).key == "social-anxiety-disorder", name
    assert vocab.find("sad") is None and vocab.find("Sad") is None


def test_label_beats_another_entitys_synonym():
    """Where two entities share a name, the one it labels wins."""
    vocab = Vocabulary([Entity("a", "pain", EntityType.CONDITION),
                        Entity("b", "ache", EntityType.ADVERSE_EFFECT, synonyms=("pain",))])
    assert vocab.find("pain").key == "a"


def test_longest_match():
    """Matching takes the longest name starting at a word."""
    vocab = Vocabulary([Entity("a", "anxiety", EntityType.CONDITION),
                        Entity("b", "anxiety disorder", EntityType.CONDITION)])
    norms = tokenize("anxiety disorders are common").norms
    assert vocab.match(norms, 0) == (vocab.get("b"), 2)
    assert vocab.match(norms, 0, stop=1) == (vocab.get("a"), 1)


@pytest.mark.parametrize("name, expected", [("SAD", True), ("SSRIs", True), ("IV", True),
                                            ("5-HT", False), ("Sad", False), ("A", False),
                                            ("NMDA receptor", False)])
def test_is_acronym(name, expected):
    """Acronyms are single words of capitals, with an optional plural s."""
    assert is_acronym(name) is expected
