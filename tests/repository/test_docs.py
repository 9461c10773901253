"""The generated reference docs are current and complete; every relative link resolves."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import typer.main

from envman import bindings, config, project
from envman.cli import app as cli_app
from envman.codes import CODES
from envman.errors import ExitCode
from tests import paths
from tools import docgen

REPO = paths.REPO
DOCS = REPO / docgen.DOCS_DIR
REFERENCE = DOCS / "reference"
BUILDERS = [
    *docgen.PAGES.values(),
    *(b for blocks in docgen.BLOCKS.values() for b in blocks.values()),
]
NAMES = sorted({*docgen.PAGES, *docgen.BLOCKS})
"""The pages docgen writes, known without building them (collection stays cheap)."""


@cache
def built() -> dict[Callable[[], str], str]:
    """What each of docgen's builders returns, built once per test process (the module
    table parses every module), on first use: only the process that runs these tests pays."""
    return {build: build() for build in BUILDERS}


def _built_once(patch: pytest.MonkeyPatch) -> None:
    answers = built()
    for table in (docgen.PAGES, *docgen.BLOCKS.values()):
        for name, build in table.items():
            patch.setitem(table, name, lambda build=build: answers[build])


@cache
def pages() -> dict[str, str]:
    """docgen's pages as generated from the current code."""
    with pytest.MonkeyPatch.context() as patch:
        _built_once(patch)
        return docgen.generate(DOCS)


@pytest.fixture
def built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """docgen's builders answer with what they built for PAGES: the tests of its check and
    write modes are about those modes (test_generation_is_deterministic builds again)."""
    _built_once(monkeypatch)


def page(name: str) -> str:
    return (REFERENCE / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- generated pages


@pytest.mark.parametrize("name", NAMES)
def test_generated_doc_is_current(name: str) -> None:
    path = DOCS / name
    assert path.is_file(), f"{path} is missing: run `python -m tools.docgen`"
    assert path.read_text(encoding="utf-8") == pages()[name], (
        f"docs/{name} is stale: run `python -m tools.docgen` and commit the result"
    )


def test_every_reference_page_is_generated() -> None:
    written = {f"reference/{p.name}" for p in REFERENCE.glob("*.md")}
    assert written == set(docgen.PAGES), "a page docgen no longer writes?"


def test_check_mode_lists_stale_docs_and_write_mode_fixes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], built_once: None
) -> None:
    (tmp_path / "architecture.md").write_text(
        "# A\n\n<!-- BEGIN generated modules: python -m tools.docgen -->\nold\n"
        "<!-- END generated modules -->\n\nhand-written\n",
        encoding="utf-8",
    )
    assert docgen.main(["--check", "--docs-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert all(f"stale: {tmp_path / name}" in out for name in pages())
    assert "\nold\n" in (tmp_path / "architecture.md").read_text(encoding="utf-8")

    assert docgen.main(["--docs-dir", str(tmp_path)]) == 0
    assert docgen.main(["--check", "--docs-dir", str(tmp_path)]) == 0
    text = (tmp_path / "architecture.md").read_text(encoding="utf-8")
    assert text.startswith("# A\n") and text.endswith("\nhand-written\n")
    assert "| `app.py` |" in text and "\nold\n" not in text
    assert sorted(p.name for p in (tmp_path / "reference").iterdir()) == sorted(
        name.removeprefix("reference/") for name in docgen.PAGES
    )


def test_a_page_without_its_block_markers_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], built_once: None
) -> None:
    (tmp_path / "architecture.md").write_text("# no markers\n", encoding="utf-8")
    assert docgen.main(["--docs-dir", str(tmp_path)]) == 2
    assert "generated block 'modules'" in capsys.readouterr().err


def test_generation_is_deterministic() -> None:
    assert docgen.generate(DOCS) == pages()


def test_every_finding_code_is_documented() -> None:
    text = page("finding-codes.md")
    for code in CODES.values():
        row = f"| `{code.code}` | {code.severity.value} | `{code.title}` |"
        assert row in text, f"{code.code} missing from finding-codes.md"


def test_finding_codes_are_grouped_by_range() -> None:
    text = page("finding-codes.md")
    headings = re.findall(r"^## (EM\dxx)", text, flags=re.MULTILINE)
    assert headings == [f"EM{d}xx" for d in "012345"]
    for code in CODES:
        section = text.split(f"## EM{code[2]}xx", 1)[1].split("\n## ", 1)[0]
        assert f"`{code}`" in section, f"{code} is not under EM{code[2]}xx"


def test_every_exit_code_is_documented() -> None:
    text = page("exit-codes.md")
    for code in ExitCode:
        assert f"| `{code.value}` | `{code.name}` |" in text


