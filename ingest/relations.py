"""Relations stated by one sentence: predicate cues and their arguments.

For each cue (see `cues`) the subject and objects are found among the
sentence's entity mentions by position, type and a few syntactic barriers:

- objects are the first mention of a fitting type on the object side plus
  those coordinated with it ("nausea, an upset stomach, and vomiting"),
  never past the clause or the next cue;
- the subject is the nearest fitting mention on the subject side, unless a
  relative pronoun puts the cue in a clause about something else ("epilepsy
  that can cause brain damage") or another, unnamed drug intervenes
  ("combine it with another medication to prevent ...");
- "is lowered", "was treated with" swap the sides (passive);
- a participle clause opening the sentence takes the main clause's subject
  ("When used in surgery, ketamine ...").

A cue left without objects at the end of a lead-in ("... including the
following:") becomes a `Frame` that the list after it completes.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import AbstractSet, Sequence

from .clauses import Clause, clauses
from .cues import CUE_WORDS, Cue, Options, Side, cue_for
from .entities import ArticleMentions
from .folding import ends_with, has_any
from .lexicon import Scan
from .model import PREDICATES, Entity, EntityType, Mention, Modality
from .inline import inline_items
from .modality import assess, negation_scopes
from .vocab import Vocabulary, is_drug_class

__all__ = ["Frame", "Relation", "SentenceContext", "choose_predicate", "cue_relations",
           "described_drug", "instance_of", "is_lead_in", "tail"]

# Each *_WORDS or *_ENDINGS tuple below lists what the pattern after it cannot
# match without (`folding` pre-checks; tests/ingest/test_folding.py).
_BE_ENDINGS = ("is", "are", "was", "were", "be", "been", "being", "get", "gets", "got", "ly",
               "not", "also", "often", "usually", "initially", "then", "now", "still",
               "sometimes")
_BE = re.compile(r"\b(?:is|are|was|were|be|been|being|get|gets|got)\s+"
                 r"(?:(?:\w+ly|not|also|often|usually|initially|then|now|still|sometimes)\s+)*$",
                 re.I)
_PARTICIPLE = re.compile(r"(?:ed|en|wn)\b", re.I)
_RELATIVE_WORDS = ("which", "who", "that")
_RELATIVE = re.compile(r"\b(?:which|who|that)\b", re.I)
_OTHER_WORDS = ("other", "different", "additional", "second")  # what _OTHER_AGENT needs
_OTHER_AGENT = re.compile(
    r"\b(?:another|other|a different|additional|a second)\s+(?:\w+\s+)?(?:medications?|"
    r"drugs?|medicines?|treatments?|therap(?:y|ies)|agents?)\b", re.I)
_LIST_SEPARATOR = re.compile(r",|;|\b(?:and|or|nor)\b", re.I)
_CLAUSE_WORD = re.compile(r"\b(?:is|are|was|were|can|may|will|which|who|that|because|when|"
                          r"if|but|has|have|had|do|does)\b", re.I)
_CONJUNCTION = re.compile(r"\b(?:and|or|nor|as well as|plus|such as|like|including)\b|&",
                          re.I)
# A class and its examples: "SSRIs such as sertraline", "beta blockers like propranolol".
_EXAMPLES = re.compile(r",?\s+(?:such as|like|including|e\.g\.,?)\s+", re.I)
_GERUND_WORDS = ("by", "through", "via", "thereby", "while")
_GERUND_ADJUNCT = re.compile(r"\b(?:by|through|via|thereby|while)\s+$", re.I)
_COPULA_BEFORE = re.compile(r"(?:\b(?:is|are|was|were)\s+(?:not\s+)?(?:an?|one|the)\s+"
                            r"(?:(?:type|kind|class|group|form)\s+of\s+(?:an?\s+)?)?"
                            r"|\bbelongs?\s+to\s+(?:an?|the)\s+(?:[\w-]+\s+){1,3}"
                            r"(?:called|known\s+as|named)\s+)"
                            r"(?:[\w-]+\s+){0,2}$", re.I)
_COPULA = re.compile(r"^(?:is|are|was|were)\s+(?:an?|the)\s+[\w\s-]{0,40}$", re.I)
_MAX_LIST_ITEM_WORDS = 3
_ADJACENT = re.compile(r"\s*(?:[\w-]+\s+){0,3}")
# The last word of a measure's name; "high blood pressure" names a condition.
_MEASURE = re.compile(r"^(?:[\w-]+\s+)?(?:pressure|rate|level|temperature|count|output|"
                      r"volume|flow|tone)s?$", re.I)
# A cue right after one of these heads an adjunct ("after taking X"), not a
# new predicate, so it does not end the search for the previous cue's subject.
_ADJUNCT_WORDS = ("after", "before", "while", "when", "by", "from", "of", "on", "without",
                  "since", "upon", "for")
_ADJUNCT_VERB = re.compile(r"\b(?:after|before|while|when|by|from|of|on|without|since|upon|"
                           r"for)\s+$", re.I)
_COORDINATION = re.compile(
    r"^(?:[\s,/()\[\]]|\b(?:and|or|nor|as|an?|the|other|also|even|both|either|neither|for|"
    r"including|especially|particularly|like|such|plus|well|its|their|some|certain|possibly|"
    r"sometimes|then|more|less|mild|severe|rarely|often|in|rare|cases|acute|chronic|moderate|"
    r"major|minor|extreme|serious|significant|marked|profound|persistent|sudden)\b)*$", re.I)
_MAX_COORDINATION_WORDS = 4
_SUBORDINATOR = re.compile(r"(?:when|whenever|if|because|although|though|while|since|as|"
                           r"after|before|unless|once|until|whereas|where|even though)\b", re.I)
# The type an unknown item of a list after a cue is minted with, by the cue's
# first predicate.
_MINT_TYPES = {"hasAdverseEffect": EntityType.ADVERSE_EFFECT, "treats": EntityType.CONDITION}
# "X and Y are (among) the most common side effects": the list before names them.
_LIST_BEFORE_NOMINAL = re.compile(r"\b(?:is|are|was|were)\s+(?:among\s+|also\s+|one\s+of\s+)?"
                                  r"(?:the\s+)?(?:most\s+|more\s+|very\s+)?(?:[\w-]+\s+){0,2}$",
                                  re.I)
# A verb right after a coordinated name makes it the subject of a new clause.
_CLAUSE_AFTER = re.compile(r"(?:\s+(?!and\b|or\b)[\w-]+){0,3}?\s+(?:has|have|had|is|are|was|"
                           r"were|can|may|might|will|would|should|could|does|do|did)\b", re.I)
_SEE = re.compile(r"\(\s*(?:see|cf\.?|compare)\b", re.I)
# What qualifies an item of a list ("agitation associated with psychosis").
_QUALIFIER = re.compile(r"\s+(?:associated\s+with|caused\s+by|due\s+to|related\s+to|"
                        r"secondary\s+to|in)\s+(?:the\s+)?", re.I)
# Who a drug must not be given to: a warning, not a denial that it treats.
_CONTRAINDICATION = re.compile(r"\b(?:people|patients|persons|those|anyone|individuals|children|"
                               r"adults|women|men)\s+(?:\w+\s+)?(?:with|who|having)\b", re.I)
# An agent the article's drug is not: "medications used to treat ...".
_GENERIC_AGENT = re.compile(r"\b(?:medications?|medicines?|drugs?|treatments?|therap(?:y|ies)|"
                            r"substances?|people|patients|you|we|doctors?|it|this|that|they|"
                            r"these|those|he|she)\b", re.I)
# Before a cue the article's drug cannot be the unstated subject of: nothing
# (an imperative, "Increase awareness ..."), a list word ("include
# increased thirst", "and decreased appetite": the cue word is an adjective),
# or "to" (a purpose: "Drink water to reduce dizziness").
_NO_IMPLIED_SUBJECT = re.compile(r"^[\s\W]*$|(?:\b(?:include|includes|including|and|or|of|"
                                 r"with|as|such as|like|to)|,)\s*$", re.I)
_LEAD_IN_ENDINGS = (":", "include", "includes", "including", "such as", "following", "these",
                    "are", "like")
_LEAD_IN_END = re.compile(r"(?::|\b(?:include|includes|including|such as|following|these|"
                          r"are|like))\s*$", re.I)


@dataclass(frozen=True)
class Relation:
    """A relation found in a sentence, before it becomes a Claim."""

    subject: Entity
    predicate: str
    object: Entity
    modality: Modality
    rule: str
    cues: tuple[str, ...]


@dataclass(frozen=True)
class Frame:
    """A relation whose objects are the items of the list that follows."""

    subject: Entity
    options: Options
    modality: Modality
    rule: str
    cues: tuple[str, ...]


class SentenceContext:
    """One sentence with its clauses and mentions, and the article-level
    facts argument finding needs."""

    def __init__(self, text: str, start: int, end: int, mentions: ArticleMentions, scan: Scan,
                 vocabulary: Vocabulary | None = None):
        self.text = text
        self.vocabulary = vocabulary
        self.start = start
        self.end = end
        self.article = mentions
        self.scan = scan
        self.folded = scan.folded
        self.mentions = mentions.within(start, end)
        self._negations: dict[int, list[tuple[int, int, str]]] = {}
        # Worked out when first needed, by the properties below (by hand:
        # functools.cached_property takes a lock on every first use).
        self._clauses: list[Clause] | None = None
        self._other_agents: list[tuple[int, int]] | None = None
        self._relatives: list[int] | None = None
        self._names: list[Mention] | None = None

    @property
    def names(self) -> list[Mention]:
        """The sentence's mentions that are names, not anaphora."""
        if self._names is None:
            is_anaphor = self.article.is_anaphor
            self._names = [m for m in self.mentions if not is_anaphor(m)]
        return self._names

    @property
    def clauses(self) -> list[Clause]:
        """The sentence's clauses."""
        if self._clauses is None:
            self._clauses = clauses(self.text, self.start, self.end, self.folded)
        return self._clauses

    @property
    def other_agents(self) -> list[tuple[int, int]]:
        """Spans of unnamed agents ("another medicine") in the sentence."""
        if self._other_agents is None:
            self._other_agents = [] if not has_any(self.folded, self.start, self.end,
                                                   _OTHER_WORDS) else [
                m.span() for m in _OTHER_AGENT.finditer(self.text, self.start, self.end)]
        return self._other_agents

    @property
    def relatives(self) -> list[int]:
        """Offsets of relative pronouns ("which", "who", "that")."""
        if self._relatives is None:
            self._relatives = [] if not has_any(self.folded, self.start, self.end,
                                                _RELATIVE_WORDS) else [
                m.start() for m in _RELATIVE.finditer(self.text, self.start, self.end)]
        return self._relatives

    def negations(self, clause: Clause) -> list[tuple[int, int, str]]:
        """The NegEx scopes of one of the sentence's clauses, computed once."""
        found = self._negations.get(clause.start)
        if found is None:
            found = negation_scopes(self.text, clause.start, clause.end, self.scan)
            self._negations[clause.start] = found
        return found

    def clause_at(self, pos: int) -> Clause:
        """The clause holding offset `pos`."""
        found = self.clauses
        for clause in found:
            if clause.start <= pos < clause.end:
                return clause
        return found[-1]

    def nearest(self, pos: int, types: frozenset[EntityType] | set[EntityType],
                left_only: bool = False, exclude: Sequence[Mention] = ()) -> Mention | None:
        """The mention of one of `types` nearest to `pos`, left first, not
        counting mentions inside an aside that `pos` is not in ("Ketamine,
        like opioids, is addictive": not the opioids) nor `exclude`."""
        fitting = [m for m in self.mentions if m.entity.type in types
                   and not self._aside_apart(m, pos) and m not in exclude]
        left = [m for m in fitting if m.end <= pos]
        if left or left_only:
            return left[-1] if left else None
        right = [m for m in fitting if m.start >= pos]
        return right[0] if right else None

    def _aside_apart(self, mention: Mention, pos: int) -> bool:
        aside = self.clause_at(mention.start).aside_at(mention.start)
        return aside is not None and not aside[0] <= pos < aside[1]


