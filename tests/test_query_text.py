"""Query text is built only through the term builders of `kg.terms`.

An entity name pasted between `<` and `>` once let any visitor end the IRI
and write query text of their own (a SERVICE clause made the server connect
anywhere).  This test reads every module of `kg/` and `webapp/` and fails
when an f-string that looks like SPARQL interpolates anything but:

- a call to a function that returns `Sparql` (`iri`, `iris`, `literal`,
  `integer`, `sparql_prefixes`, and any function in the tree annotated
  `-> Sparql`, whose own f-strings this test checks in turn);
- `Sparql(x)` where `x` is itself one of these (every `Sparql(...)` call in
  the tree is checked, so the type cannot launder a raw value);
- an UPPER_CASE module constant, an attribute of one (`HKG.subject`) or a
  constant key of one (`PREFIXES["hkg"]`): fixed text no request can change;
- a parameter annotated `Sparql`;
- a local name whose every assignment in the function (or in a function
  it is nested in) is one of these, a string constant, a checked f-string,
  a `" ".join(...)` of them, a conditional between them, or a loop over an
  UPPER_CASE constant.

String concatenation (`"SELECT " + x`) is held to the same rule.  Messages
of raised exceptions are not query text and are not checked.  A new query
written with a raw value fails here with the file and line.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kg", "webapp")

#: Words that make a string SPARQL (upper case, as every query here is written).
_SPARQL = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|WHERE|VALUES|FILTER|GRAPH|INSERT|DELETE"
                     r"|PREFIX|UNION|OPTIONAL|BIND|DROP|LIMIT)\b")
#: An interpolation written straight between angle brackets: `<{x}>`.
_BRACKETED = re.compile(r"<$")
_CONSTANT = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
#: (module, function) -> why its text, which looks like SPARQL, is not a
#: query ("*": the whole module).
NOT_QUERIES = {
    ("kg/terms.py", "iri"): "the door itself: writes a validated IRI",
    ("kg/terms.py", "literal"): "the door itself: escapes every character that could end it",
    ("kg/terms.py", "integer"): "the door itself: writes a checked int",
    ("kg/terms.py", "language"): "the door itself: writes a checked language tag",
    ("kg/terms.py", "blank"): "the door itself: writes a checked blank node label",
    ("kg/terms.py", "minted_iri"): "the door itself: writes an IRI checked by its minter's "
                                   "base and a strict character set, else by iri",
    ("kg/export/rdf.py", "*"): "writes RDF documents for download (Turtle, N-Triples, "
                               "RDF/XML), never query text; its terms come from the store",
    ("kg/sparql/workers.py", "_memory_message"): "a message to the user",
    ("kg/sparql/syntax.py", "explain"): "a message to the user about their own query (the "
                                        "PREFIX line to add), returned in an exception",
    ("webapp/pages.py", "_alternates"): "an HTTP Link header",
}


def _modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _sparql_functions(trees: dict[Path, ast.Module]) -> set[str]:
    """Names of every function annotated to return `Sparql`."""
    found = set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) \
                    and node.returns is not None:
                if _name(node.returns) == "Sparql" or (
                        isinstance(node.returns, ast.Constant) and node.returns.value == "Sparql"):
                    found.add(node.name)
    return found


def _is_query(node: ast.JoinedStr) -> bool:
    text = "".join(v.value for v in node.values
                   if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if _SPARQL.search(text):
        return True
    parts = node.values
    return any(isinstance(b, ast.FormattedValue) and isinstance(a, ast.Constant)
               and isinstance(a.value, str) and _BRACKETED.search(a.value)
               for a, b in zip(parts, parts[1:]))


class _Checker:
    def __init__(self, safe_calls: set[str]):
        self.safe_calls = safe_calls
        self.problems: list[str] = []

    def check_module(self, path: Path, tree: ast.Module) -> None:
        scopes: list[tuple[ast.AST, dict[str, list[ast.expr]]]] = [(tree, _assignments(tree))]
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                scopes.append((node, _assignments(node)))
        owner = _owners(tree)
        messages = {id(n) for r in ast.walk(tree) if isinstance(r, ast.Raise) and r.exc
                    for n in ast.walk(r.exc)}

        def parts_of(node: ast.AST) -> list[ast.expr]:
            if isinstance(node, ast.JoinedStr) and _is_query(node):
                return [p.value for p in node.values if isinstance(p, ast.FormattedValue)]
            if isinstance(node, ast.Call) and _name(node.func) == "Sparql":
                return list(node.args)
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
                operands = _operands(node)
                if any(isinstance(o, ast.Constant) and isinstance(o.value, str)
                       and _SPARQL.search(o.value) for o in operands):
                    return [o for o in operands if not isinstance(o, ast.JoinedStr)]
            return []

        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(tree):
            function = owner.get(node)
            if id(node) in messages or (rel, "*") in NOT_QUERIES or \
                    (rel, getattr(function, "name", "")) in NOT_QUERIES:
                continue
            parts = parts_of(node)
            if not parts:
                continue
            # The names of every function the node is in, the innermost
            # last: a query built in a nested function (the `query` given
            # to `select_chunked`) may use its enclosing function's names.
            enclosing = []
            outer = owner.get(node)
            while outer is not None:
                enclosing.append(outer)
                outer = owner.get(outer)
            names_of = {id(scope): names for scope, names in scopes}
            assigned = dict(scopes[0][1])
            for outer in reversed(enclosing):
                assigned.update(names_of[id(outer)])
            for part in parts:
                if not self.safe(part, assigned, set()):
                    self.problems.append(
                        f"{rel}:{part.lineno}: {ast.unparse(part)} enters query "
                        "text without a term builder of kg.terms")

    def safe(self, node: ast.expr, assigned: dict[str, list[ast.expr]], seen: set[str]) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str)
        if isinstance(node, ast.Call):
            func = _name(node.func)
            if func in self.safe_calls:
                return True
            if func == "Sparql":
                return all(self.safe(a, assigned, seen) for a in node.args)
            # "sep".join(<safe> for ...)
            if func == "join" and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Constant) and len(node.args) == 1:
                arg = node.args[0]
                if isinstance(arg, (ast.GeneratorExp, ast.ListComp)):
                    return self.safe(arg.elt, assigned, seen)
            return False
        if isinstance(node, ast.JoinedStr):
            return all(self.safe(v.value, assigned, seen) for v in node.values
                       if isinstance(v, ast.FormattedValue))
        if isinstance(node, ast.BoolOp):
            return all(self.safe(v, assigned, seen) for v in node.values)
        if isinstance(node, ast.IfExp):
            return self.safe(node.body, assigned, seen) and self.safe(node.orelse, assigned, seen)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self.safe(node.left, assigned, seen) and self.safe(node.right, assigned, seen)
        if isinstance(node, ast.Attribute) and _name(node.value) is not None \
                and _CONSTANT.match(_name(node.value) or ""):
            return True  # HKG.subject: a namespace term
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) \
                and _CONSTANT.match(_name(node.value) or ""):
            return True  # PREFIXES["hkg"]
        name = _name(node)
        if name is None or isinstance(node, ast.Attribute):
            return False
        if _CONSTANT.match(name):
            return True
        if isinstance(node, ast.Name) and name in assigned and name not in seen:
            return all(self.safe(v, assigned, seen | {name}) for v in assigned[name])
        return False


def _operands(node: ast.expr) -> list[ast.expr]:
    """The operands of a chain of `+`."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _operands(node.left) + _operands(node.right)
    return [node]


