"""The domain words, read from `ontology/domain.toml`: entity types,
predicates with their domains, ranges and reader words, and modalities with
theirs.

The one owner of these words.  Extraction, the graph, pages, API, OpenAPI,
exports and search read them here; nothing else lists predicates or says
how a modality reads.  Pure data, loaded once at import.

>>> PREDICATES["hasAdverseEffect"].label
'has adverse effect'
>>> MODALITIES["negated"].label
'denied'
>>> describe("Ketamine", "increases", "glutamate", "hedged")
'Ketamine may increase glutamate'
>>> REVIEW_STATES["rejected"].label, FLAG_REASONS["wrong-modality"].label
('rejected', 'wrong modality')
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import ontology

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the backport has the same interface
    import tomli as tomllib

__all__ = ["FLAG_REASONS", "MODALITIES", "PREDICATES", "READING_ORDER", "REVIEW_STATES", "TYPES",
           "FlagReason", "ModalityWords", "Predicate", "ReviewState", "TypeWords", "describe"]


@dataclass(frozen=True)
class TypeWords:
    """An entity type: its class name and how readers see it."""

    name: str
    label: str
    plural: str


@dataclass(frozen=True)
class ModalityWords:
    """A modality and the one word readers see for it, with its verb forms."""

    name: str
    label: str
    verb: str
    passive: str

    @property
    def heading(self) -> str:
        """The label as a heading: 'Stated', 'Under study'."""
        return self.label[:1].upper() + self.label[1:]


@dataclass(frozen=True)
class ReviewState:
    """A claim's review state (issue 19) and how readers see it."""

    name: str
    label: str
    description: str


@dataclass(frozen=True)
class FlagReason:
    """Why a reader flags a claim: the stored value and the words of the
    choice."""

    name: str
    label: str
    question: str


@dataclass(frozen=True)
class Predicate:
    """A predicate: the entity types it may join, and its words."""

    name: str
    label: str
    domain: frozenset[str]
    range: frozenset[str]
    verb: str
    base: str
    heading: str
    #: Other ways readers ask for it ("side effects", "used for", "how is
    #: it given"), beside the label, verb and base; search reads them all.
    search_words: tuple[str, ...] = ()
    #: The heading over a group of these relations from the object's side
    #: (empty: "What <verb> it", as in "What treats it").
    incoming: str = ""

    @property
    def incoming_heading(self) -> str:
        """Over the entities that stand in this relation to one entity.

        >>> PREDICATES["treats"].incoming_heading
        'What treats it'
        """
        return self.incoming or f"What {self.sentence(self.verb, 'it')}"

    @property
    def phrases(self) -> tuple[str, ...]:
        """Every phrase naming this predicate in a reader's words: the label,
        the verb, the base form and the search words, in that order.

        >>> PREDICATES["antagonistOf"].phrases[:3]
        ('antagonist of', 'blocks', 'block')
        """
        forms = (self.label, _bare(self.verb), _bare(self.base), *self.search_words)
        return tuple(dict.fromkeys(forms))

    def sentence(self, form: str, obj: str) -> str:
        """`form` (the verb or base form) with the object in its place:
        after the phrase, or where the phrase puts `{object}`.

        >>> PREDICATES["administeredVia"].sentence("is given by the {object} route", "oral")
        'is given by the oral route'
        """
        return form.replace(_OBJECT, obj) if _OBJECT in form else f"{form} {obj}"


#: Where a verb form places the object ("is given by the {object} route").
_OBJECT = "{object}"


def _bare(form: str) -> str:
    """A verb form without its object placeholder, for matching words."""
    return " ".join(form.replace(_OBJECT, " ").split())


def _load() -> tuple[dict[str, TypeWords], dict[str, ModalityWords], dict[str, Predicate],
                     tuple[str, ...], dict]:
    with open(ontology.DOMAIN, "rb") as handle:
        table = tomllib.load(handle)
    curation = {"review_state": {s["name"]: ReviewState(**s) for s in table["review_state"]},
                "flag_reason": {r["name"]: FlagReason(**r) for r in table["flag_reason"]}}
    types = {t["name"]: TypeWords(**t) for t in table["type"]}
    modalities = {m["name"]: ModalityWords(**m) for m in table["modality"]}
    predicates = {}
    for p in table["predicate"]:
        unknown = (set(p["domain"]) | set(p["range"])) - set(types)
        if unknown:
            raise ValueError(f"{ontology.DOMAIN}: predicate {p['name']} names unknown "
                             f"types {sorted(unknown)}")
        predicates[p["name"]] = Predicate(**{**p, "domain": frozenset(p["domain"]),
                                             "range": frozenset(p["range"]),
                                             "search_words": tuple(p.get("search_words", ()))})
    order = tuple(table["reading_order"])
    if sorted(order) != sorted(predicates):
        raise ValueError(f"{ontology.DOMAIN}: reading_order must name every predicate once")
    return types, modalities, predicates, order, curation


_types, _modalities, _predicates, _order, _curation = _load()
#: Entity type name -> its words, in the table's order.
TYPES: Mapping[str, TypeWords] = MappingProxyType(_types)
#: Modality name -> its words, in the order readers look at them.
MODALITIES: Mapping[str, ModalityWords] = MappingProxyType(_modalities)
#: Predicate name -> its domain, range and words, in the table's order.
PREDICATES: Mapping[str, Predicate] = MappingProxyType(_predicates)
#: Every predicate name, in the order entity pages list relations: what
#: readers look for first ("what it treats") at the top.
READING_ORDER: tuple[str, ...] = _order
#: Review state name -> its words, in order of precedence (the first that
#: applies to a claim is its state).
REVIEW_STATES: Mapping[str, ReviewState] = MappingProxyType(_curation["review_state"])
#: Flag reason name (the stored and sent value) -> its words.
FLAG_REASONS: Mapping[str, FlagReason] = MappingProxyType(_curation["flag_reason"])


def describe(subject: str, predicate: str, obj: str, modality: str) -> str:
    """A relation as a plain sentence that keeps the article's modality.

    >>> describe("Ketamine", "decreases", "blood pressure", "negated")
    'Ketamine does not decrease blood pressure'
    >>> describe("Ketamine", "usedIn", "anaesthesia", "negated")
    'Ketamine is not used in anaesthesia'
    >>> describe("Ketamine", "administeredVia", "intravenous", "asserted")
    'Ketamine is given by the intravenous route'
    """
    words = PREDICATES.get(predicate)
    if words is None:
        third = base = f"{predicate} {obj}"
    else:
        third, base = words.sentence(words.verb, obj), words.sentence(words.base, obj)
    if modality == "hedged":
        return f"{subject} may {base}"
    if modality == "investigational":
        return f"Studies are looking at whether {subject} {third}"
    if modality == "negated":
        if base.startswith("be "):
            return f"{subject} is not {base[3:]}"
        return f"{subject} does not {base}"
    return f"{subject} {third}"