def _ends(ctx: SentenceContext, start: int, end: int, endings: tuple[str, ...],
          space: bool) -> bool:
    """`folding.ends_with` over the span a `tail(..., start, end)` search reads."""
    return ends_with(ctx.folded, max(start, end - _TAIL_WIDTH), end, endings, space)


def _adjunct_verb(ctx: SentenceContext, pos: int) -> bool:
    """Whether a cue at `pos` heads an adjunct ("after taking X")."""
    return _ends(ctx, ctx.start, pos, _ADJUNCT_WORDS, True) \
        and bool(_ADJUNCT_VERB.search(ctx.text, tail(ctx.text, ctx.start, pos), pos))


def _gerund_adjunct(ctx: SentenceContext, pos: int) -> bool:
    """Whether a cue at `pos` is in a "by ...ing" adjunct."""
    return _ends(ctx, ctx.start, pos, _GERUND_WORDS, True) \
        and bool(_GERUND_ADJUNCT.search(ctx.text, tail(ctx.text, ctx.start, pos), pos))


_TAIL_WIDTH = 60


def tail(text: str, start: int, end: int, width: int = _TAIL_WIDTH) -> int:
    """Where to begin looking for a pattern anchored at `end` ("...$"): at
    most `width` characters back, at a space, so `search` does not rescan
    the whole sentence for every cue."""
    begin = max(start, end - width)
    if begin > start:
        space = text.find(" ", begin, end)
        begin = space if space >= 0 else begin
    return begin


