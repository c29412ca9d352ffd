"""The extraction data model: plain, frozen values shared by every stage.

Nothing here imports rdflib: a Document goes in, Claims come out, and the
`kg` package turns them into RDF.  Identity is by content, so extracting the
same text twice yields equal values (and, in `kg`, equal IRIs).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from . import domain

__all__ = ["Block", "BlockKind", "Claim", "Document", "Entity", "EntityType", "Extraction",
           "Mention", "Modality", "PREDICATES"]


class Modality(str, enum.Enum):
    """How the article states a claim."""

    ASSERTED = "asserted"
    HEDGED = "hedged"
    INVESTIGATIONAL = "investigational"
    NEGATED = "negated"


class EntityType(str, enum.Enum):
    """The entity classes of the ontology (`hkg:` local names)."""

    DRUG = "Drug"
    CHEMICAL = "Chemical"
    RECEPTOR = "Receptor"
    MECHANISM = "Mechanism"
    CONDITION = "Condition"
    ADVERSE_EFFECT = "AdverseEffect"
    PROCEDURE = "Procedure"
    ROUTE = "Route"


#: Predicate local name -> (allowed subject types, allowed object types),
#: from the domain table (`ontology/domain.toml`, read by `ingest.domain`).
PREDICATES: dict[str, tuple[frozenset[EntityType], frozenset[EntityType]]] = {
    name: (frozenset(EntityType(t) for t in p.domain), frozenset(EntityType(t) for t in p.range))
    for name, p in domain.PREDICATES.items()}


class BlockKind(str, enum.Enum):
    """The structural role of a run of article text."""

    TITLE = "title"
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"


@dataclass(frozen=True)
class Block:
    """A structural unit of the text: `text[start:end]` is its content.

    Args:
        kind: heading, paragraph, list item...
        start: offset of the first character in `Document.text`.
        end: offset one past the last character.
        level: heading level (1-6) or list nesting depth; 0 when not relevant.
    """

    kind: BlockKind
    start: int
    end: int
    level: int = 0


@dataclass(frozen=True)
class Document:
    """An article as ingested: its exact text and its structure.

    `text` is what offsets point into; for a `.txt` file it is the file's text
    (after NFC normalisation and removal of control characters).  `blocks`
    may be empty, in which case the segmenter derives structure from lines.
    """

    id: str
    title: str
    text: str
    format: str
    source: str = ""
    date: str = ""
    url: str = ""
    blocks: tuple[Block, ...] = ()


@dataclass(frozen=True)
class Entity:
    """A named thing: a vocabulary entry, or minted from an article.

    `key` is a URL slug unique across the vocabulary; `kg` makes the IRI
    `<base>entity/<key>` from it.  `mapped` is False for entities minted
    from an article that the curated vocabulary lacks.
    """

    key: str
    label: str
    type: EntityType
    synonyms: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    mapped: bool = True


@dataclass(frozen=True)
class Mention:
    """`text[start:end]` names `entity`."""

    entity: Entity
    start: int
    end: int


@dataclass(frozen=True)
class Claim:
    """One relation stated by an article, with its evidence.

    `text[start:end] == evidence` always holds for the article's text.
    `rule` names the extraction rule, `cues` the words that triggered the
    predicate and the modality, so a curator can see why the claim exists.
    """

    subject: Entity
    predicate: str
    object: Entity
    modality: Modality
    evidence: str
    start: int
    end: int
    rule: str
    cues: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Extraction:
    """Everything extraction learned from one Document."""

    document: Document
    mentions: tuple[Mention, ...]
    claims: tuple[Claim, ...]

    @property
    def minted(self) -> tuple[Entity, ...]:
        """Entities the vocabulary lacks, minted from this article, by key."""
        seen: dict[str, Entity] = {}
        for claim in self.claims:
            for entity in (claim.subject, claim.object):
                if not entity.mapped:
                    seen.setdefault(entity.key, entity)
        for mention in self.mentions:
            if not mention.entity.mapped:
                seen.setdefault(mention.entity.key, mention.entity)
        return tuple(seen[k] for k in sorted(seen))
