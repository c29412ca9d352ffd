"""The word-dispatch scanner: same matches as plain regex search, and every
lexicon the extractor uses can be dispatched by its first letters."""
from __future__ import annotations

import importlib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.lexicon import Scanner, WordPatterns

extract_module = importlib.import_module("ingest.extract")


def test_every_extractor_phrase_has_known_beginnings():
    """A phrase whose beginning cannot be read would be tried at every word
    of every article (it once cost a third of extraction time)."""
    unknown = [pattern for words in extract_module._SCANNER.lexicons
               for pattern, prefixes in zip(words.patterns, words.prefixes) if prefixes is None]
    assert unknown == []


@pytest.mark.parametrize("pattern, expected", [
    (r"may|might", {"may", "mig"}),
    (r"(?:an?\s+)?agonist", {"a", "an", "ago"}),
    (r"treat(?:s|ed)?|cure", {"tre", "cur"}),
    (r"(?:\w+ly\s+)?given", None),
])
def test_prefixes(pattern, expected):
    """Beginnings are read from the regex; shorter ones where it stops being
    literal, none when it can begin with anything."""
    assert WordPatterns([pattern]).prefixes[0] == (None if expected is None
                                                   else frozenset(expected))


@pytest.mark.parametrize("pattern, words, beginnings", [
    (r"may|might", {"may", "might"}, set()),
    (r"(?:an?\s+)?agonist", {"a", "an", "agonist"}, set()),
    (r"treat(?:s|ed)?|caus\w*", {"treat", "treats", "treated"}, {"cau"}),
    (r"ca?n[’']t|side[- ]effects?", {"can", "cn", "side"}, set()),
    (r"this(?=\s+is)|they", {"this", "they"}, set()),
])
def test_heads(pattern, words, beginnings):
    """A first word spelled out in full is a whole word (the scanner tries
    the pattern at that word only, not at "mayor"); elsewhere the
    beginning, as `prefixes` reads it."""
    assert WordPatterns([pattern]).heads[0] == (frozenset(words), frozenset(beginnings))


PHRASES = [r"may(?:\s+not)?", r"side[- ]effects?", r"(?:can|may)\s+cause", r"not",
           r"increases?\s+the\s+risk\s+of"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["may", "not", "cause", "can", "side effects", "side-effect",
                                 "increases the risk of", "Mayo", "cannot", ",", ".", "x"]),
                max_size=30).map(" ".join))
def test_scan_finds_what_a_plain_search_finds(text):
    """At word starts, the scanner finds the same first-listed phrases a
    left-to-right regex search finds."""
    words = WordPatterns(PHRASES)
    found = [(m.start(), m.group(0)) for m in Scanner([words]).scan(text).between(
        words, 0, len(text))]
    plain = re.compile("|".join(rf"\b(?:{p})\b" for p in PHRASES), re.I)
    assert found == [(m.start(), m.group(0)) for m in plain.finditer(text)]