@functools.lru_cache(maxsize=None)
def subject_types(options: Options) -> frozenset[EntityType]:
    """Every type a subject of these predicates may have."""
    return frozenset().union(*(PREDICATES[p][0] for p, _ in options))


@functools.lru_cache(maxsize=None)
def object_types(options: Options) -> frozenset[EntityType]:
    """Every type an object of these options may have."""
    return frozenset().union(*(types & PREDICATES[p][1] for p, types in options))


@functools.lru_cache(maxsize=4096)
def _is_measure(label: str) -> bool:
    """Whether an entity's label names a measure (`_MEASURE`); labels are few."""
    return bool(_MEASURE.search(label))


def choose_predicate(options: Options, subject: Entity, obj: Entity) -> str | None:
    """The first predicate whose type constraints the pair meets.

    A measure ("blood pressure", "heart rate") can only go up or down or be
    affected: nothing treats it or has it as a side effect.
    """
    if subject == obj:
        return None
    measure = obj.type is EntityType.ADVERSE_EFFECT and _is_measure(obj.label)
    for predicate, types in options:
        domain, range_ = PREDICATES[predicate]
        if obj.type in types and obj.type in range_ and subject.type in domain \
                and not (measure and predicate in ("treats", "hasAdverseEffect")):
            return predicate
    return None


