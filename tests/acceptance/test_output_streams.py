"""stdout as a real process has it: a reader that closed the pipe, a full disk.

The in-process tests (tests/cli/test_output_streams.py) hold the verdicts; these prove the
interpreter's own last flush stays silent once envman has stopped writing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.acceptance.process import clean_environ, finish, spawn

pytestmark = pytest.mark.acceptance

DRIFT = ("drift", "--live-from", "examples/live-snapshot.json")


def test_a_closed_pipe_leaves_a_clean_verdict_clean_and_says_nothing(project: Path) -> None:
    """Measured before: exit 1 for every command whose reader had gone (rich's handler of a
    broken pipe), so `envman validate | head` failed a pipefail script on a clean project."""
    process = spawn("validate", cwd=project)
    assert process.stdout is not None
    process.stdout.close()  # long before envman writes its report
    result = finish(process)
    assert (result.returncode, result.stderr) == (0, "")


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_is_exit_3_with_one_line(project: Path) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "envman", *DRIFT],
            cwd=project,
            env=clean_environ(),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    assert (result.returncode, result.stderr) == (
        3,
        "envman: error: cannot write to stdout: No space left on device\n",
    )
