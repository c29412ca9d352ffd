"""List items -> the entities they name, minted when the vocabulary lacks them.

An item's name is its text before any explanation (a dash, colon, bracket
or "during ..."); a coordination in it names several things unless it sits
inside a prepositional phrase ("swelling of the lips or tongue").  Known
names are used when they account for the name; otherwise the phrase is a
new entity of the list's type, minted unmapped so curators can find it.
"""
from __future__ import annotations

import re

from .model import Entity, EntityType, Mention
from .vocab import Vocabulary, is_acronym, slug, tokenize

__all__ = ["item_entities", "item_phrases", "mint"]

_EXPLANATION = re.compile(r"\s+[–—-]\s+|[:;(]|,\s+(?:which|that|who|especially|usually|"
                          r"often|sometimes|such as|for example|e\.g\.|particularly|mainly|"
                          r"mostly|including|even|in|at|on)\b|"
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
_ACTIVITY = re.compile(r"[a-z]+ing\b")
# "draining an abscess", "cleaning and stitching cuts": an activity, one phrase.
_ACTIVITY_ITEM = re.compile(r"[A-Za-z]+ing\s+(?:and\s+[a-z]+ing\s+)?(?:an?|the|your|their|his|"
                            r"her)\b")
# Doses and schedules ("week 1: 5 mg") are not names of things.
_DIGIT = re.compile(r"\d")


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
    activity = bool(_ACTIVITY_ITEM.match(text, start, stop))
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
    if (nested and not split) or activity \
            or any(len(p.split()) > _MAX_CONJUNCT_WORDS for p in parts):
        pieces = [(0, len(head))]
    phrases = []
    for a, b in pieces:
        phrase = head[a:b]
        determiner = _DETERMINER.match(phrase)
        if determiner:
            a += determiner.end()
            phrase = head[a:b]
        if not phrase or len(phrase.split()) > _MAX_MINTED_WORDS \
                or not any(ch.isalpha() for ch in phrase) or _DIGIT.search(phrase):
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
    glossed = [m for m in known if cut is not None and cut.group().startswith("(")
               and m.start >= cut.start()]
    used: list[Mention] = []
    minted = []
    for label, a, b in phrases:
        inside = [m for m in known if a <= m.start and m.end <= b]
        # "starting general anaesthesia in an emergency" describes an
        # activity around the known name, which is the thing meant.
        if inside and (_covers(text, a, b, inside) or _ACTIVITY.match(text, a, b)):
            used += inside
        elif glossed:
            used += [m for m in glossed if m not in used]
        elif etype is not None and not _covers(text, a, b, [m for m in others
                                                            if a <= m.start and m.end <= b]) \
                and (etype is EntityType.PROCEDURE or not _ACTIVITY_ITEM.match(text, a, b)):
            minted.append(Mention(mint(label, etype, vocabulary), a, b))
    return used + minted, minted