def _coordinated(text: str, left: Mention, right: Mention) -> bool:
    """Whether two mentions are items of one list: only connectives between
    them, or further short items the vocabulary does not know ("headaches,
    toothache and fever")."""
    gap = text[left.end:right.start]
    if len(gap.split()) <= _MAX_COORDINATION_WORDS + 1 and _COORDINATION.match(gap):
        return True
    pieces = _LIST_SEPARATOR.split(gap)
    return (len(pieces) >= 3 and not _CLAUSE_WORD.search(gap)
            and all(len(p.split()) <= _MAX_LIST_ITEM_WORDS for p in pieces))


def _objects_right(ctx: SentenceContext, after: int, limit: int, clause: Clause,
                   types: frozenset[EntityType], cue_pos: int) -> list[Mention]:
    inside = [m for m in ctx.mentions if after <= m.start and m.end <= limit
              and (not clause.in_aside(m.start, m.end) or clause.aside_at(cue_pos))
              and not _cross_reference(ctx, m)]
    group: list[Mention] = []
    previous: Mention | None = None
    for mention in inside:
        if previous is None:
            if mention.entity.type in types and not ctx.article.is_anaphor(mention):
                group.append(mention)
                previous = mention
            continue
        if _QUALIFIER.fullmatch(ctx.text, previous.end, mention.start):
            previous = mention  # "insomnia associated with pain": pain qualifies it
            continue
        if not _coordinated(ctx.text, previous, mention) or (
                "," in ctx.text[previous.end:mention.start]
                and _CLAUSE_AFTER.match(ctx.text, mention.end, limit)):
            break  # ", and liver injury has been reported": a new clause
        previous = mention
        if mention.entity.type in types and not ctx.article.is_anaphor(mention):
            group.append(mention)
    return group