def _commands(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_every_cli_command_and_option_is_documented() -> None:
    text = page("cli.md")
    commands = list(_commands(typer.main.get_command(cli_app), ("envman",)))
    assert len(commands) > 10
    for path, command in commands:
        if len(path) > 1:
            assert f"`{' '.join(path)}`" in text, f"{' '.join(path)} missing from cli.md"
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("-"):
                    assert re.search(rf"`[^`]*{re.escape(opt)}\b", text), f"{path} {opt}"


def _model_keys(model: Any) -> Iterator[str]:
    for name, field in model.model_fields.items():
        yield field.alias or name
        annotation = field.annotation
        inner = [a for a in getattr(annotation, "__args__", ()) if hasattr(a, "model_fields")]
        if hasattr(annotation, "model_fields"):
            inner.append(annotation)
        for sub in inner:
            yield from _model_keys(sub)


def test_every_project_key_is_documented() -> None:
    text = page("configuration.md")
    keys = list(_model_keys(project.Project))
    assert {"worker", "environments", "schema", "wrangler", "ignore", "expires"} <= set(keys)
    for key in keys:
        assert f"| `{key}`" in text, f"envman.toml key {key!r} missing from configuration.md"
    for name, field in project.Project.model_fields.items():
        if field.alias:
            assert f"`{field.alias}` (or `{name}`)" in text


def test_every_environment_file_key_is_documented() -> None:
    text = page("configuration.md")
    for name in config.WorkerConfig.model_fields:
        assert f"| `{name}` |" in text, f"environment file key {name!r} missing"
    for kind in bindings.MODELLED:
        if not kind.single:
            assert f"`[[{'.'.join(kind.wrangler)}]]`" in text
            assert f"`{kind.naming}` (string, names the entry)" in text
    assert "`[[durable_objects.bindings]]`" in text
    assert "`[[queues.producers]]`" in text and "`[[queues.consumers]]`" in text
    assert "Field names are wrangler's own" in text


def test_configuration_embeds_the_vars_schema_and_layering_docstrings() -> None:
    text = page("configuration.md")
    assert "## schemas/vars.toml" in text
    assert "[vars.LOG_LEVEL.env.production]" in text
    assert '"@del"' in text


# --------------------------------------------------------------------------- links

_FENCE = re.compile(r"^(```|~~~)")
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_CODE_SPAN = re.compile(r"`[^`]*`")


def _prose(path: Path) -> Iterator[str]:
    """The lines of a Markdown file outside fenced code blocks."""
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if _FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            yield line


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown file."""
    anchors: set[str] = set()
    for line in _prose(path):
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).lower()).replace(" ", "-")
        candidate, n = slug, 0
        while candidate in anchors:
            n += 1
            candidate = f"{slug}-{n}"
        anchors.add(candidate)
    return anchors


def _markdown_files() -> list[Path]:
    files = sorted((REPO / "docs").rglob("*.md"))
    if (REPO / "README.md").is_file():
        files.append(REPO / "README.md")
    return files


def _links(path: Path) -> Iterator[str]:
    for line in _prose(path):
        yield from _LINK.findall(_CODE_SPAN.sub("", line))


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(path: Path) -> None:
    problems = []
    for target in _links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, fragment = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{target}: no such file")
        elif fragment and linked.suffix == ".md" and fragment not in _anchors(linked):
            problems.append(f"{target}: no heading #{fragment} in {linked.name}")
    assert not problems, f"broken links in {path.relative_to(REPO)}: {problems}"


def test_link_checker_sees_links() -> None:
    index = REPO / "docs" / "index.md"
    assert "reference/cli.md" in set(_links(index))
    assert "envmantoml" in _anchors(REFERENCE / "configuration.md")
    assert "schemasvarstoml" in _anchors(REFERENCE / "configuration.md")


# --------------------------------------------------------------------------- architecture

ARCHITECTURE = REPO / "docs" / "architecture.md"
_FILE_SUFFIXES = {"toml", "json", "jsonc", "jsonl", "md", "py", "yml", "yaml", "dev"}


def test_architecture_has_the_generated_module_table() -> None:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    for path in sorted((REPO / "envman").rglob("*.py")):
        if path.name != "__init__.py" or path.parent.name == "envman":
            assert f"| `{path.name}` |" in text, "run `python -m tools.docgen`"


def test_architecture_names_only_what_exists() -> None:
    """`module.name` in docs/architecture.md names a real attribute of that envman module."""
    package = REPO / "envman"
    modules = {
        ".".join(p.relative_to(package).with_suffix("").parts).removesuffix(".__init__")
        for p in package.rglob("*.py")
    } - {"__init__", "__main__"}
    text = ARCHITECTURE.read_text(encoding="utf-8")
    missing = []
    for dotted in sorted(set(re.findall(r"\b[a-z_]+(?:\.[A-Za-z_]\w*)+", text))):
        module, _, attr = dotted.rpartition(".")
        if module not in modules or attr in _FILE_SUFFIXES or f"{module}.{attr}" in modules:
            continue
        if not hasattr(importlib.import_module(f"envman.{module}"), attr):
            missing.append(dotted)
    assert not missing, f"docs/architecture.md names what the code lacks: {missing}"
