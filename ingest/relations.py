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

import re
from dataclasses import dataclass

from .clauses import Clause, clauses
from .cues import CUE_PATTERN, Cue, Options, Side, cue_for
from .entities import ArticleMentions
from .model import PREDICATES, Entity, EntityType, Mention, Modality
from .modality import assess

__all__ = ["Frame", "Relation", "SentenceContext", "choose_predicate", "cue_relations"]

_BE = re.compile(r"\b(?:is|are|was|were|be|been|being|get|gets|got)\s+"
                 r"(?:(?:\w+ly|not|also|often|usually|initially|then|now|still|sometimes)\s+)*$",
                 re.I)
_PARTICIPLE = re.compile(r"(?:ed|en|wn)\b", re.I)
_RELATIVE = re.compile(r"\b(?:which|who|that)\b", re.I)
_OTHER_AGENT = re.compile(
    r"\b(?:another|other|a different|additional|a second)\s+(?:\w+\s+)?(?:medications?|"
    r"drugs?|medicines?|treatments?|therap(?:y|ies)|agents?)\b", re.I)
_COORDINATION = re.compile(
    r"^(?:[\s,/()\[\]]|\b(?:and|or|nor|as|an?|the|other|also|even|both|either|neither|"
    r"including|especially|particularly|like|such|plus|well|its|their|some|certain|possibly|"
    r"sometimes|then|more|less|mild|severe|rarely|often|in|rare|cases)\b)*$", re.I)
_MAX_COORDINATION_WORDS = 4
_SUBORDINATOR = re.compile(r"(?:when|whenever|if|because|although|though|while|since|as|"
                           r"after|before|unless|once|until|whereas|where|even though)\b", re.I)
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

    def __init__(self, text: str, start: int, end: int, mentions: ArticleMentions):
        self.text = text
        self.start = start
        self.end = end
        self.article = mentions
        self.mentions = mentions.within(start, end)
        self.clauses = clauses(text, start, end)

    def clause_at(self, pos: int) -> Clause:
        """The clause holding offset `pos`."""
        for clause in self.clauses:
            if clause.start <= pos < clause.end:
                return clause
        return self.clauses[-1]

    def nearest(self, pos: int, types: frozenset[EntityType] | set[EntityType],
                exclude: Entity | None = None) -> Mention | None:
        """The mention of one of `types` nearest to `pos`, left first."""
        left = [m for m in self.mentions if m.end <= pos and m.entity.type in types
                and m.entity != exclude]
        if left:
            return left[-1]
        right = [m for m in self.mentions if m.start >= pos and m.entity.type in types
                 and m.entity != exclude]
        return right[0] if right else None


def subject_types(options: Options) -> frozenset[EntityType]:
    """Every type a subject of these predicates may have."""
    return frozenset().union(*(PREDICATES[p][0] for p, _ in options))


def object_types(options: Options) -> frozenset[EntityType]:
    """Every type an object of these options may have."""
    return frozenset().union(*(types & PREDICATES[p][1] for p, types in options))


def choose_predicate(options: Options, subject: Entity, obj: Entity) -> str | None:
    """The first predicate whose type constraints the pair meets."""
    if subject == obj:
        return None
    for predicate, types in options:
        domain, range_ = PREDICATES[predicate]
        if obj.type in types and obj.type in range_ and subject.type in domain:
            return predicate
    return None


def _coordinated(text: str, left: Mention, right: Mention) -> bool:
    gap = text[left.end:right.start]
    return (len(gap.split()) <= _MAX_COORDINATION_WORDS + 1
            and bool(_COORDINATION.match(gap)))


def _objects_right(ctx: SentenceContext, after: int, limit: int, clause: Clause,
                   types: frozenset[EntityType], cue_pos: int) -> list[Mention]:
    inside = [m for m in ctx.mentions if after <= m.start and m.end <= limit
              and (not clause.in_aside(m.start, m.end) or clause.aside_at(cue_pos))]
    group: list[Mention] = []
    previous = None
    for mention in inside:
        if not group:
            if mention.entity.type in types and not ctx.article.is_anaphor(mention):
                group.append(mention)
                previous = mention
            continue
        if not _coordinated(ctx.text, previous, mention):
            break
        previous = mention
        if mention.entity.type in types and not ctx.article.is_anaphor(mention):
            group.append(mention)
    return group


def _objects_left(ctx: SentenceContext, before: int, floor: int, clause: Clause,
                  types: frozenset[EntityType]) -> list[Mention]:
    inside = [m for m in ctx.mentions if floor <= m.start and m.end <= before
              and not clause.in_aside(m.start, m.end)]
    group: list[Mention] = []
    previous = None
    for mention in reversed(inside):
        if not group:
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
        between = ctx.text[mention.end:pos]
        if _OTHER_AGENT.search(between):
            return None, True
        relative = _first_open_relative(ctx, mention.end, pos)
        if relative is not None:
            # The cue is in a relative clause: its subject is the antecedent.
            antecedent = ctx.text[mention.end:relative].strip(" ,")
            if mention.entity.type in types and not antecedent:
                return mention, False
            return None, True
        if mention.entity.type in types:
            return mention, False
    return None, False