def _cross_reference(ctx: SentenceContext, mention: Mention) -> bool:
    """Whether a mention sits in a "(see ...)" pointer to another page."""
    opening = ctx.text.rfind("(", ctx.start, mention.start)
    return opening >= 0 and ")" not in ctx.text[opening:mention.start] \
        and bool(_SEE.match(ctx.text, opening))


def _objects_left(ctx: SentenceContext, before: int, floor: int, clause: Clause,
                  types: frozenset[EntityType]) -> list[Mention]:
    inside = [m for m in ctx.mentions if floor <= m.start and m.end <= before
              and not clause.in_aside(m.start, m.end)]
    group: list[Mention] = []
    previous: Mention | None = None
    for mention in reversed(inside):
        if previous is None:
            if mention.entity.type in types and not ctx.article.is_anaphor(mention):
                group.append(mention)
                previous = mention
            continue
        if not _coordinated(ctx.text, mention, previous):
            break
        previous = mention
        if mention.entity.type in types and not ctx.article.is_anaphor(mention):
            group.append(mention)
    return group[::-1]


def _subject_left(ctx: SentenceContext, pos: int, types: frozenset[EntityType]
                  ) -> tuple[Mention | None, bool]:
    """The nearest fitting mention before `pos`.

    Returns:
        (subject or None, whether the search was blocked by a barrier).
    """
    clause = ctx.clause_at(pos)
    candidates = [m for m in ctx.mentions if m.end <= pos]
    for mention in reversed(candidates):
        if clause.in_aside(mention.start, mention.end) and not clause.aside_at(pos):
            continue
        if any(mention.end <= a and b <= pos for a, b in ctx.other_agents):
            return None, True
        relative = _first_open_relative(ctx, mention.end, pos)
        if relative is not None:
            # The cue is in a relative clause: its subject is the antecedent,
            # or what the antecedent is ("X is an antibiotic that treats Y").
            antecedent = ctx.text[mention.end:relative].strip(" ,")
            if mention.entity.type in types and (not antecedent or _COPULA.match(antecedent)):
                return mention, False
            return None, True
        if mention.entity.type in types:
            return _copula_subject(ctx, mention, types), False
    return None, False


def _copula_subject(ctx: SentenceContext, mention: Mention, types: frozenset[EntityType]
                    ) -> Mention:
    """For a predicate noun ("X is a benzodiazepine used for Y", "X is a type
    of antidepressant that ..."), the subject of "is", which the relation is
    about; otherwise the mention itself."""
    copula = _COPULA_BEFORE.search(ctx.text, tail(ctx.text, ctx.start, mention.start),
                                   mention.start)
    if copula is None:
        return mention
    earlier = [m for m in ctx.mentions if m.end <= copula.start() and m.entity.type in types
               and not ctx.clause_at(m.start).in_aside(m.start, m.end)]
    return earlier[-1] if earlier else mention


def _first_open_relative(ctx: SentenceContext, start: int, stop: int) -> int | None:
    """Offset of a relative pronoun in `[start, stop)` that is not inside a
    closed aside (a relative clause that ended before `stop`)."""
    for at in ctx.relatives:
        if at < start or at >= stop:
            continue
        aside = ctx.clause_at(at).aside_at(at)
        if aside is None or aside[1] > stop:
            return at
    return None


def _first_right(ctx: SentenceContext, pos: int, types: frozenset[EntityType],
                 exclude: AbstractSet[int] = frozenset(),
                 limit: int | None = None) -> Mention | None:
    limit = ctx.end if limit is None else limit
    # "... have not improved with other treatments": an unnamed agent first.
    other = _OTHER_AGENT.search(ctx.text, pos, limit) \
        if has_any(ctx.folded, pos, limit, _OTHER_WORDS) else None
    if other is not None and not any(pos <= m.start < other.start() and m.entity.type in types
                                     for m in ctx.mentions):
        limit = other.start()
    for mention in ctx.mentions:
        if pos <= mention.start and mention.end <= limit and mention.entity.type in types \
                and mention.start not in exclude:
            return mention
    return None


