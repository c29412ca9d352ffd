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
from dataclasses import dataclass, field, replace
from itertools import groupby

from . import entities, modality, phrases
from .clauses import Clause
from .cues import CUE_WORDS, HEADING_FRAMES, LIST_NOUNS, SUBHEADING
from .entities import ArticleMentions, find_mentions
from .infobox import infobox_rows
from .items import item_entities
from .lexicon import Scan, Scanner
from .model import (PREDICATES, BlockKind, Claim, Document, EntityType, Extraction, Mention,
                    Modality)
from .modality import assess, negation_scopes
from .phrases import phrase_relations
from .relations import (Frame, Relation, SentenceContext, choose_predicate, cue_relations,
                        is_lead_in)
from .segment import Segmentation, Sentence, segment
from .vocab import Vocabulary, load_vocabulary, tokenize

__all__ = ["EXTRACTOR_VERSION", "extract"]

#: Recorded on every claim; part of an article's content hash, so changing
#: it makes the next ingest re-extract every article.
EXTRACTOR_VERSION = "1.0.0"

#: Every lexicon the rules use, applied to an article in one pass.
_SCANNER = Scanner([CUE_WORDS, *modality.LEXICONS, *phrases.LEXICONS, *entities.LEXICONS])
#: The type a minted list item gets when the list's own items do not say.
_MINT_TYPE = {"treats": EntityType.CONDITION, "hasAdverseEffect": EntityType.ADVERSE_EFFECT,
              "usedIn": EntityType.PROCEDURE, "administeredVia": EntityType.ROUTE}
_CLAUSE_WORDS = re.compile(r"\b(?:is|are|was|were|can|may|will|should|has|have|had|do|does|"
                           r"you|your|we|if|when|because|which|that)\b|[.!?]\s*$", re.I)
# A lead-in offering other drugs ("one of these instead:") lists no uses of this one.
_ALTERNATIVES = re.compile(r"\b(?:instead|alternatives?|other (?:options|medicines|drugs)|"
                           r"one of these)\b", re.I)
_MAX_VALUE_WORDS = 20
# How far back a list item's evidence may reach to take in its lead-in.
_MAX_LEAD_IN_EVIDENCE = 600
_LEAD_IN_TAIL = 40  # characters at a lead-in's end that may name its items
_SUBJECT_TYPES = frozenset().union(*(domain for domain, _ in PREDICATES.values()))


@dataclass
class _Article:
    """What every step of one extraction reads, and the entities it mints."""

    text: str
    segmentation: Segmentation
    mentions: ArticleMentions
    vocabulary: Vocabulary
    scan: Scan
    minted: list[Mention] = field(default_factory=list)

    def context(self, sentence: Sentence) -> SentenceContext:
        return SentenceContext(self.text, sentence.start, sentence.end, self.mentions, self.scan,
                               self.vocabulary)


@dataclass
class _Run:
    """The frame a list run takes, and what the current block may inherit."""

    lead: Frame | None = None        # from the sentence right before the list
    section: Frame | None = None     # from the section heading
    after_opener: bool = False       # the previous block was a lead-in or heading
    mint_type: EntityType | None = None  # the type of the current list, once known
    typed: bool = False              # whether mint_type was worked out for this list
    level: int = 0                   # level of the heading that set `section`
    lead_in: Sentence | None = None  # the sentence that introduced the list


def _claim(article: _Article, relation: Relation, start: int, end: int) -> Claim:
    return Claim(relation.subject, relation.predicate, relation.object, relation.modality,
                 article.text[start:end], start, end, relation.rule, relation.cues)


def _sentence(article: _Article, sentence: Sentence) -> tuple[list[Claim], list[Frame]]:
    ctx = article.context(sentence)
    if not ctx.mentions and not is_lead_in(ctx):
        return [], []  # nothing to relate, and no list to open
    relations, frames = cue_relations(ctx)
    relations += phrase_relations(ctx, article.vocabulary)
    # The most specific mention: a class word's use ("an anticonvulsant
    # used to treat partial seizures") goes when the sentence names one.
    named = {r.subject.key for r in relations if r.predicate == "treats"
             and r.rule != "treats.drug-class"}
    relations = [r for r in relations
                 if r.rule != "treats.drug-class" or r.subject.key not in named]
    return [_claim(article, r, sentence.start, sentence.end) for r in relations], frames


def _heading_frame(article: _Article, sentence: Sentence) -> Frame | None:
    """The relation a heading announces for its section, if any."""
    for pattern, options in HEADING_FRAMES:
        match = pattern.search(article.text, sentence.start, sentence.end)
        if not match:
            continue
        ctx = article.context(sentence)
        subject = ctx.nearest(match.start(), {EntityType.DRUG})
        entity = subject.entity if subject else article.mentions.main_drug
        if entity is None:
            return None
        found, words = assess(article.text, ctx.clause_at(match.start()),
                              (match.start(), match.end()), article.scan)
        return Frame(entity, options, found, "list.heading", (match.group(0),) + words)
    return None


