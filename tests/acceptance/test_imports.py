"""What importing envman does, seen from a fresh interpreter: no hidden order, no warnings,
and no heavy library on the paths that must start fast.

Only a new process starts with nothing imported, so each test here runs one.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.bundled import copy_project
from tests.paths import REPO

pytestmark = pytest.mark.acceptance

PACKAGE = REPO / "envman"


def python(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        if not name.endswith("__main__"):
            found[name] = path
    return found


def _executed_on_import(tree: ast.Module) -> Iterator[ast.stmt]:
    """The statements that run when the module is imported (not function bodies, not
    `if TYPE_CHECKING:` blocks)."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.If) and ast.unparse(node.test) in {
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        }:
            pending += node.orelse
            continue
        for field in ("body", "orelse", "finalbody", "handlers"):
            pending += [n for n in getattr(node, field, []) if isinstance(n, ast.stmt)]


def _with_parents(name: str) -> set[str]:
    parts = name.split(".")
    return {".".join(parts[: i + 1]) for i in range(len(parts))}


def module_level_imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """For each envman module, the envman modules its import executes directly."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        needs = _with_parents(name) - {name}
        for node in _executed_on_import(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module]
                targets += [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for target in targets:
                if target in modules:
                    needs |= _with_parents(target)
        graph[name] = {n for n in needs if n in modules}
    return graph


def closures(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """Everything importing each module executes (a package and its submodules reach
    each other: importing `envman.audit.entry` runs `envman/audit/__init__.py` first)."""
    reached: dict[str, set[str]] = {}
    for name in graph:
        seen, pending = {name}, [name]
        while pending:
            for dep in graph[pending.pop()] - seen:
                seen.add(dep)
                pending.append(dep)
        reached[name] = seen
    return reached


IMPORT_EACH = """
import importlib, json, sys
order, closures = json.loads(sys.argv[1])
for name in order:
    keep = set(closures[name])
    for loaded in [m for m in sys.modules if m == "envman" or m.startswith("envman.")]:
        if loaded not in keep:
            del sys.modules[loaded]
            parent, _, child = loaded.rpartition(".")
            if parent in sys.modules and child in vars(sys.modules[parent]):
                delattr(sys.modules[parent], child)
    importlib.import_module(name)
"""


def test_every_module_imports_alone_in_a_fresh_interpreter_without_warnings() -> None:
    """Each envman module imported with every envman module it does not import forgotten.

    Before importing M, everything outside M's module-level import closure is dropped
    (from sys.modules and from its package), so M cannot lean on a module something else
    imported earlier; the closure itself stays loaded, which is what M's own imports
    would load anyway. Modules go smallest closure first, so each is executed only a few times,
    with warnings as errors. (Forgetting every envman module before each of ~80
    imports checks the same and costs ~7 s.)
    """

    graph = module_level_imports(_modules())
    closure = closures(graph)
    order = sorted(closure, key=lambda name: (len(closure[name]), name))
    argument = json.dumps([order, {name: sorted(c) for name, c in closure.items()}])
    result = python("-W", "error", "-c", IMPORT_EACH, argument)
    assert result.returncode == 0, result.stderr


def test_a_module_leaning_on_an_earlier_import_is_caught(tmp_path: Path) -> None:
    """The check above fails for a module that uses a package's submodule it never imported."""
    package = tmp_path / "envman"
    (package / "lib").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "lib" / "__init__.py").write_text("")
    (package / "lib" / "helper.py").write_text("VALUE = 1\n")
    (package / "first.py").write_text("import envman.lib.helper\n")
    (package / "leaning.py").write_text("import envman.lib\nVALUE = envman.lib.helper.VALUE\n")
    names = ["envman", "envman.lib", "envman.lib.helper", "envman.first", "envman.leaning"]
    modules = {name: tmp_path / (name.replace(".", "/") + ".py") for name in names}
    modules["envman"] = package / "__init__.py"
    modules["envman.lib"] = package / "lib" / "__init__.py"
    graph = module_level_imports(modules)
    assert graph["envman.leaning"] == {"envman", "envman.lib"}
    closure = closures(graph)
    order = ["envman.first", "envman.leaning"]  # helper loaded first, then forgotten
    argument = json.dumps([order, {n: sorted(c) for n, c in closure.items()}])
    result = python("-c", IMPORT_EACH, argument, cwd=tmp_path)
    assert result.returncode == 1 and "has no attribute 'helper'" in result.stderr


