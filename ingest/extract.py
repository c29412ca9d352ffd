"""Document -> Extraction: the claims an article states, with evidence.

Sentences are read in order.  Each yields relations from its predicate cues
(`relations`) and from the shape of its phrases (`phrases`).  Lists take
their relation from what introduces them:

- a lead-in sentence whose cue has no objects ("Ketamine use can result in
  a range of negative consequences, including the following:") gives each
  item of the list after it that relation and modality, one claim per
  entity in the item;
- a heading that names a relation ("Side effects", "Ketamine Treats Anxiety
  Disorders") frames the lists of its section that have no lead-in of their
  own, and a one-line value right under it (an infobox row);
- an item the vocabulary has no entity for is minted as a new, unmapped
  entity of the list's type.

Evidence is always a span of the article text: the sentence, the list item,
or a definition item's name line.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import groupby

from .cues import HEADING_FRAMES, Options
from .entities import ArticleMentions, find_mentions, item_entities
from .model import (PREDICATES, BlockKind, Claim, Document, Entity, EntityType, Extraction,
                    Mention, Modality)
from .modality import assess, negation_scopes
from .phrases import phrase_relations
from .relations import Frame, Relation, SentenceContext, choose_predicate, cue_relations
from .segment import Segmentation, Sentence, segment
from .vocab import Vocabulary, load_vocabulary

__all__ = ["EXTRACTOR_VERSION", "extract"]

#: Recorded on every claim; part of an article's content hash, so changing
#: it makes the next ingest re-extract every article.
EXTRACTOR_VERSION = "1.0.0"

#: The type a minted list item gets when the list's own items do not say.
_MINT_TYPE = {"treats": EntityType.CONDITION, "hasAdverseEffect": EntityType.ADVERSE_EFFECT,
              "usedIn": EntityType.PROCEDURE, "administeredVia": EntityType.ROUTE}
_CLAUSE_WORDS = re.compile(r"\b(?:is|are|was|were|can|may|will|should|has|have|had|do|does|"
                           r"you|your|we|if|when|because|which|that)\b|[.!?]\s*$", re.I)
_MAX_VALUE_WORDS = 20


@dataclass
class _Run:
    """The frame a list run takes, and what the current block may inherit."""

    lead: Frame | None = None        # from the sentence right before the list
    section: Frame | None = None     # from the section heading
    after_opener: bool = False       # the previous block was a lead-in or heading
    mint_type: EntityType | None = None  # the type of the current list, once known
    typed: bool = False              # whether mint_type was worked out for this list


def _claim(relation: Relation, start: int, end: int, text: str, rule: str | None = None,
           cues: tuple[str, ...] | None = None) -> Claim:
    return Claim(relation.subject, relation.predicate, relation.object, relation.modality,
                 text[start:end], start, end, rule or relation.rule,
                 cues if cues is not None else relation.cues)


def _sentence(text: str, sentence: Sentence, mentions: ArticleMentions,
              vocabulary: Vocabulary) -> tuple[list[Claim], list[Frame]]:
    ctx = SentenceContext(text, sentence.start, sentence.end, mentions)
    relations, frames = cue_relations(ctx)
    relations += phrase_relations(ctx, vocabulary)
    return [_claim(r, sentence.start, sentence.end, text) for r in relations], frames


def _heading_frame(text: str, sentence: Sentence, mentions: ArticleMentions) -> Frame | None:
    """The relation a heading announces for its section, if any."""
    for pattern, predicate, _ in HEADING_FRAMES:
        match = pattern.search(text, sentence.start, sentence.end)
        if not match:
            continue
        ctx = SentenceContext(text, sentence.start, sentence.end, mentions)
        subject = ctx.nearest(match.start(), {EntityType.DRUG})
        entity = subject.entity if subject else mentions.main_drug
        if entity is None:
            return None
        modality, words = assess(text, ctx.clause_at(match.start()),
                                 (match.start(), match.end()))
        options = ((predicate, PREDICATES[predicate][1]),)
        return Frame(entity, options, modality, "list.heading", (match.group(0),) + words)
    return None


def _mint_type(frame: Frame, items: list[tuple[int, int]], mentions: ArticleMentions
               ) -> EntityType | None:
    """The type of a list: the commonest fitting type among its known items,
    else the default for the frame's predicate."""
    allowed = frozenset().union(*(t & PREDICATES[p][1] for p, t in frame.options))
    counts = Counter(m.entity.type for start, end in items
                     for m in mentions.within(start, end)
                     if m.entity.type in allowed and not mentions.is_anaphor(m))
    if counts:
        return counts.most_common(1)[0][0]
    return _MINT_TYPE.get(frame.options[0][0])


def _item_claims(text: str, frame: Frame, span: tuple[int, int], evidence: tuple[int, int],
                 mentions: ArticleMentions, vocabulary: Vocabulary,
                 mint_type: EntityType | None, minted: list[Mention]) -> list[Claim]:
    """One claim per entity a list item names, in the frame's relation."""
    allowed = frozenset().union(*(t & PREDICATES[p][1] for p, t in frame.options))
    known = [m for m in mentions.within(*span)
             if m.entity.type in allowed and not mentions.is_anaphor(m)]
    found, new = item_entities(text, *span, known, mint_type, vocabulary)
    minted += new
    negations = negation_scopes(text, *span)
    claims = []
    for mention in found:
        rule = "list.minted" if mention in new else (
            "list.heading" if frame.rule == "list.heading" else "list.lead-in")
        predicate = choose_predicate(frame.options, frame.subject, mention.entity)
        if predicate is None:
            continue
        negated = [cue for a, b, cue in negations if a <= mention.start < b]
        modality = Modality.NEGATED if negated else frame.modality
        relation = Relation(frame.subject, predicate, mention.entity, modality, rule,
                            frame.cues + tuple(negated))
        claims.append(_claim(relation, *evidence, text))
    return claims


