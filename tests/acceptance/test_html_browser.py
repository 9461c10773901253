"""The HTML page in a real headless browser: it loads offline with no console message, its
script runs, hostile values stay text, and the seeded drift is in the right cell.

Chromium from Debian's packages (`apt-get install chromium`; `.ci/run` installs it when it
can). Without it the test skips and says so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.inprocess import Envman

pytestmark = pytest.mark.acceptance

BROWSER = next(
    (found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def load(page: Path, profile: Path) -> tuple[str, list[str]]:
    """The DOM after the page's scripts ran, and every console message Chromium logged."""
    assert BROWSER is not None
    done = subprocess.run(
        [BROWSER, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.skipif(BROWSER is None, reason="no Chromium (apt-get install chromium)")
def test_the_page_in_chromium(project: Path, tmp_path: Path, envman: Envman) -> None:
    staging = project / "environments" / "staging.toml"
    text = staging.read_text(encoding="utf-8")
    hostile = '</script><script>document.title=\\"pwned\\"</script><img src=x onerror=alert(1)>'
    staging.write_text(text.replace("[vars]\n", f'[vars]\nMOTTO = "{hostile}"\n', 1))
    result = envman(
        "report", "--html", "envs.html", "--live-from", "examples/live-snapshot.json", cwd=project
    )
    assert result.code == 0, result.err
    dom, console = load(project / "envs.html", tmp_path / "profile")
    assert console == []  # no error, no warning, no failed load
    assert re.search(r'<body[^>]*data-ready="yes"', dom)  # the page's script ran to its end
    assert "<title>envman: " in dom and "pwned" not in dom.split("</title>")[0]
    assert "<img" not in dom  # the hostile value stayed text
    cells = re.findall(r'<td class="([^"]*)" data-env="([^"]+)" data-path="([^"]+)"', dom)
    drifted = {(env, path) for classes, env, path in cells if "drift" in classes.split()}
    # the snapshot's seeded drift (a rate limit raised in production, a secret missing in
    # staging), and the var this test declared, which the live Worker lacks
    assert drifted == {
        ("production", "vars.RATE_LIMIT_PER_MINUTE"),
        ("staging", "secrets.STRIPE_API_KEY"),
        ("staging", "vars.MOTTO"),
    }
