"""Clause splitting: the fast split pattern finds what the plain one does."""
from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ingest.clauses import _SPLIT

# _SPLIT as first written: one branch per kind of clause end.
_PLAIN_SPLIT = re.compile(
    r";\s*|\s*[–—]\s+(?=\w)|,\s+(?=(?:but|however|whereas|while|although|though|yet|"
    r"except|unlike)\b)|\s+(?=(?:but|whereas|although)\s+(?!not\b))"
    r"|,\s+(?=(?:and|or|but|so)\s+(?:it|this|they|these|he|she|the drug|the medicine)\b)")

_PIECES = [";", ",", " ", "  ", "\n", "–", "—", "but", "whereas", "although", "not", "it",
           "the drug", "and", "so", "yet", "x", "é"]


@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join),
       st.integers(0, 40), st.integers(0, 40))
def test_split_matches_the_plain_pattern(text, a, b):
    """Same clause ends over any part of any text."""
    start, end = min(a, b, len(text)), min(max(a, b), len(text))
    assert [m.span() for m in _SPLIT.finditer(text, start, end)] == \
        [m.span() for m in _PLAIN_SPLIT.finditer(text, start, end)]
