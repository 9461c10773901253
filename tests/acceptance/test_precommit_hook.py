"""The pre-commit hook as pre-commit runs it: the installed `envman` script, in the repository."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.paths import REPO

pytestmark = pytest.mark.acceptance


def _program(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    assert found, f"{name} is not installed (pip install -e .)"
    return found


def test_hook_entry_validates_the_bundled_project() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "envman-validate"]
    program, *args = shlex.split(hook["entry"])
    result = subprocess.run(
        [_program(program), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No problems found in 3 environments." in result.stdout
