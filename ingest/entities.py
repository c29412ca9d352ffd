"""Where an article names entities, and which entity each name means.

Names come from the vocabulary by longest match over normalised words;
acronyms match only as written.  On top of that, per article:

- an abbreviation defined in the text ("status epilepticus (SE)") names the
  same entity wherever else the article uses it;
- a shared head is distributed over a coordination ("intraocular and
  intracranial pressure" names two entities) when both readings are known;
- "it", "this drug" and the like resolve to a drug (`anaphora`);
- "the channel", "the receptor" name the receptor the last sentences named
  (taken as names, so mechanism chains keep their target);
- a drug the article introduces ("Cetirizine is an antihistamine medicine")
  is minted when the vocabulary lacks it.

Entities of list items are found, and minted when unknown, by `items`.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from itertools import compress
from typing import Iterable

from .anaphora import ANAPHORA, resolve_anaphora
from .cues import ROLES
from .folding import has_any
from .items import mint
from .lexicon import Scan, Scanner
from .model import BlockKind, Entity, EntityType, Mention
from .segment import Segmentation
from .vocab import Vocabulary, Words, is_acronym, is_drug_class, tokenize

__all__ = ["ArticleMentions", "LEXICONS", "find_mentions"]

# Names never run across these (sentences and blocks they cannot cross anyway;
# a line break inside a wrapped paragraph does not stop a name).
_HARD_GAP = re.compile(r"[.;:!?()\[\]{}]")
_DEFINED = re.compile(r"\s*\(\s*([A-Z][A-Za-z0-9-]{1,9})\s*\)")
# What kind of name a bracket says the name before it is ("Dizocilpine (INN)").
_NAME_KINDS = frozenset({"INN", "USAN", "BAN", "JAN", "USP", "BP", "DCI", "DCF", "IUPAC"})
#: The lexicons `find_mentions` needs in the article's `Scan`.
LEXICONS = (ANAPHORA,)
_CONJUNCTIONS = frozenset({"and", "or"})
# Words that may be acronyms: a capital followed by more capitals or digits.
# (Opening with the capital lets the regex engine skip to one; the word
# boundary before it is checked looking back: 3x faster than "\b[A-Z]...".)
_CAPITALS = re.compile(r"[A-Z](?<=\b[A-Z])(?=[A-Z0-9])")
# "Cetirizine is an antihistamine medicine", "Zolmitriptan (Zomig) is a triptan drug".
_INTRODUCED = re.compile(
    r"(?P<drug>[A-Z][a-z]{3,}|[a-z]{4,})\s+(?:\([^()]{1,40}\)\s+)?"
    r"(?:is|are)\s+(?:an?|the)\s+(?:[\w-]+\s+){0,4}?(?:medicine|medication|drug|antibiotic|"
    r"antihistamine|antidepressant|painkiller|vaccine|hormone|steroid|statin|anticoagulant|"
    r"opioid|sedative|stimulant|antiviral|antifungal|antipsychotic|anticonvulsant)s?\b")
# A leaflet's product line: "Cetirizine 10 mg film-coated tablets".
_STRENGTH = re.compile(r"(?P<drug>[A-Z][a-z]{3,})(?:\s+[A-Z][a-z]+)?\s+\d+(?:[.,]\d+)?\s*"
                       r"(?:mg|mcg|micrograms?|milligrams?|g|ml|%)\b")
_NOT_DRUGS = frozenset("""this that these those there here which what it they each every
    your their another other such some many most common generic""".split())
_ATTRIBUTE = re.compile(r"(?:\s*(?:,|and|or)\s+[\w-]+(?:\s+\([^()]{0,30}\))?)?"
                        r"\s+(?:effects?|propert(?:y|ies)|actions?|activity|qualities|"
                        r"benefits?|potential)\b", re.I)
# How many earlier sentences an anaphor may reach back for its drug.
_ANTECEDENT_WINDOW = 3
_DEFINING = re.compile(r"\s*(?:\([^()]{0,60}\)\s*)?(?:,|\s(?:is|are|was)\s)")
# How many blocks from the top a title or heading may name the main drug in.
_TITLE_BLOCKS = 6
# The main drug must be named at least this many times more than the next.
_DOMINANCE = 2
# "The channel", "this receptor": a receptor named shortly before.
_TARGET_ANAPHOR = re.compile(r"\b(?:the|this|that)\s+(?:ion\s+)?(?:channel|receptor|pore)s?\b"
                             r"(?!\s+(?:of|for|to)\b)", re.I)
# The same over the folded text (`folding.fold`: its letters match as the
# text's do, and lower-casing keeps what is a word character or a space),
# case-sensitive and opening with a literal "t" (the word boundary checked
# looking back), so the regex engine skips ahead: 6x faster over an article.
_TARGET_ANAPHOR_FOLDED = re.compile(r"t(?<=\bt)h(?:e|is|at)\s+(?:ion\s+)?"
                                    r"(?:channel|receptor|pore)s?\b(?!\s+(?:of|for|to)\b)")
# "the NMDA receptor, a glutamate receptor": the second describes the first.
_APPOSITIVE = re.compile(r",\s+(?:an?|the)\s+(?:[\w-]+\s+){0,2}$")
# How many sentences back (besides its own) a target anaphor may reach.
_TARGET_WINDOW = 2
# A name is the sentence's subject when at most one of these comes before it.
_DETERMINERS = frozenset("""the a an this that these those your his her their its our my some
    many most chronic severe acute mild long-term""".split())


class ArticleMentions:
    """The entity mentions of one article, in text order.

    Attributes:
        names: mentions of names (vocabulary and defined abbreviations).
        anaphora: pronouns and descriptions resolved to a drug.
        main_drug: the drug the article is about, when one clearly dominates.
    """

    def __init__(self, names: Iterable[Mention], anaphora: Iterable[Mention],
                 main_drug: Entity | None):
        self.names = tuple(sorted(names, key=lambda m: (m.start, m.end)))
        self.anaphora = tuple(sorted(anaphora, key=lambda m: (m.start, m.end)))
        self.main_drug = main_drug
        self._all = sorted((*self.names, *self.anaphora), key=lambda m: (m.start, m.end))
        self._starts = [m.start for m in self._all]
        self._anaphor_spans = frozenset((m.start, m.end) for m in self.anaphora)

    def within(self, start: int, end: int) -> list[Mention]:
        """Mentions (names and resolved anaphora) inside `[start, end)`."""
        lo = bisect.bisect_left(self._starts, start)
        hi = bisect.bisect_left(self._starts, end)
        return [m for m in self._all[lo:hi] if m.end <= end]

    def is_anaphor(self, mention: Mention) -> bool:
        """True when the mention is a pronoun or description, not a name."""
        return (mention.start, mention.end) in self._anaphor_spans


def _gap_limits(text: str, words: Words) -> list[int]:
    """For each word, the index of the first later word a name may not reach
    (one after a sentence or bracket boundary)."""
    starts = words.starts
    # A boundary character sits before the first word that starts after it.
    hard = sorted({bisect.bisect_left(starts, m.start()) for m in _HARD_GAP.finditer(text)})
    # Word k may reach up to the first boundary word after it: runs of
    # equal limits, built a run at a time rather than a word at a time.
    limits: list[int] = []
    count = len(starts)
    for boundary in hard:
        if boundary >= count:
            break
        limits += [boundary] * (boundary - len(limits))
    limits += [count] * (count - len(limits))
    return limits


def _match_names(text: str, words: Words, limits: list[int], candidates: list[int],
                 lo: int, hi: int, vocabulary: Vocabulary, out: list[Mention]) -> None:
    """Longest-match names in words `lo` to `hi`, appended to `out`.

    Args:
        candidates: indices of the article's words that may begin a name
            (a vocabulary word, or a word in capitals), in order.
    """
    starts, ends, norms = words.starts, words.ends, words.norms
    # In a line of capitals every word looks like an acronym; match none.
    span = text[starts[lo]:ends[hi - 1]]
    caps_ok = span != span.upper()
    reached = lo
    for i in candidates[bisect.bisect_left(candidates, lo):bisect.bisect_left(candidates, hi)]:
        if i < reached:
            continue
        found = vocabulary.match(norms, i, min(limits[i], hi))
        acronym = None
        if caps_ok and text[starts[i]].isupper() and not text[starts[i] + 1:ends[i]].islower():
            acronym = vocabulary.acronym(text[starts[i]:ends[i]])
        if found and (found[1] - i > 1 or acronym is None):
            out.append(Mention(found[0], starts[i], ends[found[1] - 1]))
            reached = found[1]
        elif acronym is not None:
            out.append(Mention(acronym, starts[i], ends[i]))
            reached = i + 1


def _elliptic(words: Words, limits: list[int], conjunctions: list[int], lo: int, hi: int,
              vocabulary: Vocabulary) -> list[Mention]:
    """Names sharing a head across "and"/"or": "intraocular and intracranial
    pressure" -> "intraocular pressure", "intracranial pressure" (with any
    shared leading words, "increased ...").

    Args:
        conjunctions: indices of the article's words that are "and"/"or".
    """
    starts, ends, norms = words.starts, words.ends, words.norms
    found = []
    first_words = vocabulary.first_words
    for c in conjunctions[bisect.bisect_left(conjunctions, lo + 1):
                          bisect.bisect_left(conjunctions, hi - 2)]:
        # Every name looked up below starts at word c + 1, c - 2 or c - 3:
        # when none of them can begin a name, nothing here is found.
        if norms[c + 1] not in first_words and norms[c - 2] not in first_words \
                and (c < 3 or norms[c - 3] not in first_words):
            continue
        for head in (3, 2):
            if c + head >= hi or limits[c - 1] <= c + head:
                continue
            right = norms[c + 1:c + 1 + head]
            for shared in (2, 1, 0):
                first = c - 1 - shared
                if first < lo or limits[first] <= c:
                    continue
                prefix = norms[first:c - 1]
                left_entity = vocabulary.lookup([*prefix, norms[c - 1], *right[1:]])
                right_entity = vocabulary.lookup([*prefix, *right])
                if left_entity and right_entity and left_entity != right_entity:
                    found.append(Mention(left_entity, starts[first], ends[c - 1]))
                    found.append(Mention(right_entity, starts[c + 1], ends[c + head]))
                    break
            else:
                # Two-word modifiers sharing a final head: "serum aminotransferase
                # or alkaline phosphatase elevations".
                right_entity = vocabulary.lookup(right)
                left_entity = right_entity and next(filter(None, (
                    vocabulary.lookup([*norms[c - width:c], right[-1]])
                    for width in (2, 3) if c - width >= lo and limits[c - width] > c)), None)
                if left_entity and right_entity and left_entity != right_entity:
                    width = next(w for w in (2, 3) if vocabulary.lookup(
                        [*norms[c - w:c], right[-1]]) == left_entity)
                    found.append(Mention(left_entity, starts[c - width], ends[c - 1]))
                    found.append(Mention(right_entity, starts[c + 1], ends[c + head]))
                    break
                continue
            break
    return found


def _defined_abbreviations(text: str, names: list[Mention]) -> dict[str, Entity]:
    """Abbreviations the article defines: "status epilepticus (SE)"."""
    defined: dict[str, Entity] = {}
    for mention in names:
        after = text[mention.end:mention.end + 1]
        if after != "(" and not after.isspace():
            continue  # what _DEFINED needs first: a bracket, or spaces before one
        match = _DEFINED.match(text, mention.end)
        if match and is_acronym(match.group(1)) and match.group(1) not in _NAME_KINDS:
            defined.setdefault(match.group(1), mention.entity)
    return defined


def _introduced_drugs(segmentation: Segmentation, names: list[Mention], vocabulary: Vocabulary
                      ) -> dict[str, Entity]:
    """Drugs the vocabulary lacks that the article introduces as such at the
    start of a sentence ("Cetirizine is an antihistamine medicine", a
    leaflet's "Cetirizine 10 mg tablets"), minted as unmapped drugs so the
    article's claims keep their subject."""
    text = segmentation.text
    named = {m.start for m in names}
    found: dict[str, Entity] = {}
    for sentence in segmentation.sentences:
        for pattern in (_INTRODUCED, _STRENGTH):
            match = pattern.match(text, sentence.start, sentence.end)
            if match is None:
                continue
            word = match.group("drug")
            if match.start("drug") in named or word.lower() in _NOT_DRUGS:
                continue
            label = word if is_acronym(word) else word.lower()
            entity = found.get(label) or mint(label, EntityType.DRUG, vocabulary)
            found[label] = entity
            for form in {word, label, label.capitalize(), label.upper()}:
                found[form] = entity
    return found


def _whole_words(words: Iterable[str]) -> str:
    """A pattern for any of `words` as a whole word, like
    `\\b(?:w1|w2|...)\\b`, but opening with the words' first characters so
    that the regex engine skips to them instead of trying every word at
    every character (the word boundary is checked looking back).

    >>> import re
    >>> [m.group() for m in re.finditer(_whole_words(["SE", "SSRI", "Xanol"]), "SE, SSRIs, Xanol")]
    ['SE', 'Xanol']
    """
    by_first: dict[str, list[str]] = {}
    for word in words:
        by_first.setdefault(word[:1], []).append(re.escape(word[1:]))
    return "(?:" + "|".join(f"{re.escape(first)}(?<=\\b{re.escape(first)})(?:{'|'.join(rests)})"
                            for first, rests in by_first.items()) + r")\b"


def _uses_of(text: str, defined: dict[str, Entity], names: list[Mention]) -> list[Mention]:
    """Mentions of the article's own abbreviations and introduced drugs where
    no name is yet."""
    taken = sorted((m.start, m.end) for m in names)
    taken_starts = [a for a, _ in taken]
    found = []
    pattern = re.compile(_whole_words(defined))
    for match in pattern.finditer(text):
        at = bisect.bisect_right(taken_starts, match.start()) - 1
        if at < 0 or taken[at][1] <= match.start():
            found.append(Mention(defined[match.group()], match.start(), match.end()))
    return found


def _attributive_class(text: str, mention: Mention) -> bool:
    """A drug-class name used as an adjective ("antidepressant and anxiolytic
    effects") describes what the drug at hand does; it names no agent, so it
    is not a mention (the drug-class rule of `phrases` reads it)."""
    return (mention.entity.type is EntityType.DRUG
            and text[mention.start:mention.end].lower().rstrip("s") in ROLES
            and bool(_ATTRIBUTE.match(text, mention.end)))


def _target_anaphora(segmentation: Segmentation, names: list[Mention],
                     folded: str | None = None) -> list[Mention]:
    """"The channel", "the receptor" -> the receptor the last sentences
    named ("... a pore blocker of the NMDA receptor. The channel is
    blocked by magnesium"), so mechanism chains keep their target.  A
    receptor named as an appositive description of another is skipped.
    Taken as names: the receptor is what the description denotes."""
    text = segmentation.text
    receptors = [m for m in names if m.entity.type is EntityType.RECEPTOR]
    if not receptors or not has_any(folded, 0, len(text), ("channel", "receptor", "pore")):
        return []
    sentence_starts = [s.start for s in segmentation.sentences]
    receptor_starts = [m.start for m in receptors]
    name_spans = sorted((m.start, m.end) for m in names)
    found = []
    found_anaphors = _TARGET_ANAPHOR.finditer(text) if folded is None \
        else _TARGET_ANAPHOR_FOLDED.finditer(folded)
    for match in found_anaphors:
        at = bisect.bisect_right(name_spans, (match.start(), len(text))) - 1
        if at >= 0 and name_spans[at][1] > match.start():
            continue  # inside a name ("the NMDA receptor")
        sentence = bisect.bisect_right(sentence_starts, match.start()) - 1
        floor = sentence_starts[max(0, sentence - _TARGET_WINDOW)] if sentence >= 0 else 0
        candidates = receptors[bisect.bisect_left(receptor_starts, floor):
                               bisect.bisect_left(receptor_starts, match.start())]
        for mention in reversed(candidates):
            if not _APPOSITIVE.search(text, max(0, mention.start - 40), mention.start):
                found.append(Mention(mention.entity, match.start(), match.end()))
                break
    return found


def _main_drug(segmentation: Segmentation, names: list[Mention]) -> Entity | None:
    """The drug the article is about: the one its title or first heading
    opens with, else the one named far more often than any other, else the
    first drug that opens a sentence.  Drug classes never are."""
    text = segmentation.text
    named = [m for m in names if m.entity.type is EntityType.DRUG
             and not is_drug_class(m.entity)]
    if not named:
        return None
    starts = [m.start for m in named]
    for block in segmentation.blocks[:_TITLE_BLOCKS]:
        if block.kind not in (BlockKind.TITLE, BlockKind.HEADING):
            continue
        at = bisect.bisect_left(starts, block.start)
        if at < len(named) and named[at].end <= block.end \
                and len(text[block.start:named[at].start].split()) <= 1:
            return named[at].entity
    drugs = {m.entity.key: m.entity for m in named}
    ranked = Counter(m.entity.key for m in named).most_common(2)
    if len(ranked) == 1 or ranked[0][1] >= _DOMINANCE * ranked[1][1]:
        return drugs[ranked[0][0]]
    # The article's defining sentence: "X (brand) is a ...", "X, sold as Y, is".
    first = next((b for b in segmentation.blocks if b.kind is BlockKind.PARAGRAPH), None)
    if first is not None:
        at = bisect.bisect_left(starts, first.start)
        if at < len(named) and named[at].start == first.start \
                and _DEFINING.match(text, named[at].end, first.end):
            return named[at].entity
    return None


def find_mentions(segmentation: Segmentation, vocabulary: Vocabulary,
                  words: Words | None = None, scan: Scan | None = None) -> ArticleMentions:
    """Every entity mention of an article.

    Args:
        segmentation: the article's sentences (mentions never cross one).
        vocabulary: names to look for.
        words: the article's words, if already tokenized.
        scan: the article scanned for `LEXICONS`, if already scanned.

    Returns:
        Names, resolved anaphora and the main drug.
    """
    text = segmentation.text
    words = tokenize(text) if words is None else words
    scan = Scanner(LEXICONS).scan(text, words.starts) if scan is None else scan
    if not words:
        return ArticleMentions((), (), None)
    limits = _gap_limits(text, words)
    token_starts = words.starts
    spans = []
    for sentence in segmentation.sentences:
        lo = bisect.bisect_left(token_starts, sentence.start)
        hi = bisect.bisect_left(token_starts, sentence.end)
        if lo < hi:
            spans.append((lo, hi))
    first = vocabulary.first_words
    capitals = {bisect.bisect_left(token_starts, m.start()) for m in _CAPITALS.finditer(text)}
    # Filtered in C (`compress`), then the few capitals merged in.
    candidates = list(compress(range(len(words)), map(first.__contains__, words.norms)))
    capitals.discard(len(words))
    if capitals:
        candidates = sorted(capitals.union(candidates))
    names: list[Mention] = []
    for lo, hi in spans:
        _match_names(text, words, limits, candidates, lo, hi, vocabulary, names)
    defined = _defined_abbreviations(text, names)
    defined.update(_introduced_drugs(segmentation, names, vocabulary))
    if defined:
        names += _uses_of(text, defined, names)
    conjunctions = list(compress(range(len(words)), map(_CONJUNCTIONS.__contains__, words.norms)))
    for lo, hi in spans:
        for extra in _elliptic(words, limits, conjunctions, lo, hi, vocabulary):
            names = [m for m in names if not (m.start < extra.end and extra.start < m.end)]
            names.append(extra)
    names = [m for m in names if not _attributive_class(text, m)]
    names = sorted(names + _target_anaphora(segmentation, names, scan.folded),
                   key=lambda m: (m.start, m.end))
    main_drug = _main_drug(segmentation, names)
    return ArticleMentions(names, resolve_anaphora(segmentation, names, main_drug, token_starts,
                                                   scan), main_drug)