def _subject_group(ctx: SentenceContext, subject: Mention, types: frozenset[EntityType],
                   leftward: bool = True) -> list[Mention]:
    """The subject and the subjects coordinated with it ("Aspirin and
    ibuprofen can cause ...", "SSRIs such as sertraline"), looking left of a
    subject found on the left, right of one found on the right; a bare comma
    is not enough ("Unlike morphine, buprenorphine ...")."""
    group = [subject]
    if leftward:
        candidates = reversed([m for m in ctx.mentions if m.end <= subject.start])
    else:
        candidates = (m for m in ctx.mentions if m.start >= subject.end)
    for mention in candidates:
        left, right = (mention, group[-1]) if leftward else (group[-1], mention)
        gap = ctx.text[left.end:right.start]
        if mention.entity.type not in types or not (
                _EXAMPLES.fullmatch(gap) or _coordinated(ctx.text, left, right)) \
                or (len(group) == 1 and not _CONJUNCTION.search(gap)):
            break
        group.append(mention)
    return group[::-1] if leftward else group


def _dangling_subject(ctx: SentenceContext, pos: int, types: frozenset[EntityType]
                      ) -> Mention | None:
    """A sentence-opening participle clause ("When used in surgery, it ...")
    borrows the subject of the clause after it."""
    first = ctx.clauses[0]
    if len(ctx.clauses) < 2 or not (first.start <= pos < first.end) \
            or not _SUBORDINATOR.match(ctx.text, first.start):
        return None
    return _first_right(ctx, first.end, types)


def _find_subjects(ctx: SentenceContext, cue: Cue, side: Side, span: tuple[int, int],
                   types: frozenset[EntityType], objects: list[Mention],
                   search_from: int, following: int) -> list[Mention]:
    """The subjects of a cue (`_subjects`), class nouns replaced by the drug
    they describe."""
    found = [instance_of(ctx, m) for m in _subjects(ctx, cue, side, span, types, objects,
                                                    search_from, following)]
    return [m for m in found if m is not None]


def _subjects(ctx: SentenceContext, cue: Cue, side: Side, span: tuple[int, int],
              types: frozenset[EntityType], objects: list[Mention],
              search_from: int, following: int) -> list[Mention]:
    """The subjects of a cue, nearest first on its subject side.

    Args:
        search_from: where a leftward search starts (the cue, or the verb a
            "by ...ing" adjunct belongs to).
        following: start of the next cue; a rightward search stops there.
    """
    taken = {m.start for m in objects}
    if side in (Side.LEFT, Side.ANY):
        subject, blocked = _subject_left(ctx, search_from, types)
        if blocked:
            return []
        if subject is not None:
            return _subject_group(ctx, subject, types)
    subject = None
    if side in (Side.RIGHT, Side.ANY):
        subject = _first_right(ctx, span[1], types, taken, following)
        if subject is not None:
            return [m for m in _subject_group(ctx, subject, types, leftward=False)
                    if m.start not in taken]
    if subject is None and cue.anywhere:
        left = [m for m in ctx.mentions if m.end <= span[0] and m.entity.type in types
                and m.start not in taken]
        subject = left[-1] if left else None
    if subject is None:
        subject = _dangling_subject(ctx, span[0], types)
    if subject is None and ctx.article.main_drug is not None \
            and ctx.article.main_drug.type in types \
            and (cue.implicit or (objects and _unstated_subject(ctx, span[0]))):
        subject = Mention(ctx.article.main_drug, span[0], span[0])
    return [subject] if subject is not None else []


_INDEFINITE = re.compile(r"\b(?:an?|another|one|other)\s+(?:[\w-]+\s+){0,4}$", re.I)
# A class noun modifying another word: "opioid-dependent people", "of the
# benzodiazepine class", "SSRI (selective ...) class".
_MODIFIER = re.compile(r"-[a-z]|\)?\s*(?:\([^()]{0,60}\)\s*)?(?:class|family|group|type|kind)\b",
                       re.I)


def instance_of(ctx: SentenceContext, mention: Mention) -> Mention | None:
    """The drug a class noun stands for where it describes one ("Xanol is an
    orally available benzodiazepine used for ...": Xanol), the mention
    itself where it is a subject in its own right ("Benzodiazepines are
    ..."), None where it describes no drug of the article.  A class noun
    is never the subject of a claim about one drug."""
    if not is_drug_class(mention.entity):
        return mention
    if not (_INDEFINITE.search(ctx.text, tail(ctx.text, ctx.start, mention.start), mention.start)
            or _MODIFIER.match(ctx.text, mention.end, ctx.end)):
        return mention  # "Benzodiazepines are ...": the class in its own right
    return described_drug(ctx, mention)


