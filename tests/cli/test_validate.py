"""`envman validate` and `show`: reports, exit codes, and every kind of bad input located."""

from __future__ import annotations

import json
from pathlib import Path

from tests.inprocess import Envman


def test_bundled_project_is_valid(project: Path, envman: Envman) -> None:
    result = envman("validate", cwd=project)
    assert result.code == 0, result.out + result.err
    assert "No problems found in 3 environments." in result.out


def test_bundled_project_json_is_empty_and_documented(project: Path, envman: Envman) -> None:
    result = envman("validate", "--format", "json", cwd=project)
    data = json.loads(result.out)
    assert result.code == 0
    assert data["findings"] == []
    assert data["summary"]["environments"] == 3
    assert data["environments"] == ["development", "staging", "production"]


def test_formats_and_outputs(project: Path, envman: Envman) -> None:
    result = envman(
        "validate", "-f", "json", "-o", "out.json", "-f", "markdown", "-o", "out.md", cwd=project
    )
    assert result.code == 0
    assert json.loads((project / "out.json").read_text())["findings"] == []
    assert (project / "out.md").read_text().startswith("#")
    assert "No problems found" in result.out  # text still goes to the terminal


def test_unknown_environment_is_a_usage_error_with_a_suggestion(
    project: Path, envman: Envman
) -> None:
    result = envman("validate", "prodution", cwd=project)
    assert result.code == 2
    assert "did you mean 'production'?" in result.err


def test_environment_name_with_a_path_separator(project: Path, envman: Envman) -> None:
    result = envman("validate", "../production", cwd=project)
    assert result.code == 2
    assert "path separator" in result.err


def test_show_prints_the_resolved_config(project: Path, envman: Envman) -> None:
    result = envman("show", "staging", "--format", "json", cwd=project)
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["vars"]["LOG_LEVEL"] == "info"  # inherited from base.toml
    assert data["kv_namespaces"] == [{"binding": "CACHE", "id": "9b3e1f0c7a6d4e2f8a1b5c3d7e9f0a12"}]
    wrangler = envman("show", "staging", "--source", "wrangler", "--format", "json", cwd=project)
    assert json.loads(wrangler.out)["vars"] == data["vars"]


# --------------------------------------------------------------------------- bad input
# (a bad file is a case folder in tests/cases/validate/; these need more than files)


def test_environment_listed_without_a_file(project: Path, envman: Envman) -> None:
    (project / "environments/staging.toml").unlink()
    result = envman("validate", cwd=project)
    assert result.code == 3
    assert "environments/staging.toml" in result.err
    assert "does not exist" in result.err


def test_huge_wrangler_file_is_refused_quickly(project: Path, envman: Envman) -> None:
    wrangler = project / "wrangler.toml"
    padding = "# " + "x" * 98 + "\n"
    wrangler.write_text(wrangler.read_text() + padding * 52_000)  # just over 5 MB
    result = envman("validate", cwd=project)
    assert result.code == 3
    assert "wrangler.toml" in result.err
    assert "MB" in result.err