def _lead_in_on_section(article: _Article, sentence: Sentence, section: Frame
                        ) -> Frame | None:
    """A lead-in without a cue of its own ("During the infusion you may
    feel:") lists what the section is about, as firmly as it says it; one
    that negates ("Do not take it if you have:") lists nothing."""
    clause = Clause(sentence.start, sentence.end)
    found, words = assess(article.text, clause, (sentence.end, sentence.end), article.scan)
    if found is Modality.NEGATED or _ALTERNATIVES.search(article.text, sentence.start,
                                                         sentence.end):
        return None
    if found is Modality.ASSERTED:
        return section
    return replace(section, modality=found, cues=section.cues + words)


def _allowed(frame: Frame) -> frozenset[EntityType]:
    return frozenset().union(*(t & PREDICATES[p][1] for p, t in frame.options))


def _mint_type(article: _Article, frame: Frame, items: list[tuple[int, int]],
               lead_in: Sentence | None) -> EntityType | None:
    """The type of a list: what its lead-in calls the items ("procedures
    such as:"), else the commonest fitting type among its known items, else
    the default for the frame's predicate."""
    allowed, mentions = _allowed(frame), article.mentions
    if lead_in is not None:
        tail_start = max(lead_in.start, lead_in.end - _LEAD_IN_TAIL)
        for pattern, etype in LIST_NOUNS:
            if etype in allowed and pattern.search(article.text, tail_start, lead_in.end):
                return etype
    counts = Counter(m.entity.type for start, end in items
                     for m in mentions.within(start, end)
                     if m.entity.type in allowed and not mentions.is_anaphor(m))
    if counts:
        return counts.most_common(1)[0][0]
    return _MINT_TYPE.get(frame.options[0][0])


def _item_claims(article: _Article, frame: Frame, span: tuple[int, int],
                 evidence: tuple[int, int], mint_type: EntityType | None) -> list[Claim]:
    """One claim per entity a list item names, in the frame's relation."""
    allowed, mentions = _allowed(frame), article.mentions
    named = [m for m in mentions.within(*span) if not mentions.is_anaphor(m)]
    if named and named[0].entity.type is EntityType.DRUG and named[0].entity != frame.subject \
            and len(article.text[span[0]:named[0].start].split()) <= 1:
        return []  # "An SSRI such as sertraline": an item about another drug
    known = [m for m in named if m.entity.type in allowed]
    others = [m for m in named if m.entity.type not in allowed]
    found, new = item_entities(article.text, *span, known, others, mint_type, article.vocabulary)
    article.minted += new
    negations = negation_scopes(article.text, *span, article.scan)
    claims = []
    for mention in found:
        rule = "list.minted" if mention in new else (
            "list.heading" if frame.rule == "list.heading" else "list.lead-in")
        predicate = choose_predicate(frame.options, frame.subject, mention.entity)
        if predicate is None:
            continue
        negated = [cue for a, b, cue in negations if a <= mention.start < b]
        relation = Relation(frame.subject, predicate, mention.entity,
                            Modality.NEGATED if negated else frame.modality, rule,
                            frame.cues + tuple(negated))
        claims.append(_claim(article, relation, *evidence))
    return claims


def _is_value_line(text: str, sentences: list[Sentence]) -> bool:
    """A short line of names (an infobox value, "Nausea, headache"), not prose."""
    if len(sentences) != 1:
        return False
    line = text[sentences[0].start:sentences[0].end]
    return (len(line.split()) <= _MAX_VALUE_WORDS and not _CLAUSE_WORDS.search(line)
            and not line.endswith(":"))


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


def _own_claims(article: _Article, sentences: list[Sentence], span: tuple[int, int]
                ) -> list[Claim]:
    """Claims of an item that names its own subject ("Aspirin thins blood")."""
    named = [m.entity for m in article.mentions.within(*span)
             if not article.mentions.is_anaphor(m) and m.entity.type in _SUBJECT_TYPES]
    if not named:
        return []
    claims = [c for s in sentences for c in _sentence(article, s)[0]]
    return [c for c in claims if c.subject in named]


