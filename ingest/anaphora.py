"""Pronouns and descriptions -> the drug they refer to.

"it", "its", bare "this" ("this is", "this can"), "they" and descriptions
such as "the drug", "this medicine" or "long-term use" resolve to a drug:
the one drug of the nearest sentence that names any, that sentence's
subject or the article's main drug when it names several, and the main
drug when none is near.  A sentence opening with a name that is not a drug
("Depression is common. It can ...") stops the search: "it" is that thing.
"they" refers only to a drug class or chemicals just named as a plural
subject ("These neurotransmitters ... They affect ...").
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .lexicon import Scan, WordPatterns
from .model import BlockKind, Entity, EntityType, Mention
from .segment import Segmentation
from .vocab import is_drug_class

__all__ = ["ANAPHORA", "resolve_anaphora"]

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
_COORDINATED_DRUGS = re.compile(r"\s*(?:,|\band\b|\bor\b|&|/)\s*(?:\w+\s+)?", re.I)
# How many earlier sentences an anaphor may reach back for its drug.
_ANTECEDENT_WINDOW = 3
# A name is the sentence's subject when at most one of these comes before it.
_DETERMINERS = frozenset("""the a an this that these those your his her their its our my some
    many most chronic severe acute mild long-term""".split())


@dataclass(frozen=True)
class _Said:
    """What an earlier sentence offers as an antecedent."""

    drugs: tuple[Entity, ...]      # drugs it names or refers to, in order
    subject: Entity | None         # its subject, when that is one drug alone
    other_subject: bool            # it opens with a name that is not a drug
    plural: bool = False           # its subject is written in the plural ("SSRIs")
    chemicals: Entity | None = None  # a plural chemical subject ("These neurotransmitters")


def _subject_drug(text: str, mentions: list[Mention], sentence_start: int,
                  token_starts: list[int]) -> tuple[Mention | None, bool]:
    """(the sentence's subject if it is a single drug, or the chemical that
    opens it; whether it opens with a non-drug name) from where its first
    mention sits."""
    if not mentions:
        return None, False
    opening = mentions[0]
    first = bisect.bisect_left(token_starts, sentence_start)
    before = bisect.bisect_left(token_starts, opening.start) - first
    if before > 1 or (before == 1 and text[token_starts[first]:opening.start].split()[0].lower()
                      not in _DETERMINERS):
        return None, False
    if opening.entity.type is not EntityType.DRUG:
        return (opening if opening.entity.type is EntityType.CHEMICAL else None), True
    after = mentions[1] if len(mentions) > 1 else None
    coordinated = after is not None and after.entity.type is EntityType.DRUG \
        and _COORDINATED_DRUGS.fullmatch(text, opening.end, after.start)
    return (None if coordinated else opening), False


def resolve_anaphora(segmentation: Segmentation, names: list[Mention],
                     main_drug: Entity | None, token_starts: list[int],
                     scan: Scan) -> list[Mention]:
    """Pronouns and drug descriptions -> the drug they refer to.

    Args:
        segmentation: the article's sentences, in order.
        names: the article's name mentions, by position.
        main_drug: the article's main drug, if any.
        token_starts: where the article's words begin.
        scan: the article scanned for `ANAPHORA`.

    Returns:
        One mention per resolved anaphor; unresolved ones are left out.
    """
    text = segmentation.text
    starts = [m.start for m in names]
    anaphors = [(m.start(), m.end(), _KINDS[ANAPHORA.index(m)])
                for m in scan.between(ANAPHORA, 0, len(text))]
    anaphor_starts = [a[0] for a in anaphors]
    resolved: list[Mention] = []
    # What each earlier sentence offers, as its mentions and start until an
    # anaphor nearby needs it as a `_Said` (most sentences are never asked).
    history: list[_Said | tuple[list[Mention], int]] = []
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
            # Only the last few sentences count (`_antecedent`), so only
            # those are copied: the whole history made this quadratic.
            recent: list[_Said] = []
            for back in range(max(0, len(history) - _ANTECEDENT_WINDOW), len(history)):
                said = history[back]
                if isinstance(said, tuple):
                    said = history[back] = _said(text, *said, token_starts)
                recent.append(said)
            recent.append(_said(text, before, sentence.start, token_starts))
            drug = (_plural_antecedent(recent) if kind is _THEY
                    else _antecedent(recent, kind is _IT, main_drug))
            if drug is not None:
                mention = Mention(drug, start, end)
                resolved.append(mention)
                here.append(mention)
        if segmentation.kind(sentence) is not BlockKind.LIST_ITEM:
            here.sort(key=lambda m: m.start)
            history.append((here, sentence.start))
    return resolved


def _said(text: str, mentions: list[Mention], sentence_start: int,
          token_starts: list[int]) -> _Said:
    subject, other = _subject_drug(text, mentions, sentence_start, token_starts)
    written = text[subject.start:subject.end] if subject else ""
    plural = written.endswith("s") and not written.endswith("ss")
    chemicals = subject.entity if other and subject is not None and plural else None
    if other:
        subject = None  # a chemical opens it: no drug is its subject
    return _Said(tuple(m.entity for m in mentions
                       if m.entity.type is EntityType.DRUG and not is_drug_class(m.entity)),
                 subject.entity if subject else None, other, plural and subject is not None,
                 chemicals)


def _plural_antecedent(history: list[_Said]) -> Entity | None:
    """"They" refers to a drug class just named as a subject in the plural
    ("Benzodiazepines are controlled. They can be addictive."), else to
    nothing: it is as likely to be patients or doctors."""
    for said in reversed(history[-2:]):
        if said.plural:
            return said.subject
        if said.chemicals is not None:
            return said.chemicals  # "These neurotransmitters ... They affect ..."
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
            if all(d.key == said.drugs[0].key for d in said.drugs):
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
