"""Mention finding: longest names, case rules, the article's own
abbreviations, shared heads, anaphora, and minting for typed lists."""
from __future__ import annotations

import pytest

from ingest import Document, EntityType
from ingest.entities import find_mentions
from ingest.items import item_entities, item_phrases, mint
from ingest.segment import segment


def _mentions(text: str, vocabulary, anaphora: bool = False) -> list[tuple[str, str]]:
    found = find_mentions(segment(Document("d", "d", text, "txt")), vocabulary)
    chosen = found.anaphora if anaphora else found.names
    return [(text[m.start:m.end], m.entity.key) for m in chosen]


def test_longest_match_wins(vocabulary):
    """'chronic pain' is one mention, not 'pain'."""
    assert _mentions("Morphine eases chronic pain.", vocabulary) == [
        ("Morphine", "morphine"), ("chronic pain", "chronic-pain")]


def test_names_match_across_spelling_and_number(vocabulary):
    """Plurals, case and British/American spelling find the same entity."""
    text = "Diarrhea, HEADACHES and Hypoglycemia are listed."
    assert [k for _, k in _mentions(text, vocabulary)] == ["diarrhoea", "headache",
                                                           "hypoglycaemia"]


def test_acronyms_match_only_as_written(vocabulary):
    """'SAD' is seasonal affective disorder; 'sad' and 'Sad' are words."""
    text = "Light helps SAD. Feeling sad is normal. Sad news."
    assert _mentions(text, vocabulary) == [("SAD", "seasonal-affective-disorder")]


def test_acronyms_not_matched_in_all_caps_lines(vocabulary):
    """In a line of capitals every word looks like an acronym; none match."""
    assert _mentions("WHY SAD PEOPLE NEED HELP", vocabulary) == []


def test_names_do_not_cross_brackets_or_sentences(vocabulary):
    """A name cannot span a bracket or a sentence end."""
    assert _mentions("It is dry (mouth). Mouth dry.", vocabulary) == []


def test_defined_abbreviation_is_a_synonym_in_the_article(vocabulary):
    """'chronic pain (CP)' makes every later and earlier 'CP' chronic pain."""
    text = "CP is common. Chronic pain (CP) lasts. Morphine treats CP."
    assert [k for t, k in _mentions(text, vocabulary) if t == "CP"] == ["chronic-pain"] * 3


def test_shared_head_is_distributed(vocabulary):
    """'stomach and intestinal ulcers' names two entities."""
    assert _mentions("It causes stomach and intestinal ulcers.", vocabulary) == [
        ("stomach", "stomach-ulcer"), ("intestinal ulcers", "intestinal-ulcer")]


@pytest.mark.parametrize("text, expected", [
    ("Lithium works. It is cheap.", [("It", "lithium")]),
    ("Lithium works. This drug is cheap.", [("This drug", "lithium")]),
    ("Lithium works. The medicine is cheap and its use is wide.",
     [("The medicine", "lithium"), ("its", "lithium")]),
    ("Aspirin and warfarin thin blood. The drug is cheap.", []),
    ("Lithium is old.\n\nBipolar disorder is serious. It is common.", []),
    ("Morphine\n\nLong-term use can cause constipation.", [("Long-term use", "morphine")]),
    ("Aspirin is safer than warfarin because it is cheap.", [("it", "aspirin")]),
    ("Aspirin and warfarin are cheap because it is old.", []),
])
def test_anaphora(text, expected, vocabulary):
    """Pronouns and drug descriptions resolve to the drug meant (the subject
    when several drugs are named), and to nothing when coordinated drugs
    compete or a non-drug is the topic."""
    assert _mentions(text, vocabulary, anaphora=True) == expected


def test_main_drug_needs_to_dominate(vocabulary):
    """The main drug is the one named clearly most often."""
    seg = segment(Document("d", "d", "Aspirin. Aspirin. Aspirin. Warfarin.", "txt"))
    assert find_mentions(seg, vocabulary).main_drug.key == "aspirin"
    seg = segment(Document("d", "d", "Aspirin. Warfarin.", "txt"))
    assert find_mentions(seg, vocabulary).main_drug is None


def test_mint_is_unmapped_and_keyed_by_slug(vocabulary):
    """A minted entity is unmapped, keyed by its label's slug, and kept apart
    from a vocabulary key it would collide with."""
    minted = mint("metallic taste", EntityType.ADVERSE_EFFECT, vocabulary)
    assert (minted.key, minted.label, minted.mapped) == ("metallic-taste", "metallic taste", False)
    assert mint("nausea", EntityType.CONDITION, vocabulary).key == "nausea-condition"


@pytest.mark.parametrize("item, expected", [
    ("Nausea and vomiting", ["nausea", "vomiting"]),
    ("Hallucinations, delirium, and confusion", ["hallucinations", "delirium", "confusion"]),
    ("swelling of the lips or tongue", ["swelling of the lips or tongue"]),
    ("Headache – tell your doctor", ["headache"]),
    ("a metallic taste (common)", ["metallic taste"]),
    ("increased thirst during the first weeks", ["increased thirst"]),
    ("Call your doctor if you feel faint", []),
    ("HIV infection", ["HIV infection"]),
])
def test_item_phrases(item, expected):
    """Items are cut to their name, split at coordinations outside a
    prepositional phrase, and clauses give nothing."""
    assert [label for label, _, _ in item_phrases(item, 0, len(item))] == expected


def test_item_entities_mint_partly_known_phrases(vocabulary):
    """'period pain' is not 'pain'; 'severe pain' is."""
    def labels(item):
        found = find_mentions(segment(Document("d", "d", item, "txt")), vocabulary).names
        used, minted = item_entities(item, 0, len(item), list(found), [],
                                     EntityType.CONDITION, vocabulary)
        return [m.entity.label for m in used], [m.entity.label for m in minted]

    assert labels("period pain") == (["period pain"], ["period pain"])
    assert labels("severe pain") == (["pain"], [])


def test_shared_head_after_two_word_modifiers():
    """"serum urea or liver enzyme elevations" names two entities that share
    the head "elevations"."""
    from ingest import Entity, Vocabulary

    vocabulary = Vocabulary([
        Entity("urea-up", "serum urea elevations", EntityType.ADVERSE_EFFECT),
        Entity("enzymes-up", "liver enzyme elevations", EntityType.ADVERSE_EFFECT)])
    text = "It has been linked to serum urea or liver enzyme elevations."
    found = find_mentions(segment(Document("d", "d", text, "txt")), vocabulary)
    assert sorted((m.entity.key, text[m.start:m.end]) for m in found.names) == [
        ("enzymes-up", "liver enzyme elevations"), ("urea-up", "serum urea")]