def _over_constant(iterable: ast.expr) -> bool:
    """A loop over an UPPER_CASE constant (`PREFIXES.items()`, `MODALITIES`)."""
    if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Attribute) \
            and iterable.func.attr in ("items", "keys", "values") and not iterable.args:
        iterable = iterable.func.value
    return bool(_CONSTANT.match(_name(iterable) or "")) and not isinstance(iterable, ast.Attribute)


def _assignments(scope: ast.AST) -> dict[str, list[ast.expr]]:
    """Name -> every expression assigned to it directly in this scope
    (a name also bound another way, such as a loop or a parameter, gets a
    marker that is never safe)."""
    found: dict[str, list[ast.expr]] = {}
    unsafe = ast.Name(id="<bound otherwise>")
    constant = ast.Name(id="CONSTANT")

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                  ast.ClassDef)):
                continue
            if isinstance(child, ast.Assign):
                for target in child.targets:
                    if isinstance(target, ast.Name):
                        found.setdefault(target.id, []).append(child.value)
                    else:
                        for sub in ast.walk(target):
                            if isinstance(sub, ast.Name):
                                found.setdefault(sub.id, []).append(unsafe)
            elif isinstance(child, (ast.AnnAssign, ast.AugAssign)) and \
                    isinstance(child.target, ast.Name):
                value = child.value if isinstance(child, ast.AnnAssign) else None
                if isinstance(child, ast.AugAssign) and isinstance(child.op, ast.Add):
                    value = child.value
                found.setdefault(child.target.id, []).append(value or unsafe)
            elif isinstance(child, (ast.For, ast.comprehension, ast.With, ast.NamedExpr)):
                targets = [child.target] if not isinstance(child, ast.With) else \
                    [i.optional_vars for i in child.items if i.optional_vars is not None]
                bound = constant if isinstance(child, (ast.For, ast.comprehension)) \
                    and _over_constant(child.iter) else unsafe
                for target in targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            found.setdefault(sub.id, []).append(bound)
            visit(child)

    visit(scope)
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        for arg in ast.walk(scope.args):
            if isinstance(arg, ast.arg):
                typed = arg.annotation is not None and (
                    _name(arg.annotation) == "Sparql" or (
                        isinstance(arg.annotation, ast.Constant)
                        and arg.annotation.value == "Sparql"))
                found.setdefault(arg.arg, []).append(constant if typed else unsafe)
    return found


