"""Properties that hold for any text: extraction never crashes, and every
span it returns slices the text to exactly what it claims."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import Document, extract
from ingest.segment import segment

#: Pieces health articles are made of: names the test vocabulary knows,
#: cue words, hedges, negations, bullets, headings, colons and line breaks.
PIECES = ["Ibuprofen", "aspirin", "it", "this drug", "the medicine", "Its", "SAD", "sad", "IV",
          "nausea", "headache", "pain", "depression", "stomach ulcers", "blood pressure",
          "mu-opioid receptor", "serotonin", "neurogenesis", "surgery", "nasal spray",
          "treats", "is used to treat", "can cause", "may cause", "lowers", "blocks",
          "activates", "increases the risk of", "side effects include", "works by",
          "is being studied for", "does not", "neither", "nor", "no evidence that", "not",
          "may", "appears to", "and", "or", ",", ", which", ";", ".", ":", "(", ")", "?", "!",
          "\n", "\n\n", "\n• ", "\n- ", "\n1. ", "\n  * ", "e.g.", "Dr.", "Side effects",
          "Uses", "Routes of administration", "chronic pain (CP)", "CP", "’s", "—", " "]

structured = st.lists(st.sampled_from(PIECES), max_size=80).map(" ".join)
anything = st.text(st.characters(blacklist_categories=("Cs",)), max_size=3000)


def _check(text: str, vocabulary) -> None:
    doc = Document("p", "p", text, "txt")
    extraction = extract(doc, vocabulary)
    for claim in extraction.claims:
        assert 0 <= claim.start <= claim.end <= len(text)
        assert text[claim.start:claim.end] == claim.evidence
        assert claim.evidence.strip() == claim.evidence != ""
    for mention in extraction.mentions:
        assert 0 <= mention.start < mention.end <= len(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=structured)
def test_structured_text_offsets_slice_to_evidence(text, vocabulary):
    """On text built from article pieces, every claim's offsets slice the
    text to its evidence."""
    _check(text, vocabulary)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=anything)
def test_any_unicode_never_crashes(text, vocabulary):
    """Any unicode text extracts without error, with exact offsets."""
    _check(text, vocabulary)


@settings(max_examples=200, deadline=None)
@given(text=st.one_of(structured, anything))
def test_sentences_slice_exactly_and_in_order(text):
    """Sentences are non-empty, stripped, inside their block, and ordered."""
    segmentation = segment(Document("p", "p", text, "txt"))
    last = 0
    for sentence in segmentation.sentences:
        block = segmentation.blocks[sentence.block]
        assert last <= sentence.start < sentence.end <= len(text)
        assert block.start <= sentence.start and sentence.end <= block.end
        piece = text[sentence.start:sentence.end]
        assert piece == piece.strip() and piece
        last = sentence.end


def test_edge_texts(vocabulary):
    """Empty, blank, one huge line, and a huge bullet list all extract."""
    for text in ["", " ", "\n\n\n", "•", "-\n-\n-", ":" * 1000,
                 "Ibuprofen can cause nausea, " * 5000,
                 "Ibuprofen side effects include:\n" + "• nausea\n" * 5000]:
        _check(text, vocabulary)
