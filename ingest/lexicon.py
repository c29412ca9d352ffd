"""Word lists as regular expressions that are fast to apply.

Extraction looks for several lexicons of phrases in every sentence:
predicate cues, negation and hedging triggers, drug-class words.  Compiled
into one alternation each, Python's regex engine tries every alternative
at every character, which made them most of extraction's cost.  Here an
article is scanned once, word by word: the first letters of a word select
the few phrases that can start with them (read from each pattern's syntax
tree), and only those are tried.  A phrase whose first word is spelled out in full ("may", "is",
"the") is tried only at that very word, not at every word sharing its
first letters ("the" at "therapy"), which halves the regex calls.
"""
from __future__ import annotations

import bisect
import re
from typing import Iterable, Sequence

from .folding import fold

__all__ = ["Scan", "Scanner", "WordPatterns"]

_WORD_START = re.compile(r"\b[^\W\d_]")
_WORD_RUN = re.compile(r"\w*")
#: How many leading letters select candidate phrases.
_PREFIX = 3
#: Word beginnings whose candidates are remembered (bounded for odd scripts).
_MAX_HEADS = 50_000


def _prefixes(pattern: str) -> frozenset[str] | None:
    """The lower-case beginnings (up to `_PREFIX` letters) a match of
    `pattern` can have; None when it could begin with anything.  A shorter
    beginning is returned where the pattern stops being literal, so the set
    never rules out a real match."""
    try:
        from re import _constants as sre, _parser  # type: ignore[attr-defined]
        parsed = list(_parser.parse(pattern, re.I))
    except (ImportError, AttributeError, re.error):  # a private module: be ready for change
        return None
    found: set[str] = set()

    def walk(items: list, acc: str) -> bool:
        """Add the beginnings of `items` after `acc`; False when unknown."""
        while items and len(acc) < _PREFIX:
            op, av = items[0]
            rest = items[1:]
            if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):  # zero width
                items = rest
            elif op is sre.LITERAL:
                acc, items = acc + chr(av).lower(), rest
            elif op is sre.IN and all(kind is sre.LITERAL for kind, _ in av):
                return all(walk(rest, acc + chr(value).lower()) for _, value in av)
            elif op is sre.BRANCH:
                return all(walk(list(branch) + rest, acc) for branch in av[1])
            elif op is sre.SUBPATTERN:
                items = list(av[3]) + rest
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[1] == 1:
                return walk(list(av[2]) + rest, acc) and (av[0] == 1 or walk(rest, acc))
            else:
                break
        if not acc:
            return False
        found.add(acc)
        return True

    return frozenset(found) if walk(parsed, "") else None


def _ends_word(item: tuple, sre) -> bool:
    """Whether a parsed regex item can only begin with a character that
    ends a word (`\\W`), so the literal letters before it are a whole word."""
    op, av = item
    if op is sre.LITERAL:
        return not _is_word_char(chr(av))
    if op is sre.AT:
        return av in (sre.AT_BOUNDARY, sre.AT_END, sre.AT_END_STRING)
    if op is sre.IN:
        return bool(av) and all(
            (kind is sre.LITERAL and not _is_word_char(chr(value)))
            or (kind is sre.CATEGORY and value in (sre.CATEGORY_SPACE, sre.CATEGORY_NOT_WORD))
            for kind, value in av)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
        return av[0] >= 1 and bool(av[2]) and _ends_word(list(av[2])[0], sre)
    return False


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


#: How many beginnings `_heads` may list for one pattern before giving up.
_MAX_BEGINNINGS = 1000