def _is_value_line(text: str, sentences: list[Sentence]) -> bool:
    """A short line of names (an infobox value, "Nausea, headache"), not prose."""
    if len(sentences) != 1:
        return False
    line = text[sentences[0].start:sentences[0].end]
    return len(line.split()) <= _MAX_VALUE_WORDS and not _CLAUSE_WORDS.search(line)


def _item_span(segmentation: Segmentation, sentences: list[Sentence]
               ) -> tuple[tuple[int, int], tuple[int, int], bool]:
    """(where to look for entities, the evidence span, is a definition item)."""
    if sentences[0].term:
        term = (sentences[0].start, sentences[0].end)
        return term, term, True
    block = segmentation.blocks[sentences[0].block]
    return (block.start, block.end), (block.start, block.end), False


def _list_spans(segmentation: Segmentation, blocks: list[tuple[int, list[Sentence]]],
                position: int) -> list[tuple[int, int]]:
    """Where the entities of the list starting at `blocks[position]` are."""
    spans = [_item_span(segmentation, blocks[position][1])[0]]
    for index, sentences in blocks[position + 1:]:
        if segmentation.blocks[index].kind is not BlockKind.LIST_ITEM:
            break
        spans.append(_item_span(segmentation, sentences)[0])
    return spans


def _own_relations(claims: list[Claim], mentions: ArticleMentions, span: tuple[int, int]
                   ) -> list[Claim]:
    """Claims of an item that names its own subject ("Aspirin thins blood")."""
    return [c for c in claims
            if any(m.entity == c.subject and not mentions.is_anaphor(m)
                   for m in mentions.within(*span))]


def extract(document: Document, vocabulary: Vocabulary | None = None) -> Extraction:
    """The claims an article states, with their evidence and modality.

    Pure: the result depends only on the document and the vocabulary.

    Args:
        document: the article, as a reader made it.
        vocabulary: entities to look for; defaults to the packaged
            vocabulary (`load_vocabulary()`).

    Returns:
        The mentions and claims, in text order; for every claim
        `document.text[claim.start:claim.end] == claim.evidence`.
    """
    vocabulary = load_vocabulary() if vocabulary is None else vocabulary
    text = document.text
    segmentation = segment(document)
    mentions = find_mentions(segmentation, vocabulary)
    claims: list[Claim] = []
    minted: list[Mention] = []
    run = _Run()
    blocks = [(index, list(group)) for index, group in
              groupby(segmentation.sentences, key=lambda s: s.block)]
    for position, (index, sentences) in enumerate(blocks):
        kind = segmentation.blocks[index].kind
        if kind in (BlockKind.TITLE, BlockKind.HEADING):
            for sentence in sentences:
                claims += _sentence(text, sentence, mentions, vocabulary)[0]
            run = _Run(section=_heading_frame(text, sentences[0], mentions), after_opener=True)
            continue
        frame = run.lead or run.section
        is_item = kind is BlockKind.LIST_ITEM or (
            run.after_opener and frame is not None and _is_value_line(text, sentences))
        if is_item and frame is not None:
            span, evidence, definition = _item_span(segmentation, sentences)
            own = []
            for sentence in sentences[:1] if definition else sentences:
                own += _own_relations(_sentence(text, sentence, mentions, vocabulary)[0],
                                      mentions, span)
            if not run.typed:
                run.mint_type = _mint_type(frame, _list_spans(segmentation, blocks, position),
                                           mentions)
                run.typed = True
            if own:
                claims += own
            else:
                claims += _item_claims(text, frame, span, evidence, mentions, vocabulary,
                                       run.mint_type, minted)
            run.after_opener = False
            continue
        lead = None
        for sentence in sentences:
            found, frames = _sentence(text, sentence, mentions, vocabulary)
            claims += found
            lead = frames[0] if frames else None
        last = sentences[-1]
        if lead is None and text[last.start:last.end].endswith(":") and run.section \
                and not negation_scopes(text, last.start, last.end):
            lead = run.section
        run = _Run(lead=lead, section=run.section, after_opener=lead is not None)
    return Extraction(document, tuple(sorted({*mentions.names, *minted},
                                             key=lambda m: (m.start, m.end, m.entity.key))),
                      _unique(claims))


def _unique(claims: list[Claim]) -> tuple[Claim, ...]:
    """One claim per (subject, predicate, object, evidence span), first rule wins."""
    seen: dict[tuple, Claim] = {}
    for claim in claims:
        key = (claim.subject.key, claim.predicate, claim.object.key, claim.start, claim.end)
        seen.setdefault(key, claim)
    return tuple(sorted(seen.values(), key=lambda c: (c.start, c.end, c.subject.key,
                                                      c.predicate, c.object.key)))
