"""The store reads from the bottom up: no dependency cycle among its modules.

Every import counts, at the top of a module or inside a function: a lazy
import is fine when it only defers a module's cost to when it is used (start-up
time), but not when it hides a cycle, since a module in a cycle cannot be read,
tested or replaced on its own. Imports under ``if TYPE_CHECKING:`` never run
and are not counted.
"""
from __future__ import annotations

import ast
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_files(package: str) -> dict[str, Path]:
    """Every module of ``package`` (its sub-packages too), by dotted name."""
    base = ROOT / package
    found = {}
    for path in sorted(base.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST):
    """Import statements anywhere in the tree (functions included), skipping
    ``if TYPE_CHECKING:`` blocks."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of ``modules`` that module ``name`` imports, at any depth of its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                targets.add(alias.name)
            continue
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            source = ".".join(anchor + ([node.module] if node.module else []))
        else:
            source = node.module or ""
        for alias in node.names:
            sub = f"{source}.{alias.name}"
            targets.add(sub if sub in modules else source)
    found = set()
    for target in targets:
        # "import store.a.b" names store.a.b; an unknown tail (a function) falls back to its module
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)
    return found


def import_graph(package: str) -> dict[str, set[str]]:
    modules = module_files(package)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph.get(node, ())):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _path_in(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One cycle through the component, for the failure message."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    node = start
    while True:
        nxt = sorted(s for s in graph[node] if s in members)
        if start in nxt and len(path) > 1:
            return path + [start]
        nxt = [s for s in nxt if s not in seen] or nxt
        node = nxt[0]
        if node in seen:
            return path[path.index(node):] + [node]
        path.append(node)
        seen.add(node)


def test_store_modules_form_no_dependency_cycle():
    graph = import_graph("store")
    assert "store.db" in graph and "store.models" in graph
    found = cycles(graph)
    assert not found, "dependency cycles among store modules (imports inside functions count):\n" + "\n".join(
        f"  {len(c)} modules: {' -> '.join(_path_in(graph, c))}" for c in found)


def test_db_imports_no_other_store_module():
    """store.db is the bottom of the store; below it only the driver loader,
    which imports no store module (docs/development.md)."""
    graph = import_graph("store")
    assert graph["store.db"] <= {"store.pgdriver"}
    assert graph["store.pgdriver"] == set()


def test_the_cycle_finder_sees_an_import_inside_a_function(tmp_path, monkeypatch):
    """The finder itself: a lazy import closing a circle is a cycle."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import f\n")
    (pkg / "b.py").write_text("def f():\n    from pkg import c\n")
    (pkg / "c.py").write_text("from . import a\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.b\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    graph = import_graph("pkg")
    assert graph["pkg.c"] == {"pkg.a"}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
    (pkg / "b.py").write_text("def f():\n    import json\n")
    assert cycles(import_graph("pkg")) == []


# ------------------------------------------------------------------ what ships

PRODUCT = ("batchbill", "store", "exporters", "tui")


def test_the_wheel_ships_the_product_packages_only():
    """pip wheel . packs what packages.find includes: the four product packages,
    never the tests (the perf harness runs from a checkout) or their data."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["packages"]["find"]["include"] == [f"{p}*" for p in PRODUCT]
    assert set(config.get("package-data", {})) <= set(PRODUCT)


def test_no_product_module_imports_the_tests():
    for package in PRODUCT:
        modules = module_files(package)
        for name, path in modules.items():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in _import_nodes(tree):
                named = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n == "tests" or n.startswith("tests.") for n in named), f"{name} imports {named}"


# ------------------------------------------------------------------ module size

MAX_LINES = 800
# Modules being split into packages in parallel work (issue 15): remove each entry as
# its split lands (the test warns when one is no longer needed).
LARGE_UNTIL_SPLIT: set[str] = set()  # store.billing is the package store/billing/ (issue 11)


def test_no_store_module_is_over_800_lines():
    sizes = {name: len(path.read_text(encoding="utf-8").splitlines())
             for name, path in module_files("store").items()}
    large = {name: n for name, n in sizes.items() if n > MAX_LINES and name not in LARGE_UNTIL_SPLIT}
    assert not large, f"store modules over {MAX_LINES} lines (split them by responsibility): {large}"
    done = {name for name in LARGE_UNTIL_SPLIT if sizes.get(name, 0) <= MAX_LINES}
    if done:
        warnings.warn(f"split already: remove {sorted(done)} from LARGE_UNTIL_SPLIT in {__file__}", stacklevel=1)


def test_the_benchmark_does_not_import_billing():
    """The benchmark reads what billing keeps (its facts); it never needs the billing service."""
    graph = import_graph("store")
    uses = {name: sorted(t for t in targets if t == "store.billing" or t.startswith("store.billing."))
            for name, targets in graph.items() if name == "store.benchmark" or name.startswith("store.benchmark.")}
    assert uses and not any(uses.values()), uses
