"""The schema fails closed: a missing file, an unknown environment or a hostile pattern.

Measured before: a mistyped `schema =` path, or a folder there, silently disabled every
typed check (exit 0); `[vars.LOG_LEVEL.env.prodution]` was silently ignored; the pattern
`(a+)+$` against a 40-character value backtracked for minutes.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from envman.cli import main
from tests import paths
from tools.imports import imports

pytestmark = pytest.mark.usefixtures("deadline")  # a pattern that backtracks: fail, not hang

ROOT = paths.REPO


def run(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["-C", str(project), *args])
    out, err = capsys.readouterr()
    return code, out + err


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_mistyped_schema_path_is_an_error_at_its_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / "envman.toml", 'schema = "schemas/vars.toml"', 'schema = "schemas/var.toml"')
    code, output = run(project, capsys, "validate")
    assert code == 3
    assert (
        "envman.toml:11:1: schema = 'schemas/var.toml': schemas/var.toml does not exist" in output
    )


def test_a_folder_as_schema_is_an_error(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "schemas" / "vars.toml").unlink()
    (project / "schemas" / "vars.toml").mkdir()
    code, output = run(project, capsys, "validate")
    assert (code, "schemas/vars.toml: is a directory" in output) == (3, True)


def test_without_a_schema_key_or_file_the_project_runs_untyped(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / "envman.toml", 'schema = "schemas/vars.toml"\n', "")
    (project / "schemas" / "vars.toml").unlink()
    assert run(project, capsys, "validate")[0] == 0


def test_an_override_for_an_unknown_environment_is_an_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(
        project / "schemas" / "vars.toml",
        "[vars.LOG_LEVEL.env.production]",
        "[vars.LOG_LEVEL.env.prodution]",
    )
    code, output = run(project, capsys, "validate")
    assert code == 3
    assert "schemas/vars.toml:10:" in output and "prodution" in output
    assert "did you mean 'production'?" in output


def test_a_secret_required_in_an_unknown_environment_is_an_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(project / "schemas" / "vars.toml", '["staging", "production"]', '["staging", "prod"]')
    code, output = run(project, capsys, "validate")
    assert code == 3 and "'prod' is not one of the project's" in output


def test_a_catastrophic_pattern_runs_in_linear_time(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    schema = project / "schemas" / "vars.toml"
    schema.write_text(
        schema.read_text(encoding="utf-8")
        + "\n[vars.SLUG]\nrequired = false\npattern = '(a+)+$'\n",
        encoding="utf-8",
    )
    edit(
        project / "environments" / "staging.toml",
        "[vars]\n",
        '[vars]\nSLUG = "' + "a" * 5000 + '!"\n',
    )
    code, output = run(project, capsys, "validate", "staging")
    assert code == 1 and "EM111 vars.SLUG" in output and "(a+)+$" in output


@pytest.mark.parametrize("pattern", [r"(a)\1", "(?=https)h.*", r"h.*\Z"])
def test_patterns_re2_cannot_run_are_schema_errors(
    project: Path, capsys: pytest.CaptureFixture[str], pattern: str
) -> None:
    edit(project / "schemas" / "vars.toml", "pattern = '^https://.*'", f"pattern = '{pattern}'")
    code, output = run(project, capsys, "validate")
    assert code == 3
    assert "schemas/vars.toml:16:1: vars.API_BASE_URL.pattern: pattern does not compile" in output
    assert "RE2" in output and "E0000" not in output  # RE2's own log line stays quiet


def test_re2_and_detect_secrets_each_live_behind_one_module() -> None:
    owners = {"re2": "envman/schema/pattern.py", "detect_secrets": "envman/schema/credentials.py"}
    for path in sorted((ROOT / "envman").rglob("*.py")):
        for node in imports(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
            )
            for name in names:
                top = name.split(".")[0]
                if top in owners:
                    assert path.relative_to(ROOT).as_posix() == owners[top], (path, name)
