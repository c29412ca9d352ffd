"""Fixtures for the ingest tests: the hand-written test vocabulary."""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest import load_vocabulary

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def vocabulary():
    """The vocabulary of `data/vocabulary.ttl` (see data/README.md)."""
    return load_vocabulary(DATA / "vocabulary.ttl")
