"""Real envman processes: `python -m envman` as a subprocess, and forked ones to kill or race.

`spawn()` is the command exactly as a user runs it (interpreter start, imports, exit
code). `Forks` starts `envman.cli.main(argv)` in a process forked from a server that has
imported envman already (multiprocessing's forkserver), so a test can SIGKILL a promotion
at any point of its work, or start two at once, for ~0.1 s of imports instead of ~0.6 s.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path

from tests import paths

REPO = paths.REPO


def clean_environ(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without Cloudflare, envman or CI variables, plus `env`."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLOUDFLARE_", "ENVMAN_", "GITHUB_"))
        and key not in {"NO_COLOR", "FORCE_COLOR"}
    }
    environ["COLUMNS"] = "200"
    environ.update(env or {})
    return environ


def spawn(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `python -m envman ARGS` in `cwd` with a clean environment plus `env`."""
    return subprocess.Popen(
        [sys.executable, "-m", "envman", *args],
        cwd=cwd,
        env=clean_environ(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(
    process: subprocess.Popen[str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Wait for a spawned envman; its exit code and output (never a traceback)."""
    out, err = process.communicate(timeout=timeout)
    assert "Traceback" not in err, err
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _main(cwd: str, argv: list[str], environ: dict[str, str], output: str) -> None:
    """The forked process: `envman ARGV` in `cwd`, stdout and stderr into `output`.{out,err}."""
    from envman.cli import main

    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(environ)
    with open(output + ".out", "w") as out, open(output + ".err", "w") as err:
        sys.stdout, sys.stderr = out, err
        code = main(argv)
        out.flush()
        err.flush()
    sys.exit(code)


@dataclass
class Forked:
    """One forked `envman` process: kill it, or wait for its exit code and output."""

    process: BaseProcess
    output: Path
    started: float

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, exactly what a crash or `kill -9` does."""
        self.process.kill()
        self.process.join()

    def wait(self, timeout: float = 120) -> tuple[int, str, str]:
        """The exit code, stdout and stderr, once the process has ended."""
        self.process.join(timeout)
        assert self.process.exitcode is not None, "the forked envman did not finish"
        out = self.output.with_suffix(".out").read_text()
        err = self.output.with_suffix(".err").read_text()
        assert "Traceback" not in err, err
        return self.process.exitcode, out, err


class Forks:
    """Starts `envman ARGV` processes forked from a server that has envman imported."""

    def __init__(self, scratch: Path) -> None:
        self._context = multiprocessing.get_context("forkserver")
        # pytest too: the child imports the parent's __main__ (pytest's) before the target.
        self._context.set_forkserver_preload(
            ["pytest", "envman.cli", "tests.acceptance.warm", __name__]
        )
        self._scratch = scratch
        self._count = 0

    def start(self, *argv: str, cwd: Path, env: dict[str, str] | None = None) -> Forked:
        self._count += 1
        output = self._scratch / f"envman-{self._count}"
        process = self._context.Process(
            target=_main, args=(str(cwd), list(argv), clean_environ(env), str(output))
        )
        started = time.monotonic()
        process.start()
        return Forked(process, output, started)
