"""envman's command line run inside the test process: what the `envman` fixture returns.

`envman.cli.main(argv)` is the whole command line (it is what `python -m envman` calls),
so a test runs it in-process, in a folder, with a given environment and stdin, and reads
what it printed. Only what needs a real process (a SIGKILL, two processes racing for the
lock, the installed `envman` script) spawns one: see tests/acceptance/.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from envman.cli import main


@dataclass(frozen=True)
class Result:
    """What one command did: its exit code and everything it printed."""

    code: int
    out: str
    err: str


class Stdin(io.StringIO):
    """Standard input holding `text`; a terminal when `tty` (for the approval prompts)."""

    def __init__(self, text: str, *, tty: bool) -> None:
        super().__init__(text)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


class Envman:
    """Runs `envman ARGS` as `main(ARGS)`: `envman("validate", cwd=project)` -> Result.

    The working folder, the environment variables in `env` (on top of the test's clean
    environment, `COLUMNS=200` as a wide terminal) and stdin hold for that one command
    only. A traceback or an internal error (exit 4) in the output fails the test.
    """

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def __call__(
        self,
        *argv: str,
        cwd: Path,
        env: dict[str, str] | None = None,
        input: str = "",
        tty: bool = False,
    ) -> Result:
        self._capsys.readouterr()  # what the test printed before is not this command's
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(cwd)
            patch.setenv("COLUMNS", "200")
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            patch.setattr(sys, "stdin", Stdin(input, tty=tty))
            code = main(list(argv))
        out, err = self._capsys.readouterr()
        assert "Traceback" not in err and "internal error" not in err, err
        return Result(code, out, err)