STEPS = """
import json, sys
from importlib import import_module
for step in sys.argv[1:]:
    code = 0
    if step.startswith("import "):
        import_module(step.removeprefix("import "))
    else:
        from envman.cli import main

        code = main(step.split())
    print("LOADED", json.dumps([step, code, sorted({m.split(".")[0] for m in sys.modules})]))
"""
NEVER_LOADED = {
    "import envman.settings": {"cloudflare"},  # settings are read on every path
    "import envman.edit": {"tomlkit"},  # tomlkit only renders new values, when one is written
    "import envman.report.registry": {"rich"},  # rich only colours a terminal
    "--help": {"cloudflare", "httpx", "deepdiff", "tomlkit", "jsonschema_rs"},
    "validate": {"cloudflare", "httpx", "deepdiff", "tomlkit", "detect_secrets"},
}
"""Each step of one fresh interpreter, in order, and what must not be loaded after it.

One process for all: a step can only see more modules loaded than it would alone, so
sharing the process can make the test fail wrongly but never pass wrongly. (wrangler's
JSON Schema validator is compiled on first use, so not for --help; the bundled project's
credential checks need no secret scanner.)"""
FIRST_LOADED = {"validate": {"re2"}}
"""What a step itself loads (not loaded before it): validating the bundled project checks
its patterns with re2, whose matching time is linear."""


def test_the_paths_that_start_often_load_no_heavy_library(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    result = python("-c", STEPS, *NEVER_LOADED, cwd=project)
    steps = [
        json.loads(line.removeprefix("LOADED "))
        for line in result.stdout.splitlines()
        if line.startswith("LOADED ")
    ]
    assert [(step, code) for step, code, _ in steps] == [(s, 0) for s in NEVER_LOADED], (
        result.stdout + result.stderr
    )
    before: set[str] = set()
    for step, _, loaded in steps:
        never = NEVER_LOADED[step]
        assert never.isdisjoint(loaded), (step, never & set(loaded))
        assert FIRST_LOADED.get(step, set()) <= set(loaded) - before, step
        before = set(loaded)


ALONE = """
import json, sys
from envman.cli import main

code = main(sys.argv[1:])
scanned = getattr(sys.modules.get("pydantic.plugin._loader"), "_plugins", None) is not None
print("LOADED", json.dumps([code, sorted(sys.modules), scanned]))
"""


def _alone(*args: str, cwd: Path) -> tuple[int, set[str], bool]:
    """`envman ARGS` in a fresh interpreter: exit code, modules loaded, plugins scanned."""
    result = python("-c", ALONE, *args, cwd=cwd)
    line = next(x for x in result.stdout.splitlines() if x.startswith("LOADED "))
    code, modules, scanned = json.loads(line.removeprefix("LOADED "))
    return code, set(modules), scanned


HELP_NEVER = {
    "pydantic",  # no model is needed to print help
    "rich",  # typer's panels are drawn by envman.cli.panels
    "typer.rich_utils",
    "dynaconf",
    "xml.sax",  # redaction escapes XML itself
    "html",  # the HTML report escapes with it, when it is written
    "hashlib",  # notifications hash a report, when one is sent
    "email",
    "http.client",
    "urllib.request",
}
VALIDATE_NEVER = {
    "rich",  # a clean report without colour is written as plain lines
    "typer.rich_utils",
    "cloudflare",
    "httpx",
    "deepdiff",
    "tomlkit",
    "envman.audit",  # written when a transaction commits, read by the audit commands only
    "tree_sitter",  # a clean report locates nothing (envman.toml's ignore rules included)
}


def test_help_alone_loads_no_model_library(tmp_path: Path) -> None:
    code, loaded, scanned = _alone("--help", cwd=copy_project(tmp_path))
    assert code == 0
    assert HELP_NEVER.isdisjoint(loaded), HELP_NEVER & loaded
    assert not scanned


def test_validate_alone_loads_no_renderer_and_scans_no_plugin(tmp_path: Path) -> None:
    """No rich for a clean report, and pydantic never scans entry points for plugins.

    The bundled base.toml shares keys with the environment files (`[vars]` that
    production sets too), so dynaconf layers them: the other half of the test below."""
    code, loaded, scanned = _alone("validate", cwd=copy_project(tmp_path))
    assert code == 0
    assert VALIDATE_NEVER.isdisjoint(loaded), VALIDATE_NEVER & loaded
    assert "pydantic" in loaded and not scanned
    assert "dynaconf" in loaded


def test_dynaconf_loads_only_when_a_key_needs_layering(tmp_path: Path) -> None:
    """A base.toml that shares no key with the environment files needs no dynaconf (one
    that does, as the bundled project's, loads it: the test above)."""
    project = copy_project(tmp_path)
    base = project / "environments" / "base.toml"
    base.write_text("# nothing the environments set\nlogpush = false\n", encoding="utf-8")
    _, loaded, _ = _alone("validate", cwd=project)  # findings or not: what loads is asked
    assert "dynaconf" not in loaded