def _heads(pattern: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """(whole first words, beginnings) of what `pattern` can match: a match
    starts with one of the whole words followed by a non-word character, or
    with one of the beginnings (at most `_PREFIX` letters, where the first
    word is not spelled out).  None when it could begin with anything."""
    try:
        from re import _constants as sre, _parser  # type: ignore[attr-defined]
        parsed = list(_parser.parse(pattern, re.I))
    except (ImportError, AttributeError, re.error):  # a private module: be ready for change
        return None
    words: set[str] = set()
    beginnings: set[str] = set()

    def walk(items: list, acc: str) -> bool:
        """Add what `items` can begin with after `acc`; False when unknown."""
        if len(words) + len(beginnings) > _MAX_BEGINNINGS:
            return False
        while items:
            op, av = items[0]
            rest = items[1:]
            if op in (sre.ASSERT, sre.ASSERT_NOT) or (op is sre.AT and not acc):
                items = rest  # zero width: skipping it only tries more places
            elif acc and _ends_word(items[0], sre):
                break
            elif op is sre.LITERAL:
                if not _is_word_char(chr(av)):
                    return False  # a phrase that starts with punctuation
                acc, items = acc + chr(av).lower(), rest
            elif op is sre.IN and all(kind is sre.LITERAL for kind, _ in av):
                return all(step(chr(value), rest, acc) for _, value in av)
            elif op is sre.BRANCH:
                return all(walk(list(branch) + rest, acc) for branch in av[1])
            elif op is sre.SUBPATTERN:
                items = list(av[3]) + rest
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT) and av[1] == 1:
                return walk(list(av[2]) + rest, acc) and (av[0] == 1 or walk(rest, acc))
            else:  # the first word goes on in a way not spelled out
                if not acc:
                    return False
                beginnings.add(acc[:_PREFIX])
                return True
        if not acc:
            return False
        words.add(acc)  # the end of the pattern is the end of a word (`\\b`)
        return True

    def step(ch: str, rest: list, acc: str) -> bool:
        """One character of a class (`[sz]`, `[- ]`), then the rest."""
        if _is_word_char(ch):
            return walk(rest, acc + ch.lower())
        if not acc:
            return False
        words.add(acc)
        return True

    return (frozenset(words), frozenset(beginnings)) if walk(parsed, "") else None


class WordPatterns:
    """A lexicon: phrases matched case-insensitively where a word begins;
    where several match at one place, the first listed wins.

    Args:
        patterns: regular expressions, each a phrase starting with a letter.
    """

    def __init__(self, patterns: Sequence[str]):
        self.patterns = tuple(patterns)
        self.prefixes = tuple(_prefixes(p) for p in self.patterns)
        self.heads = tuple(_heads(p) for p in self.patterns)
        self._compiled: dict[tuple[int, ...], re.Pattern] = {}

    def compiled(self, indices: tuple[int, ...]) -> re.Pattern:
        """The listed patterns as one alternation, group `p<i>` for each."""
        pattern = self._compiled.get(indices)
        if pattern is None:
            pattern = re.compile("|".join(rf"\b(?P<p{i}>{self.patterns[i]})\b" for i in indices),
                                 re.I)
            self._compiled[indices] = pattern
        return pattern

    @staticmethod
    def index(match: re.Match) -> int:
        """Which pattern a match came from."""
        group = match.lastgroup
        assert group is not None, "every alternative is a named group"
        return int(group[1:])


class Scan:
    """Where each lexicon matched in one text, for range queries.

    Attributes:
        folded: the text lower-cased for `folding`'s pre-checks, or None
            where they cannot be exact (or were not worked out).
    """

    def __init__(self, matches: dict[WordPatterns, list[re.Match]], folded: str | None = None):
        self.folded = folded
        self._matches = matches
        self._starts = {words: [m.start() for m in found] for words, found in matches.items()}

    def between(self, words: WordPatterns, start: int, end: int) -> list[re.Match]:
        """Matches of the lexicon `words` inside `[start, end)`."""
        starts = self._starts[words]
        if not starts or starts[-1] < start or starts[0] >= end:
            return []  # most lexicons match nowhere near most sentences
        found = self._matches[words]
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
        return [m for m in found[lo:hi] if m.end() <= end]


