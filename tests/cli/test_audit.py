"""`envman audit log / show / verify` on a log written by real promotions and rollbacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envman.workspace import workspace as workspace_module
from tests.bundled import PROMOTE
from tests.inprocess import Envman


def test_audit_verify_names_the_tampered_entry(project: Path, envman: Envman) -> None:
    for reason in ("one", "two"):
        assert (
            envman(
                *PROMOTE,
                reason,
                cwd=project,
            ).code
            == 0
        )
        assert envman("rollback", "production", "--yes", "--reason", reason, cwd=project).code == 0
    log = project / ".envman/audit.jsonl"
    lines = log.read_text().splitlines()
    lines[1] = lines[1].replace('"reason":"one"', '"reason":"edited"')
    log.write_text("\n".join(lines) + "\n")
    result = envman("audit", "verify", cwd=project)
    assert result.code == 1 and "line 2" in result.out
    entry = json.loads(lines[1])["id"]
    assert result.out.startswith(f"audit log BROKEN at line 2 (entry {entry}): hash does not")


def test_audit_verify_of_a_line_that_is_no_entry_names_no_entry(
    project: Path, envman: Envman
) -> None:
    assert envman(*PROMOTE, "one", cwd=project).code == 0
    log = project / ".envman/audit.jsonl"
    log.write_text("{oops\n" + log.read_text())
    result = envman("audit", "verify", cwd=project)
    assert result.code == 1
    assert result.out.startswith("audit log BROKEN at line 1: malformed entry: not valid JSON")


def test_the_audit_commands_read_no_environment_file(
    project: Path, envman: Envman, monkeypatch: pytest.MonkeyPatch
) -> None:
    """They need the log, not the environments: loading and layering those (dynaconf) was
    most of `audit verify`'s start-up."""
    assert envman(*PROMOTE, "one", cwd=project).code == 0
    entry = json.loads((project / ".envman/audit.jsonl").read_text().splitlines()[0])["id"]

    def unwanted(*args: object, **kwargs: object) -> None:
        raise AssertionError("an audit command loaded an environment file")

    monkeypatch.setattr(workspace_module, "load_environment", unwanted)
    for argv in (("audit", "verify"), ("audit", "log"), ("audit", "show", entry)):
        result = envman(*argv, cwd=project)
        assert result.code == 0, (argv, result.err)
    assert "1 entr" in envman("audit", "verify", cwd=project).out
