"""Modality: hedges, study cues and NegEx-style negation scope, with the
cue words returned."""
from __future__ import annotations

import pytest

from ingest import Modality
from ingest.clauses import clauses
from ingest.lexicon import Scanner
from ingest.modality import LEXICONS, assess, negation_scopes

SCANNER = Scanner(LEXICONS)


def _assess(text: str, cue: str, target: str | None = None) -> tuple[Modality, tuple[str, ...]]:
    start = text.index(cue)
    clause = next(c for c in clauses(text, 0, len(text)) if c.start <= start < c.end)
    span = None
    if target is not None:
        at = text.index(target)
        span = (at, at + len(target))
    return assess(text, clause, (start, start + len(cue)), SCANNER.scan(text), span)


@pytest.mark.parametrize("text, cue, modality, words", [
    ("Aspirin relieves pain.", "relieves", Modality.ASSERTED, ()),
    ("Aspirin can result in ulcers.", "result in", Modality.ASSERTED, ()),
    ("Aspirin may result in ulcers.", "result in", Modality.HEDGED, ("may",)),
    ("Aspirin might relieve pain.", "relieve", Modality.HEDGED, ("might",)),
    ("Aspirin could relieve pain.", "relieve", Modality.HEDGED, ("could",)),
    ("Aspirin appears to relieve pain.", "relieve", Modality.HEDGED, ("appears to",)),
    ("Aspirin is believed to relieve pain.", "relieve", Modality.HEDGED,
     ("is believed to",)),
    ("Aspirin has the potential to relieve pain.", "relieve", Modality.HEDGED,
     ("has the potential",)),
    ("One possible target is the receptor.", "target", Modality.HEDGED, ("possible",)),
    ("It implies that aspirin relieves pain.", "relieves", Modality.HEDGED, ("It implies",)),
    ("Aspirin likely relieves pain.", "relieves", Modality.HEDGED, ("likely",)),
    ("Doctors think aspirin relieves pain.", "relieves", Modality.HEDGED,
     ("Doctors think",)),
    ("Aspirin is being studied for pain.", "studied", Modality.INVESTIGATIONAL,
     ("is being studied",)),
    ("Aspirin is in clinical trials for pain.", "for", Modality.INVESTIGATIONAL,
     ("in clinical trials for",)),
    ("Researchers are exploring whether aspirin relieves pain.", "relieves",
     Modality.INVESTIGATIONAL, ("Researchers are exploring",)),
    ("Aspirin is being investigated and may relieve pain.", "investigated",
     Modality.INVESTIGATIONAL, ("is being investigated",)),
    ("Aspirin does not relieve pain.", "relieve", Modality.NEGATED, ("not",)),
    ("There is no evidence that aspirin relieves pain.", "relieves", Modality.NEGATED,
     ("no evidence",)),
    ("Aspirin has not been shown to relieve pain.", "relieve", Modality.NEGATED,
     ("not been shown",)),
    ("Aspirin is not associated with ulcers.", "associated", Modality.NEGATED, ("not",)),
    ("Aspirin doesn’t cause ulcers.", "cause", Modality.NEGATED, ("doesn’t",)),
    ("Neither pressure nor rate is lowered.", "lowered", Modality.NEGATED, ("Neither",)),
])
def test_modality_and_cues(text, cue, modality, words):
    """Each kind of statement gets its modality and the words that decided it."""
    assert _assess(text, cue) == (modality, words)


@pytest.mark.parametrize("text, cue", [
    ("Aspirin relieves pain in people who do not respond to paracetamol.", "relieves"),
    ("Aspirin not only relieves pain but also fever.", "relieves"),
    ("Aspirin relieves pain long after it is no longer in the blood.", "relieves"),
    ("Aspirin relieves pain, but it does not cure arthritis.", "relieves"),
    ("Aspirin, which may upset the stomach, relieves pain.", "relieves"),
    ("Aspirin relieves pain and may cause ulcers.", "relieves"),
])
def test_cues_out_of_scope_leave_it_asserted(text, cue):
    """Negation after the relation, pseudo-negation, a contrast clause, an
    aside or a coordinated verb phrase does not touch the relation."""
    assert _assess(text, cue)[0] is Modality.ASSERTED


def test_object_negated_after_the_cue():
    """'causes nausea but not headache': only headache is negated."""
    text = "Aspirin causes nausea but not headache."
    assert _assess(text, "causes", "nausea")[0] is Modality.ASSERTED
    assert _assess(text, "causes", "headache")[0] is Modality.NEGATED


def test_negation_scope_is_bounded():
    """A NegEx scope stops at a terminating word or after a few words."""
    text = "It does not help, however it relieves pain."
    scan = SCANNER.scan(text)
    assert [(text[a:b].strip(), cue) for a, b, cue in negation_scopes(text, 0, len(text), scan)] \
        == [("help,", "not")]