def _owners(tree: ast.Module) -> dict[ast.AST, ast.AST]:
    """Each node -> the innermost function that holds it (absent: module level)."""
    owner: dict[ast.AST, ast.AST] = {}

    def visit(node: ast.AST, current: ast.AST | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                ast.Lambda)) else current
            if current is not None:
                owner[child] = current
            visit(child, inner)

    visit(tree, None)
    return owner


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in _modules()}


def test_query_text_comes_from_term_builders():
    """No f-string that builds SPARQL in kg/ or webapp/ interpolates a value
    that did not pass through a `kg.terms` builder."""
    trees = _trees()
    checker = _Checker(_sparql_functions(trees))
    for path, tree in trees.items():
        checker.check_module(path, tree)
    assert checker.problems == []


@pytest.mark.parametrize("source, flagged", [
    ('def f(graph, name):\n    return graph.select(f"SELECT ?x WHERE {{ <{name}> ?p ?x }}")\n',
     True),
    ('def f(graph, name):\n    return graph.select(f"SELECT ?x WHERE {{ {iri(name)} ?p ?x }}")\n',
     False),
    ('def f(graph, n):\n    v = " ".join(f"<{x}>" for x in n)\n'
     '    return graph.select(f"SELECT * WHERE {{ VALUES ?x {{ {v} }} }}")\n', True),
    ('def f(graph, n):\n    v = " ".join(iri(x) for x in n)\n'
     '    return graph.select(f"SELECT * WHERE {{ VALUES ?x {{ {v} }} }}")\n', False),
    ('def f(graph, n):\n    v = iris(n) if n else ""\n'
     '    return graph.select(_PREFIXES + f"SELECT * WHERE {{ {v} }} LIMIT {integer(3)}")\n',
     False),
    ('def f(graph, n):\n    return graph.select(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {n}")\n',
     True),
    ('def frag(x) -> Sparql:\n    return iri(x)\n'
     'def f(graph, n):\n    return graph.select(f"ASK {{ {frag(n)} ?p ?o }}")\n', False),
    ('def f(graph, n):\n    return graph.select("SELECT * WHERE { " + n + " }")\n', True),
    ('def f(graph, n: Sparql):\n    return graph.select("SELECT * WHERE { " + n + " }")\n',
     False),
    ('def f(n):\n    return Sparql(n)\n', True),
    ('def f(n):\n    return Sparql(literal(n))\n', False),
    ('def f():\n    return "".join(f"PREFIX {p}: {iri(v)}" for p, v in PREFIXES.items())\n',
     False),
    ('def f(n):\n    return "".join(f"PREFIX {p}: {iri(v)}" for p, v in n.items())\n', True),
    ('def f(n):\n    raise ValueError(f"SELECT refused: {n}")\n', False),
    # A query function nested in another (as given to `select_chunked`)
    # may use the enclosing function's checked names, never its raw ones.
    ('def f(store, n, flag):\n    extra = "?s a ?t ." if flag else ""\n'
     '    def query(values: Sparql) -> str:\n'
     '        return f"SELECT * WHERE {{ VALUES ?s {{ {values} }} {extra} }}"\n'
     '    return select_chunked(store, n, query)\n', False),
    ('def f(store, n, name):\n'
     '    def query(values: Sparql) -> str:\n'
     '        return f"SELECT * WHERE {{ VALUES ?s {{ {values} }} ?s ?p <{name}> }}"\n'
     '    return select_chunked(store, n, query)\n', True),
])
def test_checker_flags_raw_values(source, flagged):
    """The checker itself: a raw value in query text is reported, a built
    one is not (so the main test cannot pass by checking nothing)."""
    tree = ast.parse(source)
    checker = _Checker({"iri", "iris", "literal", "integer"} | _sparql_functions({ROOT: tree}))
    checker.check_module(ROOT / "example.py", tree)
    assert bool(checker.problems) is flagged, checker.problems
