"""Terminal output: the real width, a clean run in one line, drift values emphasised, colour.

Measured before: text wrapped at 100 columns whatever the terminal (bash does not export
COLUMNS), so an 80-column terminal broke words; a clean 100-environment drift printed
100 "no problems" lines; expected/actual were dim; the promote plan had no colour;
`-o report.txt` alone was refused.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from envman.cli import main
from envman.codes import finding
from envman.models import Report
from envman.release import Plan, Step
from envman.report import RenderOptions, render, render_plan
from envman.terms import Kind

SNAPSHOT = "examples/live-snapshot.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _in_terminal(args: list[str], cwd: Path, columns: int) -> str:
    """Run envman with stdout on a pseudo-terminal `columns` wide, COLUMNS unset."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    environ = {k: v for k, v in os.environ.items() if k not in {"COLUMNS", "LINES"}}
    environ |= {"NO_COLOR": "1", "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "envman", *args],
        cwd=cwd,
        env=environ,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.DEVNULL,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


@pytest.mark.parametrize("columns", [80, 60])
def test_text_wraps_at_the_real_terminal_width(project: Path, columns: int) -> None:
    text = _in_terminal(["drift", "--live-from", SNAPSHOT], project, columns)
    lines = text.splitlines()
    assert any("EM400" in line for line in lines), text
    assert max(len(line) for line in lines) <= columns, text
    # words are wrapped whole: every word of the hint is on the screen unbroken
    joined = " ".join(" ".join(lines).split())
    assert "redeploy with `wrangler deploy --env production`" in joined


def test_without_a_terminal_text_wraps_at_100(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COLUMNS")
    monkeypatch.chdir(project)
    assert main(["drift", "--live-from", SNAPSHOT]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert 80 < max(len(line) for line in lines) <= 100


HUNDRED = tuple(f"env{i:03}" for i in range(100))


def test_a_clean_100_environment_drift_is_one_line() -> None:
    report = Report(command="drift", envs=HUNDRED)
    assert render(report, "text", RenderOptions()) == "No drift in 100 environments."
    verbose = render(report, "text", RenderOptions(verbose=True)).splitlines()
    assert len(verbose) == 101 and verbose[0] == "env000 — no problems"


def test_clean_environments_beside_a_drifted_one_are_one_line() -> None:
    drifted = finding(
        "EM400",
        env="env042",
        path="vars.MODE",
        message="vars.MODE differs from the live value",
        expected="a",
        actual="b",
        kind=Kind.CHANGED,
    )
    report = Report(command="drift", envs=HUNDRED, findings=(drifted,))
    lines = render(report, "text", RenderOptions()).splitlines()
    assert lines[0] == "env042 — 1 error"
    assert "99 other environments: no problems (--verbose lists them)" in lines
    assert len(lines) <= 6


def test_expected_and_actual_are_emphasised_not_dim() -> None:
    drifted = finding(
        "EM400",
        env="production",
        path="vars.RATE",
        message="vars.RATE differs from the live value",
        expected=600,
        actual=6000,
        kind=Kind.CHANGED,
    )
    report = Report(command="drift", envs=("production",), findings=(drifted,))
    text = render(report, "text", RenderOptions(color=True))
    line = next(x for x in text.splitlines() if "expected" in x)
    assert "\x1b[2m" not in line  # not dim
    assert "\x1b[1;32m600" in line and "\x1b[1;31m6000" in line
    assert ANSI.sub("", line).strip() == "expected: 600  actual: 6000"


def test_the_promote_plan_is_coloured_like_terraform_plan() -> None:
    plan = Plan(
        source="staging",
        target="production",
        steps=(
            Step(path="vars.NEW", before=None, after=1),
            Step(path="vars.OLD", before=2, after=None),
            Step(path="vars.MODE", before="a", after="b"),
        ),
        environment_specific=(),
        fingerprint="x",
    )
    coloured = render_plan(plan, color=True)
    assert "\x1b[32m+\x1b[0m vars.NEW: \x1b[32m1" in coloured
    assert "\x1b[31m-\x1b[0m vars.OLD: \x1b[31m2 (removed)" in coloured
    assert '\x1b[33m~\x1b[0m vars.MODE: \x1b[31m"a"\x1b[0m -> \x1b[32m"b"' in coloured
    assert ANSI.sub("", coloured) == render_plan(plan)
    assert "\x1b" not in render_plan(plan)


def test_promote_plan_colour_follows_the_terminal_rules(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["promote", "development", "staging", "--dry-run"])
    assert "\x1b[" in capsys.readouterr().out
    main(["--no-color", "promote", "development", "staging", "--dry-run"])
    assert "\x1b[" not in capsys.readouterr().out


def test_output_alone_writes_the_text_report(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert main(["drift", "--live-from", SNAPSHOT, "-o", "report.txt"]) == 1
    written = (project / "report.txt").read_text(encoding="utf-8")
    assert "EM400" in written and written.endswith("2 errors in 3 environments.\n")
    assert "\x1b" not in written
    assert "EM400" in capsys.readouterr().out  # the terminal still shows it
