"""`envman validate` and `show`: reports, exit codes, and every kind of bad input located."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.inprocess import Envman
from tests.paths import REPO


def findings(result_stdout: str) -> list[tuple[str, str, str]]:
    data = json.loads(result_stdout)
    return sorted((f["code"], f["env"] or "", f["path"]) for f in data["findings"])


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


def test_mistakes_in_every_area_are_reported_in_one_run(project: Path, envman: Envman) -> None:
    production = project / "environments/production.toml"
    text = production.read_text()
    text = text.replace('LOG_LEVEL = "warn"', 'LOG_LEVEL = "debug"')
    text = text.replace(
        'id = "5d8c2b7a1e0f4a3b9c6d8e2f1a0b3c45"', 'id = "9b3e1f0c7a6d4e2f8a1b5c3d7e9f0a12"'
    )
    text = text.replace('compatibility_date = "2026-10-15"', 'compatibility_date = "2026-10-20"')
    production.write_text(text)
    staging = project / "environments/staging.toml"
    staging.write_text(
        staging.read_text().replace(
            'crons = ["0 3 * * *", "*/15 * * * *"]', 'crons = ["0 3 * * *", "61 * * * *"]'
        )
    )
    result = envman("validate", "--format", "json", cwd=project)
    assert result.code == 1
    got = findings(result.out)
    assert ("EM111", "production", "vars.LOG_LEVEL") in got
    assert ("EM201", "production", "kv_namespaces.CACHE") in got
    assert ("EM203", "production", "compatibility_date") in got
    assert ("EM330", "staging", "triggers.crons") in got
    assert ("EM300", "production", "vars.LOG_LEVEL") in got
    located = {(f["code"], f["path"]): f["source"] for f in json.loads(result.out)["findings"]}
    assert located[("EM111", "vars.LOG_LEVEL")] == {
        "file": "environments/production.toml",
        "line": 8,
        "column": 1,
    }


def test_fail_on_warning(project: Path, envman: Envman) -> None:
    (project / "environments/staging.toml").write_text(
        (project / "environments/staging.toml")
        .read_text()
        .replace("[vars]\n", '[vars]\nUNDECLARED = "x"\n', 1)
    )
    assert envman("validate", "staging", cwd=project).code == 1  # EM300: not in wrangler.toml
    wrangler = project / "wrangler.toml"
    wrangler.write_text(
        wrangler.read_text().replace(
            "[env.staging.vars]\n", '[env.staging.vars]\nUNDECLARED = "x"\n'
        )
    )
    assert envman("validate", "staging", cwd=project).code == 0
    assert envman("validate", "staging", "--fail-on", "warning", cwd=project).code == 1


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


@pytest.mark.parametrize(
    ("file", "content", "where"),
    [
        ("envman.toml", 'worker = "w"\nenvironments = ["staging"\n', "envman.toml:3"),
        ("environments/staging.toml", '[vars]\nA = "1"\nB = \n', "environments/staging.toml:3:5"),
        ("wrangler.toml", 'name = "x"\n[env.staging\n', "wrangler.toml:2"),
        ("environments/staging.toml", '[vars]\nA = "1"\nA = "2"\n', "environments/staging.toml:3"),
    ],
    ids=["envman-toml", "env-file", "wrangler-toml", "duplicate-key"],
)
def test_malformed_toml_is_located(
    project: Path, file: str, content: str, where: str, envman: Envman
) -> None:
    (project / file).write_text(content)
    result = envman("validate", cwd=project)
    assert result.code == 3, result.out + result.err
    assert where in result.err


def test_malformed_jsonc_is_located(tmp_path: Path, envman: Envman) -> None:
    (tmp_path / "wrangler.jsonc").write_text('{\n  // comment\n  "name": "x",\n  "main": 5 6\n}\n')
    result = envman("validate", cwd=tmp_path)
    assert result.code == 3
    assert "wrangler.jsonc:4:13" in result.err


def test_duplicate_key_in_jsonc_is_a_warning_finding(tmp_path: Path, envman: Envman) -> None:
    """wrangler accepts a duplicated key (the last one wins), so envman warns."""
    (tmp_path / "wrangler.jsonc").write_text(
        '{\n  "name": "x",\n  "main": "src/index.ts",\n  "compatibility_date": "2025-01-01",\n  "name": "y"\n}\n'
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src/index.ts").write_text("")
    result = envman("validate", "--format", "json", cwd=tmp_path)
    assert result.code == 0
    assert ("EM005", "top-level", "name") in findings(result.out)


def test_non_utf8_file(project: Path, envman: Envman) -> None:
    (project / "environments/staging.toml").write_bytes(b'[vars]\nA = "caf\xe9"\n')
    result = envman("validate", cwd=project)
    assert result.code == 3
    assert "environments/staging.toml:2:9" in result.err
    assert "UTF-8" in result.err


def test_empty_file(project: Path, envman: Envman) -> None:
    (project / "environments/staging.toml").write_text("")
    result = envman("validate", cwd=project)
    assert result.code == 3
    assert "environments/staging.toml: file is empty" in result.err


def test_environment_listed_without_a_file(project: Path, envman: Envman) -> None:
    (project / "environments/staging.toml").unlink()
    result = envman("validate", cwd=project)
    assert result.code == 3
    assert "environments/staging.toml" in result.err
    assert "does not exist" in result.err


def test_environment_name_with_a_separator_in_envman_toml(project: Path, envman: Envman) -> None:
    path = project / "envman.toml"
    path.write_text(
        path.read_text().replace('"staging", "production"]', '"../staging", "production"]')
    )
    result = envman("validate", cwd=project)
    assert result.code == 3
    assert "envman.toml:" in result.err
    assert "path separators" in result.err


def test_huge_wrangler_file_is_refused_quickly(project: Path, envman: Envman) -> None:
    wrangler = project / "wrangler.toml"
    padding = "# " + "x" * 98 + "\n"
    wrangler.write_text(wrangler.read_text() + padding * 52_000)  # just over 5 MB
    result = envman("validate", cwd=project)
    assert result.code == 3
    assert "wrangler.toml" in result.err
    assert "MB" in result.err


def test_no_project_at_all(tmp_path: Path, envman: Envman) -> None:
    result = envman("validate", cwd=tmp_path)
    assert result.code == 3
    assert "no envman.toml and no wrangler" in result.err


def test_unknown_key_in_an_environment_file_suggests(project: Path, envman: Envman) -> None:
    path = project / "environments/staging.toml"
    path.write_text(path.read_text().replace("[triggers]", "[trigers]"))
    result = envman("validate", "--format", "json", cwd=project)
    assert result.code == 1
    (finding,) = [f for f in json.loads(result.out)["findings"] if f["code"] == "EM100"]
    assert finding["hint"] == "did you mean 'triggers'?"
    assert finding["source"]["file"] == "environments/staging.toml"
    assert finding["source"]["line"] is not None


def test_zero_setup_on_the_bundled_wrangler_file(tmp_path: Path, envman: Envman) -> None:
    """Without envman.toml the top level is not a pipeline stage: no date-order noise."""
    shutil.copy(REPO / "wrangler.toml", tmp_path / "wrangler.toml")
    shutil.copytree(REPO / "src", tmp_path / "src")
    result = envman("validate", "--format", "json", cwd=tmp_path)
    assert result.code == 0, result.out
    data = json.loads(result.out)
    assert data["environments"] == ["top-level", "development", "staging", "production"]
    assert data["findings"] == []


def test_unknown_binding_keys_are_kept_but_not_compared(project: Path, envman: Envman) -> None:
    wrangler = project / "wrangler.toml"
    text = wrangler.read_text().replace(
        '[[env.staging.kv_namespaces]]\nbinding = "CACHE"\n',
        '[[env.staging.kv_namespaces]]\nbinding = "CACHE"\nexperimental_remote = true\n',
    )
    wrangler.write_text(text)
    result = envman("validate", "staging", "--format", "json", cwd=project)
    codes = {f["code"] for f in json.loads(result.out)["findings"]}
    assert "EM300" not in codes
