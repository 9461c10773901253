"""Generates the docs that mirror the code (docs/reference/, tables in docs/) from it.

Run from the repository root: `python -m tools.docgen` (`--check` to only compare).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Callable
from pathlib import Path

from tools.docgen.config import configuration
from tools.docgen.markdown import table
from tools.docgen.pages import (
    cli_reference,
    exit_codes,
    finding_codes,
    formats,
    normalisation,
    promotion,
)
from tools.imports import imports

# --------------------------------------------------------------------------- module table


def _third_party(tree: ast.Module) -> list[str]:
    """Top-level names of the non-standard-library packages a module imports (lazily too)."""
    names: set[str] = set()
    for node in imports(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    ours = {"envman", "__future__"}
    return sorted(n for n in names if n not in sys.stdlib_module_names and n not in ours)


PACKAGE = Path(__file__).resolve().parents[2] / "envman"
"""The envman package, documented module by module."""


def _job(tree: ast.Module) -> str:
    doc = ast.get_docstring(tree) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def modules_table() -> str:
    """The module tables of docs/architecture.md: the core, then one table per subpackage."""
    groups = [("core", "`envman/`", sorted(PACKAGE.glob("*.py")))]
    for folder in sorted(p for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()):
        groups.append(
            (
                folder.name,
                f"`envman/{folder.name}/`: {_job(_parse(folder / '__init__.py'))}",
                sorted(folder.glob("*.py")),
            )
        )
    lines: list[str] = []
    for _name, title, paths in groups:
        trees = {
            path: _parse(path)
            for path in paths
            if path.name != "__init__.py" or path.parent == PACKAGE
        }
        rows = [
            [f"`{path.name}`", _job(tree), ", ".join(_third_party(tree))]
            for path, tree in trees.items()
        ]
        lines += [f"#### {title}", ""]
        lines += table(["module", "its one job (its docstring)", "third-party imports"], rows)
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------- entry point

DOCS_DIR = Path("docs")
"""The documentation folder, relative to the repository root."""

PAGES: dict[str, Callable[[], str]] = {
    "reference/configuration.md": configuration,
    "reference/finding-codes.md": finding_codes,
    "reference/exit-codes.md": exit_codes,
    "reference/cli.md": cli_reference,
    "reference/normalisation.md": normalisation,
    "reference/promotion.md": promotion,
    "reference/formats.md": formats,
}
"""Generated pages (path under docs/) -> the function that writes the whole page."""

BLOCKS: dict[str, dict[str, Callable[[], str]]] = {
    "architecture.md": {"modules": modules_table},
}
"""Hand-written pages (path under docs/) -> their generated blocks, by block name."""


def _splice(text: str, name: str, content: str, where: str) -> str:
    begin = f"<!-- BEGIN generated {name}: python -m tools.docgen -->"
    end = f"<!-- END generated {name} -->"
    head, found, rest = text.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not found or not found_end:
        raise ValueError(f"{where} lacks the markers of its generated block {name!r}: {begin}")
    return f"{head}{begin}\n{content.strip()}\n{end}{tail}"


def generate(docs_dir: Path = DOCS_DIR) -> dict[str, str]:
    """Every generated page and every page with generated blocks, by path under `docs_dir`.

    Pages with blocks are read from `docs_dir` and returned with their blocks replaced.
    """
    result = {name: build() for name, build in PAGES.items()}
    for name, blocks in BLOCKS.items():
        path = docs_dir / name
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        for block, build in blocks.items():
            text = _splice(text, block, build(), str(path))
        result[name] = text
    return result


def stale(docs_dir: Path = DOCS_DIR, pages: dict[str, str] | None = None) -> list[str]:
    """The paths under `docs_dir` whose text is missing or differs from the generated one."""
    pages = generate(docs_dir) if pages is None else pages
    result = []
    for name, text in pages.items():
        path = docs_dir / name
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            result.append(name)
    return result


def main(argv: list[str] | None = None) -> int:
    """Write the generated docs, or with --check list the stale ones and exit 1."""
    parser = argparse.ArgumentParser(prog="python -m tools.docgen", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 listing stale pages"
    )
    parser.add_argument(
        "--docs-dir",
        type=Path,
        default=DOCS_DIR,
        help=f"the documentation folder (default: {DOCS_DIR}, from the repository root)",
    )
    args = parser.parse_args(argv)
    docs_dir: Path = args.docs_dir
    try:
        pages = generate(docs_dir)
    except ValueError as e:
        sys.stderr.write(f"docgen: {e}\n")
        return 2
    outdated = stale(docs_dir, pages)
    if args.check:
        for name in outdated:
            sys.stdout.write(f"stale: {docs_dir / name}\n")
        if outdated:
            sys.stdout.write("run `python -m tools.docgen` to regenerate\n")
        return 1 if outdated else 0
    for name in outdated:
        path = docs_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(pages[name], encoding="utf-8", newline="\n")
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
