"""The envman-sync-check pre-commit hook: its entry is a real `envman` command that fails on drift."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _hook(hook_id: str) -> dict[str, Any]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (found,) = [h for h in hooks if h.get("id") == hook_id]
    return dict(found)


def _run(entry: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    program, *args = shlex.split(entry)
    beside = Path(sys.executable).parent / program
    found = str(beside) if beside.is_file() else shutil.which(program)
    assert found, f"{program} is not installed (pip install -e .)"
    return subprocess.run(
        [found, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def test_the_hook_passes_in_step_and_fails_listing_what_differs(project: Path) -> None:
    hook = _hook("envman-sync-check")
    assert hook["pass_filenames"] is False and hook["language"] == "python"
    assert _run(hook["entry"], project).returncode == 0
    staging = project / "environments" / "staging.toml"
    staging.write_text(
        staging.read_text().replace("RATE_LIMIT_PER_MINUTE = 600", "RATE_LIMIT_PER_MINUTE = 601")
    )
    result = _run(hook["entry"], project)
    assert result.returncode == 1
    assert "vars.RATE_LIMIT_PER_MINUTE" in result.stdout and "envman sync" in result.stderr


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("envman.toml", True),
        ("environments/staging.toml", True),
        ("wrangler.jsonc", True),
        ("schemas/vars.toml", False),
        ("src/index.ts", False),
    ],
)
def test_the_hook_runs_for_the_files_sync_reads(path: str, matches: bool) -> None:
    assert bool(re.search(_hook("envman-sync-check")["files"], path)) is matches