def _first_open_relative(ctx: SentenceContext, start: int, stop: int) -> int | None:
    """Offset of a relative pronoun in `[start, stop)` that is not inside a
    closed aside (a relative clause that ended before `stop`)."""
    for match in _RELATIVE.finditer(ctx.text, start, stop):
        clause = ctx.clause_at(match.start())
        aside = clause.aside_at(match.start())
        if aside is None or aside[1] > stop:
            return match.start()
    return None


def _first_right(ctx: SentenceContext, pos: int, types: frozenset[EntityType],
                 exclude: set[int] = frozenset()) -> Mention | None:
    for mention in ctx.mentions:
        if mention.start >= pos and mention.entity.type in types and mention.start not in exclude:
            return mention
    return None


def _dangling_subject(ctx: SentenceContext, pos: int, types: frozenset[EntityType]
                      ) -> Mention | None:
    """A sentence-opening participle clause ("When used in surgery, it ...")
    borrows the subject of the clause after it."""
    first = ctx.clauses[0]
    if len(ctx.clauses) < 2 or not (first.start <= pos < first.end) \
            or not _SUBORDINATOR.match(ctx.text, first.start):
        return None
    return _first_right(ctx, first.end, types)


def _find_subject(ctx: SentenceContext, cue: Cue, side: Side, span: tuple[int, int],
                  types: frozenset[EntityType], objects: list[Mention]) -> Mention | None:
    taken = {m.start for m in objects}
    subject = None
    if side in (Side.LEFT, Side.ANY):
        subject, blocked = _subject_left(ctx, span[0], types)
        if blocked:
            return None
    if subject is None and side in (Side.RIGHT, Side.ANY):
        subject = _first_right(ctx, span[1], types, taken)
    if subject is None and side is Side.RIGHT:
        nearest = ctx.nearest(span[0], types)
        subject = nearest if nearest is not None and nearest.start not in taken else None
    if subject is None:
        subject = _dangling_subject(ctx, span[0], types)
    if subject is None and cue.implicit and ctx.article.main_drug is not None \
            and ctx.article.main_drug.type in types:
        subject = Mention(ctx.article.main_drug, span[0], span[0])
    return subject


def _is_passive(ctx: SentenceContext, cue: Cue, match: re.Match, clause: Clause) -> bool:
    return (cue.passive and bool(_PARTICIPLE.search(match.group(0)))
            and bool(_BE.search(ctx.text, clause.start, match.start())))


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
    matches = [m for m in CUE_PATTERN.finditer(text, ctx.start, ctx.end)
               if not any(n.start <= m.start() and m.end() <= n.end for n in ctx.mentions
                          if not ctx.article.is_anaphor(n))]
    relations: list[Relation] = []
    frames: list[Frame] = []
    lead_in = bool(_LEAD_IN_END.search(text, ctx.start, ctx.end))
    for index, match in enumerate(matches):
        cue = cue_for(match)
        span = (match.start(), match.end())
        clause = ctx.clause_at(span[0])
        passive = _is_passive(ctx, cue, match, clause)
        subject_side = Side.RIGHT if passive else cue.subject
        object_side = Side.LEFT if passive else cue.objects
        s_types, o_types = subject_types(cue.options), object_types(cue.options)
        following = matches[index + 1].start() if index + 1 < len(matches) else ctx.end
        if object_side is Side.LEFT:
            earlier = [m.end() for m in matches[:index] if not clause.in_aside(m.start(), m.end())]
            floor = max(earlier[-1] if earlier else clause.start, clause.start)
            objects = _objects_left(ctx, span[0], floor, clause, o_types)
        elif cue.subject is Side.RIGHT and cue.objects is Side.RIGHT:
            subject = _first_right(ctx, span[1], s_types)
            objects = _objects_right(ctx, subject.end, min(clause.end, ctx.end), clause,
                                     o_types, span[0]) if subject else []
        else:
            objects = _objects_right(ctx, span[1], min(clause.end, following), clause,
                                     o_types, span[0])
        subject = _find_subject(ctx, cue, subject_side, span, s_types, objects)
        if subject is None:
            continue
        cue_words = (match.group(0),)
        if not objects:
            if lead_in:
                modality, words = assess(text, clause, span)
                frames.append(Frame(subject.entity, cue.options, modality, cue.rule,
                                    cue_words + words))
            continue
        for obj in objects:
            predicate = choose_predicate(cue.options, subject.entity, obj.entity)
            if predicate is None:
                continue
            modality, words = assess(text, clause, span, (obj.start, obj.end))
            relations.append(Relation(subject.entity, predicate, obj.entity, modality,
                                      cue.rule, cue_words + words))
    return relations, frames