def described_drug(ctx: SentenceContext, mention: Mention) -> Mention | None:
    """The drug a description at `mention` is of: the nearest drug named
    before it in the sentence, else the article's drug when the sentence
    names no drug; None when another drug is named only after it."""
    earlier = [m for m in ctx.mentions if m.end <= mention.start
               and m.entity.type is EntityType.DRUG and not is_drug_class(m.entity)]
    if earlier:
        return earlier[-1]
    main = ctx.article.main_drug
    if main is not None and not any(m.entity.type is EntityType.DRUG
                                    and not is_drug_class(m.entity) for m in ctx.mentions):
        return Mention(main, mention.start, mention.start)
    return None


def _noun_modifier(ctx: SentenceContext, pos: int) -> bool:
    """Whether a cue right after a name qualifies it ("agitation associated
    with psychosis" in a list of uses), not a clause's verb."""
    return any(m.entity.type is not EntityType.DRUG and 0 <= pos - m.end <= 1
               for m in ctx.mentions)


def _unstated_subject(ctx: SentenceContext, pos: int) -> bool:
    """Whether the clause before a cue names nothing that could be its
    subject, so the article's drug is ("When given intravenously, effects
    begin within minutes"; "Taken daily, it ...")."""
    clause = ctx.clause_at(pos)
    before = ctx.text[clause.start:pos]
    return not any(clause.start <= m.start and m.end <= pos for m in ctx.mentions) \
        and not ctx.other_agents and not _GENERIC_AGENT.search(before) \
        and not _NO_IMPLIED_SUBJECT.search(before)


def _is_passive(ctx: SentenceContext, cue: Cue, match: re.Match, clause: Clause) -> bool:
    return (cue.passive and bool(_PARTICIPLE.search(match.group(0)))
            and _ends(ctx, clause.start, match.start(), _BE_ENDINGS, True)
            and bool(_BE.search(ctx.text, tail(ctx.text, clause.start, match.start()),
                                match.start())))


def _arguments(ctx: SentenceContext, cue: Cue, span: tuple[int, int], clause: Clause,
               subject_side: Side, object_side: Side, search_from: int, following: int
               ) -> tuple[list[Mention], list[Mention]]:
    """(subjects, objects) of one cue, looked for on the given sides."""
    s_types, o_types = subject_types(cue.options), object_types(cue.options)
    if object_side is Side.LEFT:
        objects = _objects_left(ctx, span[0], clause.start, clause, o_types)
        if cue.adjacent and objects and not _ADJACENT.fullmatch(ctx.text, objects[-1].end,
                                                                span[0]):
            objects = []
    elif subject_side is Side.RIGHT:
        subject = _first_right(ctx, span[1], s_types)
        group = _subject_group(ctx, subject, s_types, leftward=False) if subject else []
        objects = _objects_right(ctx, group[-1].end, clause.end, clause, o_types,
                                 span[0]) if group else []
    else:
        limit = clause.end if cue.spans_cues else min(clause.end, following)
        objects = _objects_right(ctx, span[1], limit, clause, o_types, span[0])
        mint_type = _MINT_TYPES.get(cue.options[0][0])
        if mint_type in o_types and ctx.vocabulary is not None:
            taken = {(m.start, m.end) for m in objects}
            objects = sorted(objects + [m for m in inline_items(ctx.text, span[1], limit,
                                                                ctx.mentions, mint_type,
                                                                ctx.vocabulary)
                                        if (m.start, m.end) not in taken],
                             key=lambda m: m.start)
    subjects = _find_subjects(ctx, cue, subject_side, span, s_types, objects, search_from,
                              following)
    return subjects, objects


def is_lead_in(ctx: SentenceContext) -> bool:
    """Whether the sentence introduces what follows ("... include:")."""
    return _ends(ctx, ctx.start, ctx.end, _LEAD_IN_ENDINGS, False) and bool(
        _LEAD_IN_END.search(ctx.text, tail(ctx.text, ctx.start, ctx.end), ctx.end))


