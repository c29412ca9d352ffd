"""The ingest package's public surface is exactly what it declares."""
from __future__ import annotations

import ingest


def test_all_is_exact():
    """`ingest.__all__` lists the reader, the extractor, the vocabulary loader,
    the error and the model classes, and nothing else."""
    assert sorted(ingest.__all__) == sorted([
        "ArticleError", "Block", "BlockKind", "Claim", "Document", "EXTRACTOR_VERSION",
        "Entity", "EntityType", "Extraction", "Mention", "Modality", "PREDICATES",
        "Vocabulary", "extract", "load_vocabulary", "read_article"])


def test_every_public_name_exists():
    """Each name in __all__ is importable from the package."""
    assert [n for n in ingest.__all__ if not hasattr(ingest, n)] == []


def test_extractor_version_is_a_string():
    """The version recorded on claims is a non-empty string."""
    assert isinstance(ingest.EXTRACTOR_VERSION, str) and ingest.EXTRACTOR_VERSION
