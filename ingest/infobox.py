"""Infobox and table rows: "Routes of administration | By mouth, IV |",
"Addiction liability | Moderate", "Dependence liability | Physical: High".

Drug pages (encyclopedias, formularies) summarise a drug in rows of a
field name and a value, written as a table row ("Field | value |") or as
the field on its own line(s) and the value on the next.  The rows that
state a relation of the page's drug are read here; every other row (half
life, bioavailability, identifiers) is page furniture.  Issue 16.

- routes of administration: each item is a route (`administeredVia`);
- addiction and dependence liability: the drug has that risk
  (`hasAdverseEffect`), negated when the value is "none"; a value split into
  "Physical: ..." and "Psychological: ..." names both kinds of dependence.

The evidence is the row: the field and its value.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .folding import fold
from .items import mint
from .model import Entity, EntityType, Mention, Modality
from .vocab import Vocabulary

__all__ = ["Row", "infobox_rows"]

_FIELD = re.compile(
    r"(?im)^[ \t|]*(?P<field>routes?[ \t]+of[ \t\n]+administration|"
    r"(?P<kind>addiction|dependence)[ \t\n]+liability)[ \t]*(?:\|[ \t]*|\n[ \t]*)"
    r"(?P<value>[^|\n]{1,200})")
_ITEM = re.compile(r"\s*(?:,|;|\band\b|\bor\b)\s*", re.I)
_NONE = re.compile(r"^\s*(?:none|no|nil|negligible|not\s+addictive)\b", re.I)
_KINDS = re.compile(r"\b(?P<kind>physical|psychological)\s*:", re.I)
_REFERENCE = re.compile(r"\[\d+\]|\[[a-z]\]")


@dataclass(frozen=True)
class Row:
    """One relation an infobox row states about the page's drug."""

    predicate: str
    object: Entity
    modality: Modality
    start: int
    end: int


def _route(text: str, a: int, b: int, mentions: list[Mention],
           vocabulary: Vocabulary) -> Entity | None:
    inside = [m for m in mentions if a <= m.start and m.end <= b
              and m.entity.type is EntityType.ROUTE]
    if inside:
        return inside[0].entity
    name = _REFERENCE.sub("", text[a:b]).strip(" .()")
    name = re.sub(r"\s*\(.*$", "", name).strip()
    if not name or len(name.split()) > 3 or any(ch.isdigit() for ch in name):
        return None
    return vocabulary.find(name) or mint(name.lower(), EntityType.ROUTE, vocabulary)


def _liability(kind: str, value: str, vocabulary: Vocabulary) -> list[tuple[Entity, Modality]]:
    negated = bool(_NONE.match(value))
    modality = Modality.NEGATED if negated else Modality.ASSERTED
    names = [kind]
    if kind == "dependence":
        kinds = [m.group("kind").lower() for m in _KINDS.finditer(value)]
        names = [f"{k} dependence" for k in kinds] or names
    found = []
    for name in names:
        entity = vocabulary.find(name) or mint(name, EntityType.ADVERSE_EFFECT, vocabulary)
        found.append((entity, modality))
    return found


def infobox_rows(text: str, mentions: list[Mention], vocabulary: Vocabulary) -> list[Row]:
    """The relations stated by the text's infobox rows, in text order.

    Args:
        text: the article text.
        mentions: the article's name mentions, in order.
        vocabulary: where route and risk names are looked up (and minted
            apart from).

    Returns:
        The rows' relations; their subject is the page's drug.
    """
    rows: list[Row] = []
    folded = fold(text)
    if folded is not None and "administration" not in folded and "liability" not in folded:
        return rows  # no field this module reads: skip the pattern over the whole text
    for match in _FIELD.finditer(text):
        value_start, value_end = match.span("value")
        while value_end > value_start and text[value_end - 1].isspace():
            value_end -= 1
        start = match.start("field")
        if match.group("kind"):
            for entity, modality in _liability(match.group("kind").lower(),
                                               text[value_start:value_end], vocabulary):
                rows.append(Row("hasAdverseEffect", entity, modality, start, value_end))
            continue
        pos = value_start
        pieces = []
        for sep in _ITEM.finditer(text, value_start, value_end):
            pieces.append((pos, sep.start()))
            pos = sep.end()
        pieces.append((pos, value_end))
        for a, b in pieces:
            route = _route(text, a, b, mentions, vocabulary)
            if route is not None:
                rows.append(Row("administeredVia", route, Modality.ASSERTED, start, value_end))
    return rows
