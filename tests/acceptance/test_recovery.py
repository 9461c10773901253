"""Promotions as real processes: killed at any point, racing each other, waiting for the lock.

Only a real process can be SIGKILLed mid-write or hold an flock against another one,
so these tests fork envman (see tests/acceptance/process.py); every check of the
result runs in-process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from envman import files
from envman.release.transaction import locked
from tests.acceptance.process import Forks
from tests.bundled import PROMOTE, commit_all, copy_project
from tests.inprocess import Envman

pytestmark = pytest.mark.acceptance

FILES = ("environments/production.toml", "wrangler.toml")


def texts(project: Path) -> dict[str, str]:
    return {name: (project / name).read_text() for name in FILES}


def log_entries(project: Path) -> list[dict[str, Any]]:
    path = project / ".envman/audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture(scope="module")
def forks(tmp_path_factory: pytest.TempPathFactory) -> Forks:
    """envman processes forked from a server that has imported it once."""
    return Forks(tmp_path_factory.mktemp("forks"))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled project in a git repository, never changed: copy it, don't use it."""
    return commit_all(copy_project(tmp_path_factory.mktemp("pristine")))


@pytest.fixture
def project(pristine: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(pristine, tmp_path / "project"))


@dataclass(frozen=True)
class Reference:
    """An uninterrupted promotion: the files before and after, and how long it took."""

    before: dict[str, str]
    after: dict[str, str]
    duration: float


@pytest.fixture(scope="module")
def reference(pristine: Path, forks: Forks, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    forks.start("--version", cwd=pristine).wait()  # the fork server is up before timing
    project = Path(shutil.copytree(pristine, tmp_path_factory.mktemp("reference") / "project"))
    run = forks.start(*PROMOTE, "ref", cwd=project)
    code, out, err = run.wait()
    duration = time.monotonic() - run.started
    assert code == 0, out + err
    return Reference(texts(pristine), texts(project), duration)


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.7, 0.9])
def test_sigkill_at_any_point_leaves_whole_files(
    project: Path, fraction: float, forks: Forks, reference: Reference, envman: Envman
) -> None:
    run = forks.start(*PROMOTE, "kill", cwd=project)
    time.sleep(reference.duration * fraction)
    run.kill()
    assert_whole_then_recovered(project, reference, envman)


def _transaction(project: Path, pattern: str) -> bool:
    folder = project / ".envman/transactions"
    return folder.is_dir() and any(folder.glob(pattern))


MOMENTS: dict[str, Callable[[Path, Reference], bool]] = {
    "backing up": lambda project, _: _transaction(project, "*"),
    "pending": lambda project, _: _transaction(project, "*/manifest.json"),
    "one file replaced": lambda project, reference: (
        (project / FILES[0]).read_text() == reference.after[FILES[0]]
    ),
}
"""Points inside the write, each seen from outside: kill the promotion as soon as it is true."""


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigkill_inside_the_transaction_leaves_whole_files(
    project: Path, moment: str, forks: Forks, reference: Reference, envman: Envman
) -> None:
    run = forks.start(*PROMOTE, "kill", cwd=project)
    while not MOMENTS[moment](project, reference):
        assert run.process.is_alive(), f"the promotion ended before {moment}"
        time.sleep(0.0002)
    run.kill()
    assert_whole_then_recovered(project, reference, envman)


def interrupted(project: Path) -> bool:
    """Whether a transaction was left unfinished (no manifest yet, or one still pending)."""
    for folder in project.glob(".envman/transactions/*/"):
        manifest = folder / "manifest.json"
        if not manifest.is_file() or json.loads(manifest.read_text())["state"] != "committed":
            return True
    return False


def assert_whole_then_recovered(project: Path, reference: Reference, envman: Envman) -> None:
    """Each file wholly old or new; once recovered, the files agree with the audit log."""
    for name in FILES:
        assert (project / name).read_text() in (reference.before[name], reference.after[name])
    assert envman("audit", "verify", cwd=project).code == 0
    if interrupted(project):  # a command that only reads still runs on a half-done write
        envman("promote", "staging", "production", "--offline", "--dry-run", cwd=project)
    # the next command that takes the lock finishes or undoes the interrupted promotion
    with locked(project, log=project / ".envman/audit.jsonl"):
        pass
    recorded = len(log_entries(project))
    assert texts(project) == (reference.after if recorded else reference.before)
    assert envman("audit", "verify", cwd=project).code == 0


def test_two_promotions_at_once_never_lose_an_edit(
    project: Path, forks: Forks, envman: Envman
) -> None:
    first = forks.start(*PROMOTE, "race", cwd=project)
    second = forks.start(*PROMOTE, "race", cwd=project)
    results = [first.wait(), second.wait()]
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 1]), results
    for code, out, err in results:
        if code == 1:
            assert "changed since the plan" in err or "nothing to promote" in out + err
    entries = log_entries(project)
    assert len(entries) == 1
    assert envman("audit", "verify", cwd=project).code == 0
    assert (
        envman("promote", "staging", "production", "--offline", "--dry-run", cwd=project).code == 0
    )
    assert envman("validate", cwd=project).code == 0


HOLD_THE_LOCK = """
import fcntl, sys
handle = open(sys.argv[1], "a+")
fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture
def lock_holder(project: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the project's lock until its stdin closes."""
    (project / ".envman").mkdir(exist_ok=True)
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_LOCK, str(project / ".envman/lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        yield holder
        holder.kill()


class Clock:
    """`time` for envman.files: monotonic time that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_held_lock_is_waited_for_then_exit_3(
    project: Path,
    lock_holder: subprocess.Popen[str],
    envman: Envman,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    monkeypatch.setattr(
        files, "time", SimpleNamespace(monotonic=clock.monotonic, sleep=clock.sleep)
    )
    before = texts(project)
    waited = envman(*PROMOTE, "locked out", cwd=project)
    assert waited.code == 3, waited.out + waited.err
    assert "another envman process holds" in waited.err and "waited 30 s" in waited.err
    assert sum(clock.sleeps) >= 30 and max(clock.sleeps) <= 0.05  # polled, not one long sleep
    assert texts(project) == before and log_entries(project) == []
    assert lock_holder.stdin is not None
    lock_holder.stdin.close()  # the other process ends: its lock goes with it
    lock_holder.wait()
    assert envman(*PROMOTE, "after", cwd=project).code == 0
    assert len(log_entries(project)) == 1
