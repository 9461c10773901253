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
def test_the_verdict_ignores_the_environment(
    project: Path,
    fake_cloudflare: FakeCloudflare,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path_factory: pytest.TempPathFactory,
    command: list[str],
) -> None:
    deploy_with_drift(project, fake_cloudflare, monkeypatch)
    clean = run(command, capsys, project)
    hostile = hostile_environment(tmp_path_factory.mktemp("ambient"))
    (project / ".env").write_text("DYNACONF_VARS__LOG_LEVEL=debug\nLOG_LEVEL=debug\n")
    for name, value in hostile.items():
        monkeypatch.setenv(name, value)
    assert run(command, capsys, project) == clean
    assert clean[0] in {0, 1}, clean


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_terminal_that_cannot_show_every_character_changes_no_verdict(
    project: Path,
    fake_cloudflare: FakeCloudflare,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """stdout and stderr in a non-UTF-8 encoding (a legacy locale, PYTHONIOENCODING=ascii):
    the same exit code, and the same output with "?" for what the encoding cannot hold.

    Measured before: the em dash of a drift report ended the run in exit 4. ASCII stands
    for every narrow encoding: the wrapper asks the stream's own encoding what it holds."""
    encoding = "ascii"
    deploy_with_drift(project, fake_cloudflare, monkeypatch)
    code, out, err = run(command, capsys, project)
    streams = [io.TextIOWrapper(io.BytesIO(), encoding=encoding) for _ in range(2)]
    monkeypatch.setattr(sys, "stdout", streams[0])
    monkeypatch.setattr(sys, "stderr", streams[1])
    narrow = main(command)
    texts = []
    for stream in streams:
        stream.flush()
        texts.append(stream.buffer.getvalue().decode(encoding))  # type: ignore[attr-defined]
    monkeypatch.undo()
    snapshot = project / "snap.json"
    snapshot.unlink(missing_ok=True)

    def shown(text: str) -> str:
        return text.encode(encoding, "replace").decode(encoding)

    assert narrow == code
    assert (texts[0] if "snapshot" not in command else "", texts[1]) == (
        shown(out if "snapshot" not in command else ""),
        shown(err),
    )