class Scanner:
    """Several lexicons applied in one pass over a text.

    >>> hedges = WordPatterns([r"may|might", r"may not"])
    >>> scan = Scanner([hedges]).scan("It may not; it might.")
    >>> [(m.group(0), hedges.index(m)) for m in scan.between(hedges, 0, 21)]
    [('may', 0), ('might', 0)]
    """

    def __init__(self, lexicons: Sequence[WordPatterns]):
        self.lexicons = tuple(lexicons)
        table: dict[str, list[tuple[int, int]]] = {}
        anywhere = []
        for lex, words in enumerate(self.lexicons):
            for index, prefixes in enumerate(words.prefixes):
                if prefixes is None:
                    anywhere.append((lex, index))
                for prefix in prefixes or ():
                    table.setdefault(prefix, []).append((lex, index))
        self._table = {k: tuple(v) for k, v in table.items()}
        self._anywhere = tuple(anywhere)
        self._by_head: dict[str, tuple[tuple[int, re.Pattern], ...]] = {}
        # The same by whole first word where a pattern spells it out.
        whole: dict[str, list[tuple[int, int]]] = {}
        beginnings: dict[str, list[tuple[int, int]]] = {}
        anywhere = []
        for lex, lexicon in enumerate(self.lexicons):
            for index, heads in enumerate(lexicon.heads):
                if heads is None:
                    anywhere.append((lex, index))
                    continue
                for word in heads[0]:
                    whole.setdefault(word, []).append((lex, index))
                for beginning in heads[1]:
                    beginnings.setdefault(beginning, []).append((lex, index))
        self._words = {k: tuple(v) for k, v in whole.items()}
        self._beginnings = {k: tuple(v) for k, v in beginnings.items()}
        self._anywhere_word = tuple(anywhere)
        self._by_word: dict[str, tuple[tuple[int, re.Pattern], ...]] = {}

    def _compiled(self, candidates: Iterable[tuple[int, int]]
                  ) -> tuple[tuple[int, re.Pattern], ...]:
        """(lexicon number, alternation of its candidate patterns), by lexicon."""
        by_lexicon: dict[int, set[int]] = {}
        for lex, index in candidates:
            by_lexicon.setdefault(lex, set()).add(index)
        return tuple((lex, self.lexicons[lex].compiled(tuple(sorted(indices))))
                     for lex, indices in sorted(by_lexicon.items()))

    def _entries(self, head: str) -> tuple[tuple[int, re.Pattern], ...]:
        """(lexicon number, pattern to try) for a word beginning `head`."""
        entries = self._by_head.get(head)
        if entries is None:
            table = self._table
            entries = self._compiled((*self._anywhere, *table.get(head, ()),
                                      *table.get(head[:2], ()), *table.get(head[:1], ())))
            if len(self._by_head) > _MAX_HEADS:
                self._by_head.clear()
            self._by_head[head] = entries
        return entries

    def _word_entries(self, word: str) -> tuple[tuple[int, re.Pattern], ...]:
        """(lexicon number, pattern to try) at the lower-case word `word`."""
        entries = self._by_word.get(word)
        if entries is None:
            table = self._beginnings
            entries = self._compiled((*self._anywhere_word, *self._words.get(word, ()),
                                      *table.get(word[:_PREFIX], ()), *table.get(word[:2], ()),
                                      *table.get(word[:1], ())))
            if len(self._by_word) > _MAX_HEADS:
                self._by_word.clear()
            self._by_word[word] = entries
        return entries

    def scan(self, text: str, word_starts: Sequence[int] | None = None,
             word_ends: Sequence[int] | None = None) -> Scan:
        """Every lexicon's non-overlapping matches in `text`, left to right.

        Args:
            text: the text.
            word_starts: where its words begin, if already known.
            word_ends: where those words end (`vocab.tokenize`), if known.
        """
        matches: list[list[re.Match]] = [[] for _ in self.lexicons]
        reached = [0] * len(self.lexicons)
        if word_starts is None:
            word_starts = [m.start() for m in _WORD_START.finditer(text)]
        if word_ends is None:
            run = _WORD_RUN.match
            word_ends = [run(text, pos).end() for pos in word_starts]  # type: ignore[union-attr]
        by_word, resolve_word = self._by_word, self._word_entries
        by_head, resolve = self._by_head, self._entries
        lower = text.lower()
        if len(lower) != len(text):  # case folding changed lengths: lower each word
            lower = text
        for pos, end, word in zip(word_starts, word_ends,
                                  map(lower.__getitem__, map(slice, word_starts, word_ends))):
            if lower is text:
                word = word.lower()
            if word.isascii():
                entries = by_word.get(word)
                if entries is None:
                    entries = resolve_word(word)
            else:  # case folding may change lengths: by first letters as written
                head = text[pos:pos + _PREFIX].lower()
                entries = by_head.get(head)
                if entries is None:
                    entries = resolve(head)
            for lex, pattern in entries:
                if pos < reached[lex]:
                    continue
                match = pattern.match(text, pos)
                if match is not None:
                    matches[lex].append(match)
                    reached[lex] = match.end()
        return Scan(dict(zip(self.lexicons, matches)),
                    fold(text, None if lower is text else lower))
