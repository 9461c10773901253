"""Every command gives the same verdict and output under a hostile process environment.

"Hostile" is what a machine running another dynaconf application looks like, and worse:
every `*_FOR_DYNACONF` setting, `DYNACONF_*` and `ENVMAN_LAYER_*` values, and a `.env` in
the project. None of it may change what envman reads or decides (docs/security.md, "No
ambient setting changes the verdict"). Proxy variables are honoured on purpose for the
Cloudflare API (a broken proxy makes live state unknown, exit 3), so they are not here.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from envman.cli import main
from tests.bundled import cloudflare_environ, deploy
from tests.fakecf import FakeCloudflare
from tests.workspace.test_sealed_loading import hostile_environment

COMMANDS = {
    "validate": ["validate", "-f", "json"],
    "show": ["show", "production", "-f", "json"],
    "diff": ["diff", "staging", "production"],
    "drift-offline": ["drift", "--live-from", "examples/live-snapshot.json", "-f", "json"],
    "check-offline": ["check", "production", "--live-from", "examples/live-snapshot.json"],
    "drift": ["drift", "-f", "json"],
    "check": ["check", "staging", "-f", "json"],
    "snapshot": ["snapshot", "-o", "snap.json"],
    "promote-dry-run": ["promote", "staging", "production", "--offline", "--dry-run"],
    "schema-export": ["schema", "export", "--check"],
    "audit-log": ["audit", "log"],
    "audit-verify": ["audit", "verify"],
}


def run(args: list[str], capsys: pytest.CaptureFixture[str], project: Path) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    snapshot = project / "snap.json"
    if snapshot.exists():  # the same but for the time it was taken
        data = json.loads(snapshot.read_text(encoding="utf-8"))
        data.pop("taken_at")
        out += json.dumps(data, sort_keys=True)
        snapshot.unlink()
    return code, out, err


def deploy_with_drift(
    project: Path, fake_cloudflare: FakeCloudflare, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fake holds the bundled project's Workers and one dashboard edit; envman is
    pointed at it and runs in `project`."""
    deploy(fake_cloudflare)
    # Some drift to report, so that an emptied config would show.
    fake_cloudflare.set_var(
        fake_cloudflare.account_id, "dashboard-worker-staging", "LOG_LEVEL", "warn"
    )
    for name, value in cloudflare_environ(fake_cloudflare).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(project)


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_neither_the_environment_nor_a_narrow_terminal_changes_the_verdict(
    project: Path,
    fake_cloudflare: FakeCloudflare,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
    command: list[str],
) -> None:
    """One clean run, then the same command twice against it: once under the hostile
    environment (the same exit code and output), once with stdout and stderr in a
    non-UTF-8 encoding (a legacy locale, PYTHONIOENCODING=ascii: the same exit code, and
    the same output with "?" for what the encoding cannot hold).

    Measured before: the em dash of a drift report ended the narrow run in exit 4. ASCII
    stands for every narrow encoding: the wrapper asks the stream's own encoding what it
    holds."""
    deploy_with_drift(project, fake_cloudflare, monkeypatch)
    clean = run(command, capsys, project)
    assert clean[0] in {0, 1}, clean
    assert _narrow(command, project) == _shown(clean, command), "a narrow terminal"
    hostile = hostile_environment(tmp_path_factory.mktemp("ambient"))
    (project / ".env").write_text("DYNACONF_VARS__LOG_LEVEL=debug\nLOG_LEVEL=debug\n")
    for name, value in hostile.items():
        monkeypatch.setenv(name, value)
    assert run(command, capsys, project) == clean, "a hostile environment"


ENCODING = "ascii"


def _narrow(command: list[str], project: Path) -> tuple[int, str, str]:
    """`command` with stdout and stderr in ENCODING: its exit code and what each held."""
    streams = [io.TextIOWrapper(io.BytesIO(), encoding=ENCODING) for _ in range(2)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "stdout", streams[0])
        patch.setattr(sys, "stderr", streams[1])
        code = main(command)
    texts = []
    for stream in streams:
        stream.flush()
        texts.append(stream.buffer.getvalue().decode(ENCODING))  # type: ignore[attr-defined]
    (project / "snap.json").unlink(missing_ok=True)
    return code, texts[0] if "snapshot" not in command else "", texts[1]


def _shown(clean: tuple[int, str, str], command: list[str]) -> tuple[int, str, str]:
    """The clean run's result as ENCODING shows it (snapshot's stdout: the file, not shown)."""
    code, out, err = clean
    out = out if "snapshot" not in command else ""
    return code, *(t.encode(ENCODING, "replace").decode(ENCODING) for t in (out, err))
