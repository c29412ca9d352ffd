"""Clauses and asides inside a sentence, by punctuation and connectives.

No parser: a clause ends at a semicolon, at a contrastive connective ("but",
"whereas", "although"), after a sentence-opening subordinate clause ("When
used for surgery, ...") and where a coordinated clause brings its own
subject (", or it may ...").  Asides are comma-delimited appositions and
non-restrictive relative clauses ("Ketamine, like opioids, ..."; ", which
...,"): what they say is not what the clause around them says.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Clause", "clauses"]

# Where a clause ends: ";", a dash, ", but", " whereas", ", and it".  Each
# branch takes the character that opens it first ("[;,\s–—]", then looks
# back at it), so the regex engine skips to such characters instead of
# trying every branch at every one: the same matches as the plain
# alternation (tests/ingest/test_clauses.py), 30% faster.
_SPLIT = re.compile(
    r"[;,\s–—](?:(?<=;)\s*|(?<=\s)\s*[–—]\s+(?=\w)|(?<=[–—])\s+(?=\w)"
    r"|(?<=,)\s+(?=(?:but|however|whereas|while|although|though|yet|except|unlike)\b)"
    r"|(?<=\s)\s*(?=(?:but|whereas|although)\s+(?!not\b))"
    r"|(?<=,)\s+(?=(?:and|or|but|so)\s+(?:it|this|they|these|he|she|the drug|the medicine)\b))")
_SUBORDINATE_WORDS = ("when", "if", "because", "although", "though", "while", "since", "as",
                      "after", "before", "unless", "once", "until", "where", "given that",
                      "even though", "in addition to", "apart from")  # what _SUBORDINATE opens with
_SUBORDINATE = re.compile(
    r"(?:when|whenever|if|because|although|though|while|since|as|after|before|unless|once|"
    r"until|whereas|where|given that|even though|in addition to|apart from)\b[^,]{3,}?,\s*",
    re.I)
_ASIDE = re.compile(
    r",\s+(?:(?:a|an|like|unlike|just like|similar to)\s[^,;]{1,80}?(?=,(?!\s+(?:and|or)\b)|$)"
    r"|(?:which|who|whom|whose|where)\s[^,;]{1,120}?(?=,|$))")


@dataclass(frozen=True)
class Clause:
    """A clause: `text[start:end]`, with the spans of its asides."""

    start: int
    end: int
    asides: tuple[tuple[int, int], ...] = ()

    def in_aside(self, start: int, end: int) -> bool:
        """True when `[start, end)` lies inside one of the clause's asides."""
        return any(a <= start and end <= b for a, b in self.asides)

    def aside_at(self, pos: int) -> tuple[int, int] | None:
        """The aside containing offset `pos`, if any."""
        for a, b in self.asides:
            if a <= pos < b:
                return (a, b)
        return None


def clauses(text: str, start: int, end: int, folded: str | None = None) -> list[Clause]:
    """The clauses of the sentence `text[start:end]`, in order; together
    they cover the sentence.

    >>> t = "When used for pain, it works fast; it is cheap, but it may cause nausea."
    >>> [t[c.start:c.end] for c in clauses(t, 0, len(t))]
    ['When used for pain, ', 'it works fast; ', 'it is cheap', ', but it may cause nausea.']

    `folded` is `folding.fold(text)`, when the caller has it: a cheap test
    then skips patterns that cannot match.
    """
    cuts = [start]
    opening = _SUBORDINATE.match(text, start, end) if folded is None \
        or folded.startswith(_SUBORDINATE_WORDS, start, end) else None
    if opening and opening.end() < end:
        cuts.append(opening.end())
    for match in _SPLIT.finditer(text, cuts[-1], end):
        if match.start() > cuts[-1]:
            cuts.append(match.end() if text[match.start()] == ";" else match.start())
    cuts.append(end)
    out = []
    for a, b in zip(cuts, cuts[1:]):
        if a < b:
            stop = b
            asides = []
            for aside in _ASIDE.finditer(text, a, stop):
                asides.append((aside.start(), aside.end()))
            out.append(Clause(a, b, tuple(asides)))
    return out
