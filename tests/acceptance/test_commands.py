"""One real `python -m envman COMMAND` per top-level command: it starts, runs and exits.

Everything else about the commands is tested in-process (tests/cli/); this proves the
installed module runs as a program: interpreter start, imports, exit code, output.
The runs are independent (a project each), so they are all started at once and each
test waits for its own: on two cores that halves the wait for ten interpreter starts.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from envman import api
from envman.cli import app
from envman.report import render
from tests.acceptance.process import finish, spawn
from tests.bundled import cloudflare_environ, copy_project, deploy
from tests.fakecf.fixtures import ACCOUNT_ID, TOKEN
from tests.fakecf.server import FakeCloudflare

pytestmark = pytest.mark.acceptance


@dataclass(frozen=True)
class Smoke:
    argv: tuple[str, ...]
    code: int
    says: str
    live: bool = False
    """Reads the deployed project from the fake Cloudflare API."""
    promoted: bool = False
    """Runs after staging was promoted into production (so there is an audit entry)."""
    saved: bool = False
    """Runs where a JSON drift report (from the bundled snapshot) is saved as drift.json."""


SMOKES = {
    "validate": Smoke(("validate",), 0, "No problems found in 3 environments."),
    "show": Smoke(("show", "staging"), 0, 'LOG_LEVEL = "info"'),
    "drift": Smoke(
        ("drift", "--live-from", "examples/live-snapshot.json"), 1, "EM400 vars.RATE_LIMIT"
    ),
    "snapshot": Smoke(("snapshot", "-o", "live.json"), 0, "", live=True),
    "check": Smoke(("check", "production"), 0, "production", live=True),
    "diff": Smoke(("diff", "staging", "production"), 0, "vars.LOG_LEVEL"),
    "promote": Smoke(
        ("promote", "staging", "production", "--offline", "--yes", "--reason", "smoke"),
        0,
        "promoted staging -> production",
    ),
    "rollback": Smoke(
        ("rollback", "production", "--yes", "--reason", "smoke"), 0, "rolled back", promoted=True
    ),
    "audit": Smoke(("audit", "verify"), 0, "1 entr", promoted=True),
    "schema": Smoke(("schema", "export", "--check"), 0, ""),
    "init": Smoke(("init", "--force"), 0, "envman sync"),
    "reconcile": Smoke(
        ("reconcile", "staging", "--push", "--dry-run"), 0, "nothing to push", live=True
    ),
    "report": Smoke(("report", "merge", "drift.json"), 1, "EM400 vars.RATE_LIMIT", saved=True),
    "sync": Smoke(("sync", "--check"), 0, "No problems found in 3 environments."),
}


def save_report(project: Path) -> None:
    ws = api.open_workspace(project)
    report = api.drift(
        ws, options=api.LiveOptions(live_from=project / "examples/live-snapshot.json")
    )
    (project / "drift.json").write_text(render(report, "json"), encoding="utf-8")


def promote(project: Path) -> None:
    ws = api.open_workspace(project)
    proposal = api.propose(
        ws, "staging", "production", offline=True, live=api.LiveOptions(environ={})
    )
    api.apply_promotion(ws, proposal, reason="before the smoke run", confirmed=True, environ={})


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, subprocess.Popen[str]]]:
    """Every smoke run, started at once, each in its own copy of the bundled project."""
    with FakeCloudflare(token=TOKEN, account_id=ACCOUNT_ID) as fake:
        runs, deployed = {}, False
        # the runs that need no preparation first, so they start while the others get ready
        for command in sorted(SMOKES, key=lambda c: (SMOKES[c].live, SMOKES[c].promoted)):
            smoke = SMOKES[command]
            project = copy_project(tmp_path_factory.mktemp(command))
            if smoke.live and not deployed:
                deploy(fake)
                deployed = True
            if smoke.promoted:
                promote(project)
            if smoke.saved:
                save_report(project)
            env = cloudflare_environ(fake) if smoke.live else {}
            runs[command] = spawn(*smoke.argv, cwd=project, env=env)
        yield runs
        for process in runs.values():
            process.kill()
            process.communicate()
        assert not fake.server_errors, fake.server_errors


def test_every_top_level_command_has_a_smoke_run() -> None:
    commands = {c.name or c.callback.__name__ for c in app.registered_commands if c.callback}
    groups = {g.name for g in app.registered_groups}
    assert commands | groups == set(SMOKES)


@pytest.mark.parametrize("command", SMOKES)
def test_the_command_runs_as_a_program(
    command: str, started: dict[str, subprocess.Popen[str]]
) -> None:
    result = finish(started[command])
    smoke = SMOKES[command]
    assert result.returncode == smoke.code, result.stdout + result.stderr
    assert smoke.says in result.stdout + result.stderr
