"""The layout keeps its promises: one-way imports, no cycles, surfaces, small modules."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

from tests import paths
from tools.imports import imports

REPO = paths.REPO
PACKAGE = REPO / "envman"
MODULE_SURFACES = {"usecases", "cli"}
"""Packages whose modules are each a surface (the CLI imports the use case it runs)."""


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts).removesuffix(".__init__")
        yield name, path


def test_import_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert lint_imports(no_cache=True) == 0, "run `lint-imports` to see the broken contract"


def test_no_import_cycle() -> None:
    graph = grimp.build_graph("envman", exclude_type_checking_imports=True)
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in edges[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    assert not cycles, f"import cycles: {cycles}"


@cache
def _tree(path: Path) -> ast.Module:
    """A module's syntax tree, parsed once for all the checks here."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    for node in imports(_tree(path)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []


def test_packages_are_imported_through_their_surface() -> None:
    """`from envman.wrangler import check`, never `from envman.wrangler.checks import ...`."""
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    deep = []
    for name, path in _modules():
        own = name.split(".")[1] if name.count(".") >= 1 else ""
        for line, module, names in _imports(path):
            parts = module.split(".")
            if parts[0] != "envman" or len(parts) < 2 or parts[1] not in packages:
                continue
            if parts[1] == own or parts[1] in MODULE_SURFACES:
                continue
            submodules = [n for n in names if (PACKAGE / parts[1] / f"{n}.py").is_file()]
            if len(parts) > 2 or submodules:
                deep.append(f"{path.relative_to(REPO)}:{line}: {module} {submodules or ''}")
    assert not deep, "imports past a package's surface:\n" + "\n".join(deep)


def test_no_module_getattr_and_no_reexport_shim() -> None:
    found = []
    for _, path in _modules():
        for node in _tree(path).body:
            if isinstance(node, ast.FunctionDef) and node.name == "__getattr__":
                found.append(f"{path.relative_to(REPO)}: module __getattr__")
            if isinstance(node, ast.ImportFrom) and path.name != "__init__.py":
                found += [
                    f"{path.relative_to(REPO)}: re-exports {a.name}"
                    for a in node.names
                    if a.asname == a.name
                ]
    assert not found, found


def test_modules_are_small_with_a_one_line_job() -> None:
    problems = []
    for _, path in _modules():
        text = path.read_text(encoding="utf-8")
        lines = text.count("\n")
        if lines > 420:
            problems.append(f"{path.relative_to(REPO)} has {lines} lines (keep under ~400)")
        doc = ast.get_docstring(_tree(path))
        if not doc or not doc.strip():
            problems.append(f"{path.relative_to(REPO)} has no docstring of its job")
    for folder in [PACKAGE, *(p for p in PACKAGE.iterdir() if p.is_dir())]:
        count = len([p for p in folder.glob("*.py") if p.name != "__init__.py"])
        if count > 16:
            problems.append(f"{folder.relative_to(REPO)} holds {count} modules (keep ~15)")
    assert not problems, "\n".join(problems)


def test_the_statement_walk_finds_every_import_ast_walk_finds() -> None:
    """tools.imports visits statement bodies only; over a sample of every kind of body and
    over every envman module (the ones it reads, their trees shared with the tests above)
    it finds exactly the imports a full walk finds."""
    sources = [path for _, path in _modules()]
    sample = ast.parse(
        "def f():\n    try:\n        import a\n    except E:\n        import b\n    else:\n"
        "        import c\n    finally:\n        import d\n"
        "class K:\n    match x:\n        case 1:\n            from e import f\n"
        "with m:\n    for i in j:\n        while k:\n            import g\n"
    )
    assert [n.lineno for n in imports(sample)] == [3, 5, 7, 9, 13, 17]
    for tree in [sample, *(_tree(path) for path in sources)]:
        found = [ast.dump(n) for n in imports(tree)]
        walked = [ast.dump(n) for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
        assert sorted(found) == sorted(walked)
