"""Our search syntax, parsed without any engine: words, "phrases", -excluded
words and prefix* — nothing else, so no engine parser ever sees hostile
input (2,000 parentheses, `*a*`, operator soup are plain words here).

A query is read as a reader's question, not as a list of required words:
stop-words and question words are dropped, a run of words naming a
vocabulary entity becomes one clause with all its names, words naming a
predicate ("side effects", "used for", "how is it given": the domain
table's words) mark the clause with that predicate, and a misspelt word
also searches its correction.  The engines rank an OR of the clauses,
boosted for documents matching every word, for claims of a named predicate
and for the entities named (`base.RANKING`), so a partial match still
appears, below the full ones.

Also: spelling suggestions, and an engine-independent highlighter that
escapes text and marks matched words.
"""
from __future__ import annotations

import difflib
import functools
import html
import re
from dataclasses import dataclass, field

from ingest import domain

from ..errors import KGError

__all__ = ["MAX_QUERY_CHARS", "Clause", "Lexicon", "QueryPlan", "SearchQueryError",
           "highlight", "parse", "stem", "words"]

MAX_QUERY_CHARS = 256
_MAX_CLAUSES = 16
_MAX_WORD = 64
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)([\w][\w\'’.-]*\*?)', re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
#: Words a query drops: stop-words and the words of a question ("what",
#: "does", "how").  Entity names are matched before they are dropped ("vitamin
#: A"), and so are predicate phrases ("used for", "how is it given").
_STOP = frozenset("""a an and are as at be by for from has have in is it its of on or the to
    was were will with not no do does did done can could should would may might must shall
    what which who whom whose when where why how there this that these those than then into
    about any some i me my we our you your they them their he she his her if so such also
    just tell please vs versus after before during while because s t""".split())
_SUFFIXES = ("ational", "ization", "iveness", "fulness", "ousness", "ations", "ation",
             "ingly", "ments", "ment", "ness", "ings", "ing", "ies", "ied", "ers", "er",
             "edly", "ed", "es", "ly", "s", "e")


class SearchQueryError(KGError):
    """A search query that cannot be run (too long, nothing to search for)."""

    status = 400


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stemmer used to match query words to text words for
    highlighting (the engines stem for ranking on their own).  Remembered:
    a page's snippets and the next query's words are mostly words seen
    before, and one suffix test after another costs more than a lookup.

    >>> stem("Hallucinations") == stem("hallucination")
    True
    """
    word = word.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower() for w in _WORD.findall(text)]


@dataclass(frozen=True)
class Clause:
    """One part of the query; any alternative may satisfy it.

    Each alternative is a tuple of words: one word, or several for a phrase.
    `prefix` marks a single-word clause ending in `*`.  An `optional`
    clause (words naming a predicate or an entity type) is searched but
    does not count among the words a document must all match to rank first.
    """

    alternatives: tuple[tuple[str, ...], ...]
    prefix: bool = False
    entity: str = ""  # the vocabulary entity IRI this clause was expanded from
    predicate: str = ""  # the predicate these words name ("side effects")
    optional: bool = False


@dataclass(frozen=True)
class QueryPlan:
    text: str
    clauses: tuple[Clause, ...]
    excluded: tuple[str, ...] = ()
    mark_words: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not self.clauses

    @property
    def required(self) -> tuple[Clause, ...]:
        """The clauses a document matching the whole query matches."""
        return tuple(c for c in self.clauses if not c.optional)

    @property
    def predicates(self) -> tuple[str, ...]:
        """The predicates the query names, in its order."""
        return tuple(dict.fromkeys(c.predicate for c in self.clauses if c.predicate))


def _reader_phrases() -> dict[tuple[str, ...], str]:
    """Stemmed phrase -> the predicate it names, or "" for an entity type:
    the reader's words of the domain table (`ingest.domain`), so that
    "side effect", "side effects" and "adverse" all read as
    hasAdverseEffect, and "drugs" as a type."""
    found: dict[tuple[str, ...], str] = {}
    for predicate in domain.PREDICATES.values():
        for phrase in predicate.phrases:
            found.setdefault(tuple(stem(w) for w in words(phrase)), predicate.name)
    for kind in domain.TYPES.values():
        for phrase in (kind.label, kind.plural):
            found.setdefault(tuple(stem(w) for w in words(phrase)), "")
    return found


#: The domain table's reader words, stemmed (see `_reader_phrases`).
_READER_PHRASES = _reader_phrases()
_LONGEST_PHRASE = max(map(len, _READER_PHRASES))
_READER_STEMS = frozenset(w for phrase in _READER_PHRASES for w in phrase)


class Lexicon:
    """Surface forms of entities (for synonym expansion and autocomplete)
    and the words of the collection (for spelling suggestions)."""

    def __init__(self, entities: dict[str, tuple[str, ...]] | None = None,
                 extra_words: set[str] | None = None,
                 with_claims: frozenset[str] = frozenset()):
        """Args:
            entities: entity IRI -> all its surface forms (label first).
            extra_words: other known words (article titles...).
            with_claims: the entities some claim names; `complete` offers
                them first (a reader picking a name wants a page that says
                something).
        """
        self.entities = entities or {}
        self.with_claims = with_claims
        self.by_form: dict[tuple[str, ...], str] = {}
        for iri, forms in sorted(self.entities.items()):
            for form in forms:
                key = tuple(words(form))
                if key:
                    self.by_form.setdefault(key, iri)
        self.longest = max((len(k) for k in self.by_form), default=1)
        vocabulary = {w for k in self.by_form for w in k if len(w) > 2}
        vocabulary |= {w for w in (extra_words or ()) if len(w) > 2 and w.isalpha()}
        self.known = frozenset(vocabulary)
        self.known_stems = frozenset(map(stem, vocabulary))
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(vocabulary):
            self._by_length.setdefault(len(word), []).append(word)
        self._closest: dict[str, str | None] = {}

    def suggest(self, text: str) -> str | None:
        """The query with misspelt words replaced by known ones (`correct`),
        or None when no word needs it.

        >>> Lexicon({"e:1": ("ketamine",)}).suggest("side effects of ketamin")
        'side effects of ketamine'
        """
        changed, out = False, []
        for word in text.split():
            close = self.correct(word.strip('"-*?!.,;:'))
            if close:
                out.append(close)
                changed = True
            else:
                out.append(word)
        return " ".join(out) if changed else None

    def correct(self, word: str) -> str | None:
        """The known word closest to a misspelt `word`, or None when it is
        not misspelt: known (in any form: "drugs" for "drug"), a stop-word, a
        reader's word of the domain table ("cause", "treat"), short, not
        purely letters, or nothing is close.

        >>> Lexicon({"e:1": ("ketamine",)}).correct("Ketamin")
        'ketamine'
        >>> Lexicon({"e:1": ("ketamine",)}).correct("treat") is None
        True
        """
        bare = word.lower()
        if len(bare) <= 3 or not bare.isalpha() or bare in self.known or bare in _STOP:
            return None
        root = stem(bare)
        if root in _READER_STEMS or (root != bare and root in self.known_stems):
            return None  # (a word that is its own stem may be a known one cut short)
        return self._closest_word(bare)

    def _closest_word(self, word: str) -> str | None:
        """difflib's closest known word (ratio >= 0.8), remembered.  Only
        words whose length allows that ratio are compared (difflib's own
        first test, 2 * min(len) / sum(len) >= 0.8, done per length instead
        of per word): a tenth of the vocabulary for most words."""
        if word in self._closest:
            return self._closest[word]
        size = len(word)
        candidates = [known for length, group in self._by_length.items()
                      if 2.0 * min(size, length) / (size + length) >= 0.8 for known in group]
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.8)
        if len(self._closest) >= 4096:
            self._closest.clear()
        self._closest[word] = close[0] if close else None
        return self._closest[word]

    def complete(self, prefix: str, limit: int = 10) -> list[tuple[str, str]]:
        """(surface form, entity IRI) pairs whose form starts with `prefix`
        (or has a word starting so): entities some claim names first, then
        forms starting with it, labels before synonyms, shortest first.

        >>> Lexicon({"e:1": ("ketamine",), "e:2": ("ketamine cystitis",)},
        ...         with_claims=frozenset({"e:2"})).complete("ket")
        [('ketamine cystitis', 'e:2'), ('ketamine', 'e:1')]
        """
        key = " ".join(words(prefix))
        if not key:
            return []
        found: dict[str, tuple[int, int, str]] = {}
        for iri, forms in self.entities.items():
            for rank, form in enumerate(forms):
                norm = " ".join(words(form))
                if norm.startswith(key) or f" {key}" in f" {norm}":
                    best = found.get(iri)
                    candidate = (0 if norm.startswith(key) else 1, min(rank, 1), form)
                    if best is None or candidate < best:
                        found[iri] = candidate
        ranked = sorted(found.items(), key=lambda item: (
            item[0] not in self.with_claims, item[1][0], item[1][1], len(item[1][2]),
            item[1][2].lower()))
        return [(value[2], iri) for iri, value in ranked[:limit]]


def parse(text: str, lexicon: Lexicon | None = None) -> QueryPlan:
    """Turn user text into a QueryPlan.

    Raises:
        SearchQueryError: over MAX_QUERY_CHARS characters.

    >>> [c.alternatives for c in parse('nmda "dissociative anaesthetic" -horse').clauses]
    [(('nmda',),), (('dissociative', 'anaesthetic'),)]
    """
    if len(text) > MAX_QUERY_CHARS:
        raise SearchQueryError(f"the query is {len(text)} characters long; "
                               f"the limit is {MAX_QUERY_CHARS}")
    lexicon = lexicon or Lexicon()
    clauses: list[Clause] = []
    excluded: list[str] = []
    pending: list[str] = []  # plain words, grouped later for synonym matching
    plain: list[str] = []  # every plain word

    def flush() -> None:
        clauses.extend(_expand(pending, lexicon))
        pending.clear()

    for match in _TOKEN.finditer(text):
        negative_phrase, phrase, negative, token = match.groups()
        if phrase is not None:
            flush()
            tokens = tuple(words(phrase))[:_MAX_CLAUSES]
            if negative_phrase:
                excluded.extend(tokens)
            elif tokens:
                clauses.append(Clause((tokens,)))
            continue
        token = token.strip(".'’-")
        if not token:
            continue
        if negative:
            flush()
            excluded.extend(words(token))
        elif token.endswith("*") and len(token.rstrip("*")) >= 2:
            flush()
            stem_words = words(token.rstrip("*"))
            if len(stem_words) == 1 and len(stem_words[0]) <= _MAX_WORD:
                clauses.append(Clause(((stem_words[0],),), prefix=True))
        else:
            pending.extend(w for w in words(token) if len(w) <= _MAX_WORD)
            plain.extend(w for w in words(token) if len(w) <= _MAX_WORD)
    flush()
    if not clauses and not excluded and len(plain) > 1:
        # Nothing but stop-words ("to be or not to be", "the who"): the words
        # as a phrase (engines that index stop-words find it; whoosh does
        # not).  One stop-word alone ("the", "*a*") searches nothing.
        clauses.append(Clause((tuple(plain[:_MAX_CLAUSES]),)))
    clauses = clauses[:_MAX_CLAUSES]
    marks = frozenset(stem(w) for c in clauses for alt in c.alternatives for w in alt
                      if w not in _STOP)
    return QueryPlan(text, tuple(clauses), tuple(excluded[:_MAX_CLAUSES]), marks)


def _expand(tokens: list[str], lexicon: Lexicon) -> list[Clause]:
    """Group plain words into clauses, at each word taking the longest of:
    a run of words naming a vocabulary entity (one clause whose
    alternatives are all that entity's forms; misspelt words are read as
    their correction), a phrase of the domain table naming a predicate or an
    entity type (an optional clause, marked with the predicate), or one
    word (with its correction as a second alternative).  Stop-words left
    over are dropped."""
    fixed = [lexicon.correct(t) or t for t in tokens]
    stems = [stem(t) for t in fixed]
    clauses, i = [], 0
    while i < len(tokens):
        size, iri = _entity_at(fixed, i, lexicon)
        reader = next(((n, _READER_PHRASES[tuple(stems[i:i + n])])
                       for n in range(min(_LONGEST_PHRASE, len(tokens) - i), 0, -1)
                       if tuple(stems[i:i + n]) in _READER_PHRASES), None)
        typed = tuple(tokens[i:i + max(size, 1)])
        if iri and (reader is None or size >= reader[0]):
            forms = {tuple(words(f)) for f in lexicon.entities[iri]}
            forms.discard(())
            first = list(dict.fromkeys([typed, tuple(fixed[i:i + size])]))
            ordered = first + sorted(forms - set(first))
            clauses.append(Clause(tuple(ordered[:12]), entity=iri))
            i += size
        elif reader is not None:
            size, predicate = reader
            clauses.append(Clause((tuple(tokens[i:i + size]),), predicate=predicate,
                                  optional=True))
            i += size
        else:
            if tokens[i] not in _STOP:
                clauses.append(Clause(tuple(dict.fromkeys([typed, (fixed[i],)]))))
            i += 1
    return clauses


def _entity_at(tokens: list[str], i: int, lexicon: Lexicon) -> tuple[int, str]:
    """(word count, IRI) of the longest entity name starting at word `i`,
    or (0, "")."""
    for size in range(min(lexicon.longest, len(tokens) - i), 0, -1):
        iri = lexicon.by_form.get(tuple(tokens[i:i + size]))
        if iri is not None:
            return size, iri
    return 0, ""


@functools.lru_cache(maxsize=256)
def _candidates(stems: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    """Patterns finding the words that start like a stem: one for lower-cased
    text (no IGNORECASE, and a first-letter look-ahead the regex engine skips
    along with: about 3x faster on an article) and one for any case."""
    prefixes = sorted({s[:4] for s in stems})
    alternatives = "|".join(re.escape(p) for p in prefixes)
    firsts = "".join(sorted({re.escape(p[0]) for p in prefixes}))
    return (re.compile(rf"\b(?=[{firsts}])(?:{alternatives})\w*", re.UNICODE),
            re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE | re.UNICODE))


def highlight(text: str, plan: QueryPlan, width: int = 220) -> str:
    """An HTML snippet of `text` around the best-matching words: everything
    escaped, matched words wrapped in <mark>.

    >>> highlight("Ketamine <b>blocks</b> NMDA receptors.", parse("nmda receptor"))
    'Ketamine &lt;b&gt;blocks&lt;/b&gt; <mark>NMDA</mark> <mark>receptors</mark>.'
    """
    prefixes = [c.alternatives[0][0] for c in plan.clauses if c.prefix]
    stems = sorted(plan.mark_words | set(prefixes), key=len, reverse=True)
    spans = []
    if stems:
        # One regex pass finds candidate words; only those are stemmed.
        lower, anycase = _candidates(tuple(stems))
        folded = text.lower()
        # (lower-casing keeps offsets unless a character grows, as "İ" does)
        found = lower.finditer(folded) if len(folded) == len(text) else anycase.finditer(text)
        for match in found:
            word = stem(text[match.start():match.end()])
            if word in plan.mark_words or any(word.startswith(p) for p in prefixes):
                spans.append((match.start(), match.end()))
    if len(text) <= width:
        start, end = 0, len(text)
    elif spans:
        best, start, last = 0, 0, 0
        for first, (s, _) in enumerate(spans):  # the window holding the most marks
            last = max(last, first)
            while last + 1 < len(spans) and spans[last + 1][0] < s + width:
                last += 1
            if last - first + 1 > best:
                best, start = last - first + 1, max(0, s - width // 4)
        end = min(len(text), start + width)
    else:
        start, end = 0, width
    out, pos = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(html.escape(text[pos:s], quote=False))
        out.append("<mark>" + html.escape(text[s:e], quote=False) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end], quote=False))
    snippet = "".join(out).replace("\n", " ")
    return ("…" if start > 0 else "") + snippet + ("…" if end < len(text) else "")
