"""Evidence spans: a bullet's evidence takes in the lead-in that
gives it meaning, and a heading or question is not the evidence of a claim
the article states in its body."""
from __future__ import annotations

from ingest import Document, extract


def _claims(text: str, vocabulary):
    return extract(Document("t", "t", text, "txt"), vocabulary).claims


def test_bullet_evidence_includes_its_lead_in(vocabulary):
    """A hedged item quotes the hedging lead-in, not a bare word."""
    text = "Metformin\n\nIn some people metformin may cause:\n- nausea\n- headache\n"
    claims = {c.object.label: c for c in _claims(text, vocabulary)}
    assert claims["nausea"].modality.value == "hedged"
    assert claims["nausea"].evidence == "In some people metformin may cause:\n- nausea"
    assert claims["headache"].evidence.startswith("In some people metformin may cause:")
    assert claims["headache"].evidence.endswith("headache")


def test_heading_is_not_evidence_when_the_body_states_it(vocabulary):
    """The body sentence, not the question heading, is the evidence."""
    text = "Sertraline for insomnia?\n\nSertraline is used to treat insomnia."
    found = [c for c in _claims(text, vocabulary) if c.object.label == "insomnia"]
    assert [(c.evidence, c.modality.value) for c in found] == [
        ("Sertraline is used to treat insomnia.", "asserted")]
