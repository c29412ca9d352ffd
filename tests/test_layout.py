"""Guard rails: the one-way data flow and each package's public surface."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
#: package -> packages it must never import.
FORBIDDEN = {"ingest": {"kg", "webapp"}, "kg": {"webapp"}, "ontology": {"kg", "ingest", "webapp"}}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_data_flows_one_way(package):
    """ingest imports neither kg nor webapp; kg never imports webapp."""
    offenders = {str(p.relative_to(ROOT)): sorted(_imports(p) & FORBIDDEN[package])
                 for p in (ROOT / package).rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize("package", ["kg", "ingest", "webapp", "ontology"])
def test_public_names_exist(package):
    """Every name in __all__ is importable (no stale re-exports)."""
    module = importlib.import_module(package)
    assert module.__all__, f"{package} declares no public surface"
    missing = [name for name in module.__all__ if not hasattr(module, name)]
    assert missing == []


def test_kg_public_surface_is_exact():
    import kg

    assert sorted(kg.__all__) == ["ConfigError", "KGError", "KnowledgeGraph", "NotFound",
                                  "QueryError", "SETTINGS", "Settings", "StoreBusy",
                                  "StoreUnavailable", "load_settings"]
