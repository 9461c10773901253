"""The getting-started walkthrough runs as written: its commands, in order, on the real project.

Every ```console block of the guide's "Walkthrough" section is run in one folder holding
the corpus project it names (DNS-over-Discord's wrangler.toml): each `$ command` in order,
an `envman ...` command as envman's command line in this process (its words split as a
shell splits them; `tests/acceptance/test_commands.py` runs each command as a program
once), any other through bash. The command must exit 0, or the status its trailing
`# exit status N` comment says; every line shown under it (but `...`) must be a line of
what it printed. A block right after `<!-- docs-test: skip: REASON -->` is not run, and
is reported as a skipped test with that reason.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.inprocess import Envman
from tests.usecases.adopted import CORPUS, REPO

GUIDE = REPO / "docs" / "getting-started.md"
PROJECT = CORPUS / "014-MattIPv4-DNS-over-Discord"
SECTION = "## Walkthrough: adopt a real project"


@dataclass(frozen=True)
class Step:
    command: str
    status: int
    shown: tuple[str, ...]


@dataclass(frozen=True)
class Block:
    line: int
    steps: tuple[Step, ...]
    skip: str | None


def walkthrough() -> list[Block]:
    """The console blocks of the walkthrough section, in order."""
    lines = GUIDE.read_text(encoding="utf-8").splitlines()
    start = lines.index(SECTION)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
    blocks: list[Block] = []
    i = start
    while i < end:
        if lines[i].strip() != "```console":
            i += 1
            continue
        marker = re.match(r"<!-- docs-test: skip: (.*) -->", lines[i - 1].strip())
        body: list[str] = []
        i += 1
        while lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        blocks.append(Block(i + 1 - len(body), _steps(body), marker.group(1) if marker else None))
        i += 1
    return blocks


def _steps(body: list[str]) -> tuple[Step, ...]:
    steps: list[Step] = []
    for line in body:
        if line.startswith("$ "):
            command, _, comment = line[2:].partition("#")
            status = re.search(r"exit status (\d+)", comment)
            steps.append(Step(command.strip(), int(status.group(1)) if status else 0, ()))
        elif steps and line.strip() and line.strip() != "...":
            last = steps[-1]
            steps[-1] = Step(last.command, last.status, (*last.shown, line.rstrip()))
    return tuple(steps)


BLOCKS = walkthrough()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not PROJECT.is_dir():
        pytest.skip(f"the corpus is not here ({CORPUS})")
    folder = tmp_path_factory.mktemp("dns-over-discord")
    shutil.copyfile(PROJECT / "wrangler.toml", folder / "wrangler.toml")
    return folder


def test_the_walkthrough_covers_init_validate_sync_promote_rollback() -> None:
    commands = [step.command.split()[:2] for block in BLOCKS for step in block.steps]
    for verb in ("init", "validate", "sync", "promote", "rollback"):
        assert ["envman", verb] in commands, verb
    skipped = [b for b in BLOCKS if b.skip]
    assert all("part B" in (b.skip or "") for b in skipped)


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: f"line{b.line}")
def test_a_walkthrough_block_runs_as_written(block: Block, folder: Path, envman: Envman) -> None:
    if block.skip:
        pytest.skip(block.skip)
    for step in block.steps:
        words = shlex.split(step.command)
        if words[0] == "envman" and not SHELL.search(step.command):
            result = envman(*words[1:], cwd=folder, env={"COLUMNS": "100", "NO_COLOR": "1"})
            code, out, err = result.code, result.out, result.err
        else:
            code, out, err = _bash(step.command, folder)
        printed = [line.rstrip() for line in (out + err).splitlines()]
        assert code == step.status, (step.command, out, err)
        missing = [line for line in step.shown if line not in printed]
        assert not missing, (step.command, missing, printed)


SHELL = re.compile(r"[|&;<>()$`*?~]")
"""What only a shell reads: a command holding one goes through bash."""


def _bash(command: str, folder: Path) -> tuple[int, str, str]:
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CLOUDFLARE_", "ENVMAN_", "GITHUB_")) and k != "FORCE_COLOR"
    }
    environ.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{environ.get('PATH', '')}",
        COLUMNS="100",
        NO_COLOR="1",
    )
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=folder,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return result.returncode, result.stdout, result.stderr
