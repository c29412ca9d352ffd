"""The substring pre-checks of `ingest.folding` never rule out a real match."""
from __future__ import annotations

import re
import sys

from hypothesis import given
from hypothesis import strategies as st

from ingest.clauses import _SUBORDINATE, _SUBORDINATE_WORDS
from ingest.entities import _TARGET_ANAPHOR, _TARGET_ANAPHOR_FOLDED
from ingest.folding import _ODD, ends_with, fold, has_any
from ingest.inline import _TRIGGER, _TRIGGER_WORDS
from ingest.relations import (_ADJUNCT_VERB, _ADJUNCT_WORDS, _BE, _BE_ENDINGS, _GERUND_ADJUNCT,
                              _GERUND_WORDS, _LEAD_IN_END, _LEAD_IN_ENDINGS, _OTHER_AGENT,
                              _OTHER_WORDS, _RELATIVE, _RELATIVE_WORDS)


def test_only_the_odd_characters_fold_to_ascii_letters():
    """`fold` is exact only if no other non-ASCII character matches an ASCII
    letter case-insensitively: every code point is tried."""
    letter = re.compile("[a-z]", re.I)
    found = {chr(cp) for cp in range(128, sys.maxunicode + 1)
             if not 0xD800 <= cp <= 0xDFFF and letter.fullmatch(chr(cp))}
    assert found == set("\u0130\u0131\u017f\u212a")
    assert all(_ODD.fullmatch(ch) for ch in found) and fold("\u212a") is None


_WORDS = ["is", "are", "been", "not", "usually", "by", "via", "for", "of", "after", "such as",
          "include", "like", "other", "another", "a different", "which", "that", "who",
          "when", "whenever", "given that", "ketamine", "Is", "NOT", "WHICH", "\u212a",
          "\u017fuch", "İs", "ly", "quickly", "includes", "ıncluding", "e.g.", "e.g", "such as"]
_GAPS = [" ", "  ", ", ", ":", "\n", ". ", "-", " medication", " drugs"]
_TEXTS = st.lists(st.sampled_from(_WORDS + _GAPS), max_size=12).map("".join)


@given(_TEXTS, st.integers(0, 40), st.integers(0, 40))
def test_pre_checks_are_necessary(text, a, b):
    """Wherever a pattern matches, its pre-check says it may."""
    start, end = min(a, b, len(text)), min(max(a, b), len(text))
    folded = fold(text)
    for pattern, words in ((_ADJUNCT_VERB, _ADJUNCT_WORDS), (_GERUND_ADJUNCT, _GERUND_WORDS),
                           (_BE, _BE_ENDINGS)):
        if pattern.search(text, start, end):
            assert ends_with(folded, start, end, words, space=True)
    if _LEAD_IN_END.search(text, start, end):
        assert ends_with(folded, start, end, _LEAD_IN_ENDINGS)
    for pattern, words in ((_OTHER_AGENT, _OTHER_WORDS), (_RELATIVE, _RELATIVE_WORDS)):
        if pattern.search(text, start, end):
            assert has_any(folded, start, end, words)
    window = fold(text[start:end])
    if _TRIGGER.search(text, start, end):
        assert window is None or any(word in window for word in _TRIGGER_WORDS)
    if _SUBORDINATE.match(text, start, end):
        assert folded is None or folded.startswith(_SUBORDINATE_WORDS, start, end)


def test_lower_case_keeps_word_and_space_characters():
    """A case-sensitive pattern over the folded text sees the same word
    boundaries and spaces as the case-insensitive one over the text."""
    word, space = re.compile(r"\w"), re.compile(r"\s")
    changed = [cp for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF
               and len(chr(cp).lower()) == 1
               and (bool(word.match(chr(cp))) != bool(word.match(chr(cp).lower()))
                    or bool(space.match(chr(cp))) != bool(space.match(chr(cp).lower())))]
    assert changed == []


@given(st.lists(st.sampled_from(["The", "this", "THAT", "ion", " ", "\n", "channel", "Receptors",
                                 "pore", "of", "x", "-", "ſ", "é"]), max_size=10).map("".join))
def test_target_anaphors_on_the_folded_text(text):
    """Where the text folds, the folded pattern finds what the plain one does."""
    folded = fold(text)
    if folded is not None:
        assert [m.span() for m in _TARGET_ANAPHOR_FOLDED.finditer(folded)] == \
            [m.span() for m in _TARGET_ANAPHOR.finditer(text)]