def cue_relations(ctx: SentenceContext) -> tuple[list[Relation], list[Frame]]:
    """Relations stated by the sentence's predicate cues, and the frames its
    open cues leave for a following list.

    Args:
        ctx: the sentence.

    Returns:
        (relations, frames); frames only when the sentence reads as a
        lead-in (ends with a colon, "include", "such as"...).
    """
    text = ctx.text
    found = ctx.scan.between(CUE_WORDS, ctx.start, ctx.end)
    if not found:
        return [], []
    names = ctx.names
    starts = [n.start for n in names]
    matches = []
    for match in found:
        # A cue word inside a name ("Increased eye pressure") is part of the name.
        at = bisect.bisect_right(starts, match.start()) - 1
        if at < 0 or names[at].end < match.end():
            matches.append(match)
    heads = [not _adjunct_verb(ctx, m.start())
             and not (cue_for(m).symmetric and _noun_modifier(ctx, m.start()))
             for m in matches]
    # A later cue that heads a clause, or one in a "by ...ing" adjunct
    # ("affects the brain by increasing serotonin": serotonin is what
    # is increased), ends an earlier cue's objects.
    gerunds = [bool(index) and _gerund_adjunct(ctx, m.start()) for index, m in enumerate(matches)]
    ends = [ctx.end] * len(matches)
    for index in range(len(matches) - 2, -1, -1):
        later = index + 1
        ends[index] = matches[later].start() if heads[later] or gerunds[later] else ends[later]
    relations: list[Relation] = []
    frames: list[Frame] = []
    lead_in = is_lead_in(ctx)
    for index, match in enumerate(matches):
        cue = cue_for(match)
        span = (match.start(), match.end())
        clause = ctx.clause_at(span[0])
        passive = _is_passive(ctx, cue, match, clause)
        following = ends[index]
        search_from = span[0]
        if gerunds[index]:
            search_from = matches[index - 1].start()  # "lowers X by reducing Y"
        sides = [(Side.RIGHT, Side.LEFT) if passive else (cue.subject, cue.objects)]
        if cue.symmetric:
            sides.append((Side.RIGHT, Side.LEFT))
        for subject_side, object_side in sides:
            arguments = _arguments(ctx, cue, span, clause, subject_side, object_side,
                                   search_from, following)
            if arguments[0] and (arguments[1] or len(sides) == 1):
                break
        subjects, objects = arguments
        if subjects and not objects and cue.implicit and cue.subject is Side.ANY \
                and _LIST_BEFORE_NOMINAL.search(text, tail(text, clause.start, span[0]), span[0]):
            # "Sleepiness and dizziness are the most common side effects."
            objects = _objects_left(ctx, span[0], clause.start, clause,
                                    object_types(cue.options))
        if not subjects or (cue.symmetric and _noun_modifier(ctx, span[0])):
            continue
        cue_words = (match.group(0),)
        if not objects:
            if not lead_in:
                continue
            modality, words = assess(text, clause, span, ctx.scan)
            # "Do not take X if you have:" lists conditions, not relations.
            if modality is not Modality.NEGATED:
                frames.append(Frame(subjects[-1].entity, cue.options, modality, cue.rule,
                                    cue_words + words))
            continue
        for subject in subjects:
            for obj in objects:
                predicate = choose_predicate(cue.options, subject.entity, obj.entity)
                if predicate is None or (cue.adjacent and predicate in ("increases", "decreases")
                                         and obj.entity.type is EntityType.ADVERSE_EFFECT
                                         and not _MEASURE.search(obj.entity.label)):
                    continue  # "Deaths are rising": a trend, not what the drug raises
                modality, words = assess(text, clause, span, ctx.scan, (obj.start, obj.end),
                                         scopes=ctx.negations(clause))
                if modality is Modality.NEGATED and obj.start >= span[1] \
                        and _CONTRAINDICATION.search(text, span[1], obj.start):
                    continue  # "should not be used in people with X": not "does not treat"
                if modality is Modality.NEGATED and obj.end <= span[0] and any(
                        obj.end <= at < span[0] for at in ctx.relatives):
                    # "MDD that has not improved after antidepressants" says
                    # which patients, not that antidepressants fail.
                    continue
                relations.append(Relation(subject.entity, predicate, obj.entity, modality,
                                          cue.rule, cue_words + words))
    return relations, frames
