"""Where an article names entities, and which entity each name means.

Names come from the vocabulary by longest match over normalised words;
acronyms match only as written.  On top of that, per article:

- an abbreviation defined in the text ("status epilepticus (SE)") names the
  same entity wherever else the article uses it;
- a shared head is distributed over a coordination ("intraocular and
  intracranial pressure" names two entities) when both readings are known;
- "it", "its", bare "this" and descriptions such as "the drug" or "this
  medicine" resolve to the drug the text is about: the latest drug named
  nearby, else the article's main drug when one drug clearly dominates.

Entities the vocabulary lacks are minted only where the type is known from
context (items of a typed list), by `item_entities`.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from .cues import ROLES
from .lexicon import Scan, Scanner, WordPatterns
from .model import BlockKind, Entity, EntityType, Mention
from .segment import Segmentation
from .vocab import Vocabulary, Words, is_acronym, slug, tokenize

__all__ = ["ANAPHORA", "ArticleMentions", "LEXICONS", "find_mentions", "item_entities",
           "item_phrases", "mint"]

# Names never run across these (sentences and blocks they cannot cross anyway;
# a line break inside a wrapped paragraph does not stop a name).
_HARD_GAP = re.compile(r"[.;:!?()\[\]{}]")
_DEFINED = re.compile(r"\s*\(\s*([A-Z][A-Za-z0-9-]{1,9})\s*\)")
_IT, _THEY, _THE_DRUG = "it", "they", "the drug"  # kinds of anaphor
#: The anaphora lexicon, one pattern per kind above.
ANAPHORA = WordPatterns([
    r"it|its|this(?=\s+(?:is|was|can|may|might|could|will|would|should|has|does|did|also|as|"
    r"works|acts|helps|causes|belongs|leads|results|means|makes|allows|triggers|increases|"
    r"reduces|lowers|raises|blocks)\b)",
    r"they|them",
    r"(?:the|this|that)\s+(?:(?:first|second|third|next|initial|last|same|single|nasal|oral|"
    r"active)\s+(?:or\s+[a-z]+\s+)?)?(?:drug|medicine|medication|treatment|therapy|injection|"
    r"infusion|tablet|pill|capsule|spray)\b(?!\s+(?:of|for|with|plan)\b)"
    r"|(?:long-term|prolonged|regular|frequent|chronic|heavy|excessive|repeated)\s+use"
    r"(?!\s+of\b)"])
_KINDS = (_IT, _THEY, _THE_DRUG)
#: The lexicons `find_mentions` needs in the article's `Scan`.
LEXICONS = (ANAPHORA,)
_CONJUNCTIONS = frozenset({"and", "or"})
# Words that may be acronyms: a capital followed by more capitals or digits.
_CAPITALS = re.compile(r"\b[A-Z](?=[A-Z0-9])")
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
_COORDINATED_DRUGS = re.compile(r"\s*(?:,|\band\b|\bor\b|&|/)\s*(?:\w+\s+)?", re.I)
_ATTRIBUTE = re.compile(r"(?:\s*(?:,|and|or)\s+[\w-]+(?:\s+\([^()]{0,30}\))?)?"
                        r"\s+(?:effects?|propert(?:y|ies)|actions?|activity|qualities|"
                        r"benefits?|potential)\b", re.I)
# How many earlier sentences an anaphor may reach back for its drug.
_ANTECEDENT_WINDOW = 3
# The main drug must be named at least this many times more than the next.
_DOMINANCE = 2
# A name is the sentence's subject when at most one of these comes before it.
_DETERMINERS = frozenset("""the a an this that these those your his her their its our my some
    many most chronic severe acute mild long-term""".split())

_EXPLANATION = re.compile(r"\s+[–—-]\s+|[:;(]|,\s+(?:which|that|who|especially|usually|"
                          r"often|sometimes|such as|for example|e\.g\.)\b|"
                          r"\s+(?:during|after|when|while|within|until|especially|usually)\b")
_CLAUSE = re.compile(r"\b(?:is|are|was|were|be|been|can|could|may|might|will|would|should|"
                     r"must|do|does|did|have|has|had|you|your|if|when|which|who|that|"
                     r"call|contact|tell|stop|seek|get|see)\b", re.I)
_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or|and/or)\s+")
_PREPOSITION = re.compile(r"\b(?:of|in|on|to|with|from|for|at|by|about)\b", re.I)
_DETERMINER = re.compile(r"^(?:a|an|the|some|any|your|their|its)\s+", re.I)
_MAX_MINTED_WORDS = 6
# Words a list item may add around a known name without naming something else.
_FILLER = frozenset("""a an the and or nor of in on to with from for by at as one s your their its
    his her mild moderate severe serious slight occasional frequent persistent sudden unusual
    extreme very some any other possible rare common lot lots much too more excessive""".split())
_MAX_CONJUNCT_WORDS = 4


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
    hard = {bisect.bisect_left(starts, m.start()) for m in _HARD_GAP.finditer(text)}
    limits = [len(starts)] * len(starts)
    nxt = len(starts)
    for k in range(len(starts) - 1, -1, -1):
        limits[k] = nxt
        if k in hard:
            nxt = k
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
    for c in conjunctions[bisect.bisect_left(conjunctions, lo + 1):
                          bisect.bisect_left(conjunctions, hi - 2)]:
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
                continue
            break
    return found


def _defined_abbreviations(text: str, names: list[Mention]) -> dict[str, Entity]:
    """Abbreviations the article defines: "status epilepticus (SE)"."""
    defined = {}
    for mention in names:
        match = _DEFINED.match(text, mention.end)
        if match and is_acronym(match.group(1)):
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


def _uses_of(text: str, defined: dict[str, Entity], names: list[Mention]) -> list[Mention]:
    """Mentions of the article's own abbreviations and introduced drugs where
    no name is yet."""
    taken = sorted((m.start, m.end) for m in names)
    taken_starts = [a for a, _ in taken]
    found = []
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, defined)) + r")\b")
    for match in pattern.finditer(text):
        at = bisect.bisect_right(taken_starts, match.start()) - 1
        if at < 0 or taken[at][1] <= match.start():
            found.append(Mention(defined[match.group()], match.start(), match.end()))
    return found


def _attributive_class(text: str, mention: Mention) -> bool:
    """A drug-class name used as an adjective ("antidepressant and anxiolytic
    effects") describes what the drug at hand does; it names no agent, so it
    is not a mention (the drug-class rule of `phrases` reads it)."""
    word = text[mention.start:mention.end].lower()
    return (mention.entity.type is EntityType.DRUG and word.rstrip("s") in ROLES
            and bool(_ATTRIBUTE.match(text, mention.end)))


def _main_drug(names: list[Mention]) -> Entity | None:
    drugs = {m.entity.key: m.entity for m in names if m.entity.type is EntityType.DRUG}
    ranked = Counter(m.entity.key for m in names
                     if m.entity.type is EntityType.DRUG).most_common(2)
    if not ranked:
        return None
    if len(ranked) == 1 or ranked[0][1] >= _DOMINANCE * ranked[1][1]:
        return drugs[ranked[0][0]]
    return None


@dataclass(frozen=True)
class _Said:
    """What an earlier sentence offers as an antecedent."""

    drugs: tuple[Entity, ...]      # drugs it names or refers to, in order
    subject: Entity | None         # its subject, when that is one drug alone
    other_subject: bool            # it opens with a name that is not a drug
    plural: bool = False           # its subject is written in the plural ("SSRIs")


def _subject_drug(text: str, mentions: list[Mention], sentence_start: int,
                  token_starts: list[int]) -> tuple[Mention | None, bool]:
    """(the sentence's subject if it is a single drug, whether it opens with a
    non-drug name) from where its first mention sits."""
    if not mentions:
        return None, False
    opening = mentions[0]
    first = bisect.bisect_left(token_starts, sentence_start)
    before = bisect.bisect_left(token_starts, opening.start) - first
    if before > 1 or (before == 1 and text[token_starts[first]:opening.start].split()[0].lower()
                      not in _DETERMINERS):
        return None, False
    if opening.entity.type is not EntityType.DRUG:
        return None, True
    after = mentions[1] if len(mentions) > 1 else None
    coordinated = after is not None and after.entity.type is EntityType.DRUG \
        and _COORDINATED_DRUGS.fullmatch(text, opening.end, after.start)
    return (None if coordinated else opening), False


def _resolve_anaphora(segmentation: Segmentation, names: list[Mention],
                      main_drug: Entity | None, token_starts: list[int], scan: Scan
                      ) -> list[Mention]:
    """Pronouns and drug descriptions -> the drug they refer to."""
    text = segmentation.text
    starts = [m.start for m in names]
    anaphors = [(m.start(), m.end(), _KINDS[ANAPHORA.index(m)])
                for m in scan.between(ANAPHORA, 0, len(text))]
    anaphor_starts = [a[0] for a in anaphors]
    resolved: list[Mention] = []
    history: list[_Said] = []
    for sentence in segmentation.sentences:
        inside = names[bisect.bisect_left(starts, sentence.start):
                       bisect.bisect_left(starts, sentence.end)]
        found = [a for a in anaphors[bisect.bisect_left(anaphor_starts, sentence.start):
                                     bisect.bisect_left(anaphor_starts, sentence.end)]
                 if a[1] <= sentence.end]
        here = list(inside)
        for start, end, kind in found:
            if any(m.start < end and start < m.end for m in inside):
                continue
            before = sorted((m for m in here if m.start < start), key=lambda m: m.start)
            recent = [*history, _said(text, before, sentence.start, token_starts)]
            drug = (_plural_antecedent(recent) if kind is _THEY
                    else _antecedent(recent, kind is _IT, main_drug))
            if drug is not None:
                mention = Mention(drug, start, end)
                resolved.append(mention)
                here.append(mention)
        if segmentation.kind(sentence) is not BlockKind.LIST_ITEM:
            here.sort(key=lambda m: m.start)
            history.append(_said(text, here, sentence.start, token_starts))
    return resolved


def _said(text: str, mentions: list[Mention], sentence_start: int,
          token_starts: list[int]) -> _Said:
    subject, other = _subject_drug(text, mentions, sentence_start, token_starts)
    written = text[subject.start:subject.end] if subject else ""
    return _Said(tuple(m.entity for m in mentions if m.entity.type is EntityType.DRUG),
                 subject.entity if subject else None, other,
                 written.endswith("s") and not written.endswith("ss"))


def _plural_antecedent(history: list[_Said]) -> Entity | None:
    """"They" refers to a drug class just named as a subject in the plural
    ("Benzodiazepines are controlled. They can be addictive."), else to
    nothing: it is as likely to be patients or doctors."""
    for said in reversed(history[-2:]):
        if said.plural:
            return said.subject
        if said.drugs or said.other_subject:
            return None
    return None


def _antecedent(history: list[_Said], pronoun: bool, main_drug: Entity | None) -> Entity | None:
    """The drug an anaphor refers to: the one drug of the nearest sentence
    (the anaphor's own, so far, first) that names any, or when it names
    several, its subject or else the main drug among them; with no drug
    nearby, the main drug."""
    for back, said in enumerate(reversed(history[-_ANTECEDENT_WINDOW - 1:])):
        if said.drugs:
            if len({d.key for d in said.drugs}) == 1:
                return said.drugs[0]
            if said.subject is not None:
                return said.subject
            # Several drugs: the article's topic if among them, else ambiguous
            # ("Aspirin and warfarin both thin the blood. The drug ...").
            return main_drug if main_drug in said.drugs else None
        # "Depression is common. It can cause ...": "it" is depression.
        if back <= 1 and said.other_subject and pronoun:
            return None
    return main_drug


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
    candidates = [i for i, norm in enumerate(words.norms) if norm in first or i in capitals]
    names: list[Mention] = []
    for lo, hi in spans:
        _match_names(text, words, limits, candidates, lo, hi, vocabulary, names)
    defined = _defined_abbreviations(text, names)
    defined.update(_introduced_drugs(segmentation, names, vocabulary))
    if defined:
        names += _uses_of(text, defined, names)
    conjunctions = [i for i, norm in enumerate(words.norms) if norm in _CONJUNCTIONS]
    for lo, hi in spans:
        for extra in _elliptic(words, limits, conjunctions, lo, hi, vocabulary):
            names = [m for m in names if not (m.start < extra.end and extra.start < m.end)]
            names.append(extra)
    names = sorted((m for m in names if not _attributive_class(text, m)),
                   key=lambda m: (m.start, m.end))
    main_drug = _main_drug(names)
    return ArticleMentions(names, _resolve_anaphora(segmentation, names, main_drug, token_starts,
                                                    scan), main_drug)


def mint(label: str, etype: EntityType, vocabulary: Vocabulary) -> Entity:
    """A new, unmapped entity for a name the vocabulary lacks.

    The key is the label's slug; should a vocabulary entity own that key
    already, the type is appended so the two never merge.

    >>> mint("Dry mouth", EntityType.ADVERSE_EFFECT, Vocabulary([])).key
    'dry-mouth'
    """
    key = slug(label)
    if key in vocabulary:
        key = f"{key}-{slug(etype.value)}"
    return Entity(key=key, label=label, type=etype, mapped=False)


def item_phrases(text: str, start: int, end: int, split: bool = False
                 ) -> list[tuple[str, int, int]]:
    """Noun phrases a list item names, to mint when the vocabulary has none.

    The explanation after a dash, colon or bracket is dropped, a coordination
    is split ("Nausea and vomiting" -> two) unless it sits inside a
    prepositional phrase ("swelling of the lips or tongue" stays one) or
    `split` is False, and anything that reads as a clause yields nothing.

    Args:
        text: the article text.
        start: the item's first character.
        end: one past its last character.
        split: split every coordination, even inside a prepositional phrase.

    Returns:
        (label, start, end) per phrase; the label is lower-cased unless it is
        an acronym.

    >>> t = "Nausea and vomiting - tell your doctor"
    >>> item_phrases(t, 0, len(t))
    [('nausea', 0, 6), ('vomiting', 11, 19)]
    """
    cut = _EXPLANATION.search(text, start, end)
    stop = cut.start() if cut else end
    while stop > start and not text[stop - 1].isalnum() and text[stop - 1] not in ")]":
        stop -= 1
    head = text[start:stop]
    words = head.split()
    if not words or len(words) > 2 * _MAX_MINTED_WORDS or _CLAUSE.search(head):
        return []
    pieces = []
    pos = 0
    for sep in _SPLIT.finditer(head):
        pieces.append((pos, sep.start()))
        pos = sep.end()
    pieces.append((pos, len(head)))
    parts = [head[a:b] for a, b in pieces]
    nested = len(parts) > 1 and _PREPOSITION.search(parts[0]) and not any(
        _PREPOSITION.search(p) for p in parts[1:])
    if (nested and not split) or any(len(p.split()) > _MAX_CONJUNCT_WORDS for p in parts):
        pieces = [(0, len(head))]
    phrases = []
    for a, b in pieces:
        phrase = head[a:b]
        determiner = _DETERMINER.match(phrase)
        if determiner:
            a += determiner.end()
            phrase = head[a:b]
        if not phrase or len(phrase.split()) > _MAX_MINTED_WORDS \
                or not any(ch.isalpha() for ch in phrase):
            continue
        label = phrase if is_acronym(phrase.split()[0]) else phrase[0].lower() + phrase[1:]
        phrases.append((label, start + a, start + b))
    return phrases


def _covers(text: str, start: int, end: int, mentions: list[Mention]) -> bool:
    """Whether every word of `text[start:end]` but filler lies in a mention."""
    words = tokenize(text, start, end)
    for word_start, word_end in zip(words.starts, words.ends):
        if text[word_start:word_end].lower() in _FILLER:
            continue
        if not any(m.start <= word_start and word_end <= m.end for m in mentions):
            return False
    return True


def item_entities(text: str, start: int, end: int, known: list[Mention], others: list[Mention],
                  etype: EntityType | None, vocabulary: Vocabulary
                  ) -> tuple[list[Mention], list[Mention]]:
    """The entities a list item names.

    Known names are used when they account for the item's name (the part
    before any explanation); a phrase they only partly cover ("period pain"
    where only "pain" is known) is a different thing and is minted, as is an
    item with no known name.  A coordination is split where that frees a
    known name ("a feeling of warmth or flushing"); a phrase that names a
    known thing of another type is not minted.

    Args:
        text: the article text.
        start: the item's first character.
        end: one past its last character.
        known: mentions of fitting type inside the item.
        others: mentions of other types inside the item.
        etype: the type to mint with; None mints nothing.
        vocabulary: keeps minted keys apart from vocabulary keys.

    Returns:
        (mentions to use, of which those minted).
    """
    cut = _EXPLANATION.search(text, start, end)
    if known and _covers(text, start, cut.start() if cut else end, known):
        return known, []
    phrases = item_phrases(text, start, end)
    split = item_phrases(text, start, end, split=True)
    if len(split) > len(phrases) and any(
            m.start == a and m.end == b for _, a, b in split for m in known):
        phrases = split
    if not phrases:
        return known, []
    # A known name in the gloss ("feeling very happy (euphoria)") is what an
    # unknown head means.
    glossed = [m for m in known if cut is not None and m.start >= cut.start()]
    used: list[Mention] = []
    minted = []
    for label, a, b in phrases:
        inside = [m for m in known if a <= m.start and m.end <= b]
        if inside and _covers(text, a, b, inside):
            used += inside
        elif glossed:
            used += [m for m in glossed if m not in used]
        elif etype is not None and not _covers(text, a, b, [m for m in others
                                                            if a <= m.start and m.end <= b]):
            minted.append(Mention(mint(label, etype, vocabulary), a, b))
    return used + minted, minted