def _list_item(article: _Article, run: _Run, frame: Frame,
               blocks: list[tuple[int, list[Sentence]]], position: int) -> list[Claim]:
    segmentation = article.segmentation
    sentences = blocks[position][1]
    span, evidence, definition = _item_span(segmentation, sentences)
    own = _own_claims(article, sentences[:1] if definition else sentences, span)
    if not run.typed:
        run.mint_type = _mint_type(article, frame, _list_spans(segmentation, blocks, position),
                                   run.lead_in)
        run.typed = True
    run.after_opener = False
    if frame is run.lead and run.lead_in is not None \
            and evidence[1] - run.lead_in.start <= _MAX_LEAD_IN_EVIDENCE:
        # The lead-in gives the item its meaning ("You may feel: - dizzy").
        evidence = (run.lead_in.start, evidence[1])
    return own or _item_claims(article, frame, span, evidence, run.mint_type)


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
    words = tokenize(text)
    scan = _SCANNER.scan(text, words.starts, words.ends)
    article = _Article(text, segmentation, find_mentions(segmentation, vocabulary, words, scan),
                       vocabulary, scan)
    claims: list[Claim] = []
    run = _Run()
    blocks = [(index, list(group)) for index, group in
              groupby(segmentation.sentences, key=lambda s: s.block)]
    for position, (index, sentences) in enumerate(blocks):
        kind = segmentation.blocks[index].kind
        if kind in (BlockKind.TITLE, BlockKind.HEADING):
            for sentence in sentences:
                claims += _sentence(article, sentence)[0]
            level = segmentation.blocks[index].level
            section = _heading_frame(article, sentences[0])
            if section is None and run.section is not None and (
                    level > run.level or SUBHEADING.match(text, sentences[0].start)):
                section, level = run.section, run.level  # a subheading within the section
            run = _Run(section=section, after_opener=True, level=level)
            continue
        frame = run.lead or run.section
        if frame is not None and (kind is BlockKind.LIST_ITEM or (
                run.after_opener and _is_value_line(text, sentences))):
            claims += _list_item(article, run, frame, blocks, position)
            continue
        lead = None
        for sentence in sentences:
            found, frames = _sentence(article, sentence)
            claims += found
            lead = frames[0] if frames else None
        last = sentences[-1]
        section = run.section
        if lead is None and text[last.start:last.end].endswith(":") and section:
            lead = _lead_in_on_section(article, last, section)
            if lead is None:
                section = None  # the list after it is not the section's
        run = _Run(lead=lead, section=section, after_opener=lead is not None,
                   level=run.level, lead_in=last if lead is not None else None)
    claims = _weak_evidence(article, claims) + _infobox_claims(article)
    mentions = sorted({*article.mentions.names, *article.minted},
                      key=lambda m: (m.start, m.end, m.entity.key))
    return Extraction(document, tuple(mentions), _unique(claims))


def _weak_evidence(article: _Article, claims: list[Claim]) -> list[Claim]:
    """A title, a heading or a question is never the evidence of an asserted
    claim: such a claim goes when the article states it elsewhere,
    and is kept as hedged when it does not."""
    segmentation, text = article.segmentation, article.text
    headings = {(s.start, s.end) for s in segmentation.sentences
                if segmentation.kind(s) in (BlockKind.TITLE, BlockKind.HEADING)}

    def weak(claim: Claim) -> bool:
        return claim.rule.startswith(("treats.", "usedIn.", "adverse", "hasAdverseEffect.")) \
            and ((claim.start, claim.end) in headings
                 or text[claim.start:claim.end].rstrip().endswith("?"))

    weaks = [weak(c) for c in claims]
    stated = {(c.subject.key, c.predicate, c.object.key) for c, w in zip(claims, weaks) if not w}
    kept = []
    for claim, is_weak in zip(claims, weaks):
        if is_weak:
            if (claim.subject.key, claim.predicate, claim.object.key) in stated:
                continue
            if claim.modality is Modality.ASSERTED:
                claim = replace(claim, modality=Modality.HEDGED, cues=claim.cues + ("heading",))
        kept.append(claim)
    return kept


def _infobox_claims(article: _Article) -> list[Claim]:
    """What the page's infobox rows state about its drug (`infobox`)."""
    drug = article.mentions.main_drug
    if drug is None:
        return []
    text = article.text
    return [Claim(drug, row.predicate, row.object, row.modality, text[row.start:row.end],
                  row.start, row.end, "infobox.row", (text[row.start:row.end].split("\n")[0],))
            for row in infobox_rows(text, list(article.mentions.names), article.vocabulary)]


def _unique(claims: list[Claim]) -> tuple[Claim, ...]:
    """One claim per (subject, predicate, object, evidence span), first rule wins."""
    seen: dict[tuple, Claim] = {}
    for claim in claims:
        key = (claim.subject.key, claim.predicate, claim.object.key, claim.start, claim.end)
        seen.setdefault(key, claim)
    return tuple(sorted(seen.values(), key=lambda c: (c.start, c.end, c.subject.key,
                                                      c.predicate, c.object.key)))
