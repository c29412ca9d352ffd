"""Guard rails: the one-way data flow and each package's public surface."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import networkx as nx
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


# ------------------------------------------------------------ import graph

#: Packages whose modules must not import each other in a circle.
CORE = ("kg", "ingest", "webapp", "ontology")
#: The composition root (`KnowledgeGraph`) and the modules allowed to
#: import it: the package surface, the command line and the services that
#: are handed an open graph (the SPARQL runner, exports).  Everything else
#: in kg takes a `kg.context.Context`.
ROOT_MODULE = "kg.graph"
ROOT_USERS = {"kg", "kg.cli", "kg.cli_curation", "kg.sparql.runner", "kg.export.construct",
              "kg.export.request"}


def _module_names(root: Path, packages: tuple[str, ...]) -> dict[str, tuple[Path, bool]]:
    """Dotted module name -> (file, whether it is a package __init__)."""
    found = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def import_graph(root: Path = ROOT, packages: tuple[str, ...] = CORE) -> nx.DiGraph:
    """Module -> the modules it imports, at any level of the file: function
    bodies and `if TYPE_CHECKING:` blocks count.  `from package import
    module` is an import of the module; importing a name from a package is
    an import of its __init__."""
    modules = _module_names(root, packages)

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = nx.DiGraph()
    for name, (path, is_package) in modules.items():
        graph.add_node(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[:len(base) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules
                           else module for alias in node.names]
            for target in targets:
                found = owner(target)
                if found and found != name:
                    graph.add_edge(name, found)
    return graph


def test_no_import_cycle():
    """No module of kg, ingest, webapp or ontology imports itself back
    through others (deferred and type-only imports included)."""
    import networkx as nx

    cycles = [sorted(group) for group in nx.strongly_connected_components(import_graph())
              if len(group) > 1]
    assert cycles == []


def test_only_the_composition_root_sees_knowledge_graph():
    """Below `kg.graph`, modules work on a `Context` (store + minter) and
    never import `KnowledgeGraph`; only the root sequences graph and index."""
    graph = import_graph()
    users = {name for name in graph.predecessors(ROOT_MODULE) if name.startswith("kg")}
    assert users - ROOT_USERS == set()


def test_the_import_checks_can_fail(tmp_path):
    """The checker sees a relative, type-only import cycle."""
    for name, text in {"__init__.py": "", "a.py": "from . import b\n",
                       "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                               "    from .a import x\n"}.items():
        (tmp_path / "kg" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "kg" / name).write_text(text, encoding="utf-8")
    groups = [g for g in nx.strongly_connected_components(import_graph(tmp_path, ("kg",)))
              if len(g) > 1]
    assert groups == [{"kg.a", "kg.b"}]
