"""Whatever becomes of stdout or stderr, a run ends with its verdict or says why it cannot.

Measured before: with stdout closed (`>&-`) every command ended in exit 4 (AttributeError
on None); with stdout on a full disk, exit 4 (OSError); a reader that went away
(`envman drift | head`) gave exit 1 whatever the run found (rich's handler of a broken
pipe), or exit 0 where the error reached main's own handler first, as these tests make it.
The real descriptors are exercised in tests/acceptance/test_output_streams.py.
"""

from __future__ import annotations

import errno
import io
import sys
from pathlib import Path

import pytest

from envman.cli import main

DRIFT = ["drift", "--live-from", "examples/live-snapshot.json"]  # the bundled drift: exit 1
COMMANDS = [DRIFT, ["validate"], ["show", "production"], ["validate", "-f", "json"]]


class Failing(io.TextIOBase):
    """A text stream whose every write (and flush) fails with `error`."""

    def __init__(self, error: OSError) -> None:
        self.error = error
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        raise self.error

    def flush(self) -> None:
        raise self.error

    def writable(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every run here is in a copy of the bundled project."""
    monkeypatch.chdir(project)


def verdict(args: list[str], capsys: pytest.CaptureFixture[str]) -> int:
    code = main(args)
    capsys.readouterr()
    return code


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_reader_that_went_away_leaves_the_verdict(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    expected = verdict(args, capsys)
    gone = Failing(BrokenPipeError(errno.EPIPE, "Broken pipe"))
    monkeypatch.setattr(sys, "stdout", gone)
    assert main(args) == expected
    assert gone.writes == 1  # nothing more was tried once the reader had gone
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_output_that_cannot_be_written_is_exit_3_saying_why(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    monkeypatch.setattr(sys, "stdout", Failing(OSError(errno.ENOSPC, "No space left on device")))
    assert main(args) == 3
    err = capsys.readouterr().err
    assert err == "envman: error: cannot write to stdout: No space left on device\n"


@pytest.mark.parametrize("stream", ["stdout", "stderr"])
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_stream_closed_before_the_run_leaves_the_verdict(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    stream: str,
) -> None:
    expected = verdict(args, capsys)
    monkeypatch.setattr(sys, stream, None)  # what Python has for a descriptor closed at start
    assert main(args) == expected
    assert getattr(sys, stream) is None  # given back as it was
