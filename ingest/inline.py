"""Lists inside a sentence: "Common side effects include nausea, vivid
dreams and dry mouth", "used to treat anxiety, panic attacks and insomnia".

A cue whose objects follow it reads the list after it (after "include",
"including", "such as" or a colon when one comes first) item by item, as a
bulleted list would be read: items the vocabulary knows are already the
cue's objects; an item it lacks is minted as a new, unmapped entity of the
cue's type (a side effect, a condition), so the claim is not lost.  The
list ends where an item stops looking like a name (a clause, a figure, a
long phrase).  Issue 16.
"""
from __future__ import annotations

import re

from .folding import fold
from .items import mint
from .model import EntityType, Mention
from .vocab import Vocabulary, is_acronym

__all__ = ["inline_items"]

_TRIGGER = re.compile(r"\b(?:include|includes|included|including|such\s+as|e\.g\.,?)\s+|:\s+",
                      re.I)
_TRIGGER_REACH = 60
_TRIGGER_WORDS = ("includ", "such", "e.g.", ":")  # what _TRIGGER cannot match without
_SPLIT = re.compile(r"\s*[,;]\s*(?:and\s+|or\s+)?|\s+(?:and|or|and/or|as\s+well\s+as)\s+", re.I)
_END = re.compile(r"[.;:!?\[]|\s[–—]\s|,?\s+(?:which|that|who|but|because|although|when|if|"
                  r"while|whereas|especially|particularly|usually|often|in\s+(?:people|patients|"
                  r"children|adults|some|rare|up\s+to))\b", re.I)
_LEADING = re.compile(r"^(?:(?:a|an|the|some|other|possible|potential|more|less|rarely|"
                      r"occasionally|sometimes|also|even|both|either|mild|severe|serious)\s+)+",
                      re.I)
_RISK = re.compile(r"^(?:(?:an?\s+)?(?:increased|higher|greater|elevated)\s+)?risks?\s+of\s+",
                   re.I)
_NOT_A_NAME = re.compile(r"\d|\b(?:is|are|was|were|be|been|can|could|may|might|will|would|"
                         r"should|has|have|had|do|does|did|you|your|it|its|they|their|this|"
                         r"these|those|which|that|who|other|others|etc|many|more|several|"
                         r"various|number|range|variety|some|people|patients|drug|drugs|"
                         r"medication|medications|medicine|treatment|use|using|used)\b", re.I)
_VERB = re.compile(r"\b(?:is|are|was|were|be|been|has|have|had|can|could|may|might|will|would|"
                   r"should|do|does|did)\b", re.I)
_MAX_WORDS = 4
_MIN_ITEMS = 3


def inline_items(text: str, cue_end: int, limit: int, mentions: list[Mention],
                 etype: EntityType, vocabulary: Vocabulary) -> list[Mention]:
    """New entities for the unknown items of a list that follows a cue.

    Args:
        text: the article text.
        cue_end: where the cue ends.
        limit: where the list must end (the clause's end).
        mentions: the sentence's mentions, in order.
        etype: the type to mint the items with.
        vocabulary: keeps minted keys apart from vocabulary keys.

    Returns:
        Mentions of minted entities and of known names of `etype` inside
        longer items, in text order; empty unless the text after the cue
        reads as a list of at least three names.
    """
    reach = min(limit, cue_end + _TRIGGER_REACH)
    folded = fold(text[cue_end:reach])
    trigger = None if folded is not None and not any(
        word in folded for word in _TRIGGER_WORDS) else _TRIGGER.search(text, cue_end, reach)
    triggered = trigger is not None and not any(cue_end <= m.start < trigger.start()
                                                and m.entity.type is not EntityType.DRUG
                                                for m in mentions)
    if trigger is not None and triggered:
        start = trigger.end()
    else:
        # No "include"/"such as": the list must open right after the cue
        # with a name the vocabulary knows ("used to treat anxiety, ...").
        start = cue_end
        first = next((m for m in mentions if m.start >= cue_end), None)
        if first is None or _LEADING.sub("", text[cue_end:first.start].strip()):
            return []
    stop = _END.search(text, start, limit)
    end = stop.start() if stop else limit
    pieces, pos = [], start
    for sep in _SPLIT.finditer(text, start, end):
        pieces.append((pos, sep.start()))
        pos = sep.end()
    pieces.append((pos, end))
    if len(pieces) < _MIN_ITEMS:
        return []
    found, names = [], 0
    for a, b in pieces:
        while a < b and not text[a].isalnum():
            a += 1
        while b > a and not text[b - 1].isalnum() and text[b - 1] != ")":
            b -= 1
        phrase = text[a:b]
        lead = _LEADING.match(phrase)
        if lead:
            a, phrase = a + lead.end(), phrase[lead.end():]
        risk = _RISK.match(phrase)
        if risk:
            a, phrase = a + risk.end(), phrase[risk.end():]
        inside = [m for m in mentions if a <= m.start and m.end <= b]
        if inside and _VERB.search(phrase):
            break  # "and liver injury has been reported": a clause, the list has ended
        if inside:
            # "a number of types of irregular heartbeat": a known name in a
            # longer item is the item.
            names += 1
            if inside[0].entity.type is etype:  # the head; later names qualify it
                found.append(inside[0])
            continue
        if len(phrase) < 3 or len(phrase.split()) > _MAX_WORDS or _NOT_A_NAME.search(phrase) \
                or "(" in phrase or ")" in phrase:
            break  # the list has ended
        names += 1
        if any(m.start < b and a < m.end for m in mentions):
            continue  # part of a known name of another kind
        label = phrase if is_acronym(phrase.split()[0]) else phrase[0].lower() + phrase[1:]
        found.append(Mention(mint(label, etype, vocabulary), a, b))
    if names < _MIN_ITEMS:
        return []
    if not triggered:
        # Without "include"/"such as" the list is only as long as its known
        # names reach: "reduces craving and withdrawal and blunts ..." ends
        # before "blunts".
        last = max((m.end for m in mentions if m.entity.type is etype and m.start >= start
                    and m.end <= end), default=start)
        found = [m for m in found if m.end <= last]
    return found
