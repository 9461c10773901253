"""Real envman processes SIGKILLed at every step of a promotion: never half applied, never unaudited.

Each promotion runs in a process forked from a server that has imported envman (fast to
start), with a boundary hook (`release.set_boundary_hook`) that SIGKILLs the process
the moment a named step is durable. The next command, whatever it is, recovers; then
the files are wholly old or wholly new, every applied change has exactly one audit
entry, and the log verifies. A few dozen kills at random moments check the same
without the hook, and a reader during a promotion sees the old pair or the new one.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import pytest

from envman import audit
from envman.cli import main
from envman.workspace import open_workspace
from tests.bundled import copy_project

pytestmark = pytest.mark.acceptance

FILES = ("environments/production.toml", "wrangler.toml")
LOG = ".envman/audit.jsonl"
PROMOTE = ["promote", "staging", "production", "--offline", "--yes", "--reason", "kill"]
ROLLBACK = ["rollback", "production", "--yes", "--reason", "kill"]
BOUNDARIES = ("copies", "intent", "file:0", "file:1", "entry", "committed")
APPLIED = {"file:0", "file:1", "entry", "committed", "torn"}
"""Killed at these, the change is finished by recovery; before them, it never happened."""


# --------------------------------------------------------------------------- processes


def _child(cwd: str, argv: list[str], step: str | None, pause: float) -> None:
    """The forked process: `envman ARGV` in `cwd`, SIGKILLed at `step` (or paused there)."""
    from envman import release

    os.chdir(cwd)
    for name in [n for n in os.environ if n.startswith(("ENVMAN_", "CLOUDFLARE_", "GITHUB_"))]:
        del os.environ[name]

    def hook(name: str) -> None:
        if step == "torn" and name == "file:1":
            _tear(Path(cwd))
            os.kill(os.getpid(), signal.SIGKILL)
        if name == step:
            if pause:
                time.sleep(pause)
                return
            os.kill(os.getpid(), signal.SIGKILL)

    release.set_boundary_hook(hook)
    sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - until the process ends
    sys.exit(main(argv))


def _tear(project: Path) -> None:
    """Append the first half of the pending entry: a kill in the middle of the append."""
    for manifest in project.glob(".envman/transactions/*/manifest.json"):
        journal = json.loads(manifest.read_text())
        if journal["state"] == "pending":
            line = journal["entry"].encode()
            with (project / LOG).open("ab") as log:
                log.write(line[: len(line) // 2])


class Forks:
    """Starts `_child` processes from a fork server that has imported envman once."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("forkserver")
        # pytest too: the child imports the parent's __main__ (pytest's) before the target;
        # `warm` runs a promotion and a rollback once, so no child pays for a first command.
        self._context.set_forkserver_preload(
            ["pytest", "envman.cli", "tests.acceptance.warm", __name__]
        )

    def start(
        self, cwd: Path, argv: list[str], step: str | None = None, pause: float = 0
    ) -> BaseProcess:
        process = self._context.Process(target=_child, args=(str(cwd), argv, step, pause))
        process.start()
        return process


@pytest.fixture(scope="module")
def forks() -> Forks:
    return Forks()


@dataclass(frozen=True)
class Outcome:
    """The project after a command: the file pair and the entries."""

    texts: tuple[str, ...]
    entries: tuple[dict[str, Any], ...]


