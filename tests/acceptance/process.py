"""Running the real `envman` command as a subprocess, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests import paths

REPO = paths.REPO


def envman(
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m envman ARGS` in `cwd` with a clean environment plus `env`."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLOUDFLARE_", "ENVMAN_", "GITHUB_"))
        and key not in {"NO_COLOR", "FORCE_COLOR"}
    }
    environ["COLUMNS"] = "200"
    environ.update(env or {})
    result = subprocess.run(
        [sys.executable, "-m", "envman", *args],
        cwd=cwd,
        env=environ,
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result
