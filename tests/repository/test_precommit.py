"""The pre-commit hook envman provides: its definition parses and its command exists."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest
import yaml

from tests import paths
from tests.inprocess import Envman

REPO = paths.REPO
HOOKS = REPO / ".pre-commit-hooks.yaml"


def hooks() -> list[dict[str, Any]]:
    data = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def hook(hook_id: str) -> dict[str, Any]:
    found = [h for h in hooks() if h.get("id") == hook_id]
    assert len(found) == 1, f"expected one hook {hook_id!r}"
    return found[0]


def test_every_hook_has_the_keys_pre_commit_requires() -> None:
    for entry in hooks():
        assert {"id", "name", "entry", "language"} <= set(entry), entry


def test_envman_validate_hook() -> None:
    validate = hook("envman-validate")
    assert validate["entry"] == "envman validate"
    assert validate["language"] == "python"
    assert validate["pass_filenames"] is False


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("envman.toml", True),
        ("environments/production.toml", True),
        ("environments/base.toml", True),
        ("schemas/vars.toml", True),
        ("wrangler.toml", True),
        ("wrangler.json", True),
        ("wrangler.jsonc", True),
        ("src/index.ts", False),
        ("pyproject.toml", False),
        ("schemas/vars.schema.json", False),
        ("environments/README.md", False),
        ("wrangler.toml.bak", False),
    ],
)
def test_envman_validate_runs_for_config_files_only(path: str, matches: bool) -> None:
    # pre-commit matches `files` with Python's re.search against the repository path.
    assert bool(re.search(hook("envman-validate")["files"], path)) is matches


def test_hook_entry_is_an_envman_command(envman: Envman) -> None:
    program, *args = shlex.split(hook("envman-validate")["entry"])
    assert program == "envman"
    result = envman(*args, "--help", cwd=REPO)
    assert result.code == 0, result.err
    assert "Usage: envman validate" in result.out