def outcome(project: Path) -> Outcome:
    log = project / LOG
    lines = log.read_text().splitlines() if log.exists() else []
    return Outcome(
        tuple((project / name).read_text() for name in FILES),
        tuple(json.loads(line) for line in lines),
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled project, never changed: copy it, don't use it."""
    return copy_project(tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def fresh(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "project"))


def run(project: Path, *argv: str) -> tuple[int, str]:
    """`envman ARGV` in this process: the command after the kill. Its stderr is returned."""
    real = sys.stderr
    with open(project.parent / "stderr.txt", "w+") as err:
        sys.stderr = err
        try:
            code = main(["-C", str(project), *argv])
        finally:
            sys.stderr = real
        err.seek(0)
        return code, err.read()


@pytest.fixture
def quiet(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    yield
    capsys.readouterr()


def assert_consistent(project: Path, before: Outcome, after: Outcome, *, applied: bool) -> None:
    """Old pair and no new entry, or new pair and exactly one new entry; the log verifies."""
    now = outcome(project)
    expected = after if applied else before
    assert now.texts == expected.texts
    assert len(now.entries) == len(expected.entries)
    transactions = [e.get("data", {}).get("transaction") for e in now.entries]
    assert len(set(transactions)) == len(transactions)  # one entry per applied change
    assert audit.verify(project / LOG, None).ok
    assert not any(
        json.loads(m.read_text())["state"] == "pending"
        for m in project.glob(".envman/transactions/*/manifest.json")
    )


# --------------------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def reference(
    pristine: Path, forks: Forks, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Each stage of the scenario, uninterrupted: before, promoted, rolled back; timings."""
    project = Path(shutil.copytree(pristine, tmp_path_factory.mktemp("reference") / "p"))
    stages: dict[str, Any] = {"before": outcome(project)}
    for name, argv in (("promoted", PROMOTE), ("rolled back", ROLLBACK)):
        started = time.monotonic()
        child = forks.start(project, argv)
        child.join(60)
        assert child.exitcode == 0
        stages[f"{name} in"] = time.monotonic() - started
        stages[name] = outcome(project)
    return stages


@pytest.mark.parametrize("command", ["promote", "rollback"])
@pytest.mark.parametrize("step", [*BOUNDARIES, "torn"])
def test_killed_at_each_step_the_next_command_finds_old_or_new(
    fresh: Path, forks: Forks, reference: dict[str, Any], command: str, step: str, quiet: None
) -> None:
    if command == "rollback":
        assert run(fresh, *PROMOTE)[0] == 0
    before = outcome(fresh)
    child = forks.start(fresh, PROMOTE if command == "promote" else ROLLBACK, step)
    child.join(60)
    assert child.exitcode == -signal.SIGKILL, "the hook did not fire"
    applied = step in APPLIED
    # any command recovers first: here a reader
    code, err = run(fresh, "validate")
    assert code == 0, err
    if step != "committed":
        assert "envman: recovered" in err
    done = outcome(fresh)
    after_texts = reference["promoted" if command == "promote" else "rolled back"].texts
    assert done.texts == (after_texts if applied else before.texts)
    assert len(done.entries) == len(before.entries) + applied
    assert_consistent(fresh, before, Outcome(after_texts, done.entries), applied=applied)
    if command == "promote":  # a retry: nothing left to do if applied, all of it if not
        retry = run(fresh, *PROMOTE)
        assert retry[0] == 0, retry[1]
        assert len(outcome(fresh).entries) == len(before.entries) + 1
        assert outcome(fresh).texts == after_texts


@pytest.mark.parametrize("step", ["recover:file:1", "recover:entry"])
def test_recovery_killed_half_way_is_recovered_by_the_next_command(
    fresh: Path, forks: Forks, reference: dict[str, Any], step: str, quiet: None
) -> None:
    before = outcome(fresh)
    killed = forks.start(fresh, PROMOTE, "file:0")
    killed.join(60)
    recovering = forks.start(fresh, ["audit", "verify"], step)
    recovering.join(60)
    assert recovering.exitcode == -signal.SIGKILL
    code, err = run(fresh, "show", "production")
    assert code == 0, err
    assert_consistent(fresh, before, reference["promoted"], applied=True)


def test_random_kills_leave_no_inconsistent_state(
    pristine: Path, forks: Forks, reference: dict[str, Any], tmp_path: Path, quiet: None
) -> None:
    """12 kills: 4 at any moment of the run, 8 at a random moment of its write (~50 ms).

    The deterministic kills above cover every step boundary; these add timing nobody chose
    (tests/acceptance/test_recovery.py kills at fixed fractions of the run besides)."""
    chance = random.Random(20240501)
    duration = float(reference["promoted in"])
    seen = {"old": 0, "new": 0, "recovered": 0}
    for i in range(12):
        project = Path(shutil.copytree(pristine, tmp_path / f"p{i}"))
        child = forks.start(project, PROMOTE)
        if i < 4:
            time.sleep(chance.uniform(0.0, duration * 1.1))
        else:  # from the moment the transaction begins
            while child.is_alive() and not any(project.glob(".envman/transactions/*")):
                time.sleep(0.002)
            time.sleep(chance.uniform(0.0, 0.04))
        child.kill()
        child.join(60)
        code, err = run(project, "audit", "verify")
        assert code == 0, err
        applied = outcome(project).texts == reference["promoted"].texts
        assert_consistent(project, reference["before"], reference["promoted"], applied=applied)
        seen["new" if applied else "old"] += 1
        seen["recovered"] += "recovered" in err
    print(f"random kills: {seen}")  # shown with -s: how many landed inside the write
    assert seen["old"] + seen["new"] == 12


def test_a_reader_during_a_promotion_sees_the_old_pair_or_the_new(
    fresh: Path, forks: Forks, reference: dict[str, Any]
) -> None:
    writer = forks.start(fresh, PROMOTE, "file:0", pause=1.0)  # stops between the two files
    deadline = time.monotonic() + 30
    while (fresh / FILES[0]).read_text() != reference["promoted"].texts[0]:
        assert time.monotonic() < deadline and writer.is_alive()
        time.sleep(0.001)
    unguarded = open_workspace(fresh)
    assert unguarded.wrangler is not None
    mixed = (
        unguarded.environment_file("production").document.text,
        unguarded.wrangler.document.text,
    )
    assert mixed not in (
        reference["before"].texts,
        reference["promoted"].texts,
    )  # the window is real
    guarded = open_workspace(fresh, recover=lambda line: None)  # what every command does
    assert guarded.wrangler is not None
    seen = (guarded.environment_file("production").document.text, guarded.wrangler.document.text)
    assert seen == reference["promoted"].texts
    writer.join(60)
    assert writer.exitcode == 0
