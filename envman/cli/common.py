"""What every command shares: the global options, report options, output and exit codes."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from envman.errors import ExitCode, UsageError
from envman.report import REPORTERS
from envman.terms import Severity

if TYPE_CHECKING:
    from envman.models import Report
    from envman.workspace import Workspace


@dataclass
class Globals:
    """Options every command shares, set by the root callback."""

    project: Path | None = None
    quiet: bool = False
    verbose: bool = False
    debug: bool = False
    color: bool | None = None
    config: Path | None = None
    """wrangler's `-c/--config`: the wrangler file to use."""
    opened: Path | None = None
    """The root of the project this command opened (for report paths)."""
    project_file: str | None = None
    """envman.toml, or the wrangler file of a plain wrangler project, relative to `opened`."""


STATE = Globals()

Format = StrEnum("Format", {name: name for name in REPORTERS})  # type: ignore[misc]

FormatOption = Annotated[
    list[Format] | None,
    typer.Option(
        "--format", "-f", help="Report format; repeat to write several (pair with --output)."
    ),
]
OutputOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the report of the --format at the same position to FILE "
        "(the text report when no --format is left for it).",
    ),
]
FailOnOption = Annotated[
    Severity,
    typer.Option("--fail-on", help="Exit 1 when a finding of this severity or worse remains."),
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (CI).")]
NoIgnoreOption = Annotated[
    bool,
    typer.Option(
        "--no-ignore",
        help="Apply no [[ignore]] rule of envman.toml: show every finding as active.",
    ),
]


class TextOrJson(StrEnum):
    TEXT = "text"
    JSON = "json"


def workspace(wrangler: Path | None = None, *, environments: bool = True) -> Workspace:
    """The project the command works on (`--project`, else found from the working folder).

    Opening it finishes any interrupted promotion first; what that did goes to stderr.
    With wrangler's `-c FILE` and no `--project`, the project is found from FILE's folder.
    `environments=False`: a command that reads no environment file does not load them.
    """
    from envman import workspace as opening

    wrangler = wrangler or STATE.config
    root = STATE.project
    if root is None and wrangler is not None:
        root = opening.find_root(wrangler.resolve().parent)
    ws = opening.open_workspace(root, wrangler_file=wrangler, recover=_say, preload=environments)
    STATE.opened = ws.root
    if not ws.zero_setup:
        STATE.project_file = "envman.toml"
    elif ws.wrangler is not None:
        STATE.project_file = ws.wrangler.path.name
    return ws


def repository_root(project: Path, environ: Mapping[str, str]) -> Path:
    """The repository `project` is in: GITHUB_WORKSPACE when it holds the project, else the
    nearest folder with `.git`, else the project itself."""
    project = project.resolve()
    workspace = environ.get("GITHUB_WORKSPACE")
    if workspace:
        with contextlib.suppress(OSError, ValueError):
            candidate = Path(workspace).resolve()
            project.relative_to(candidate)
            return candidate
    for folder in (project, *project.parents):
        if (folder / ".git").exists():
            return folder
    return project


def _say(line: str) -> None:
    sys.stderr.write(f"envman: {line}\n")


def emit(
    report: Report,
    formats: list[Format] | None,
    outputs: list[Path] | None,
    fail_on: Severity = Severity.WARNING,
) -> None:
    """Render `report` in each format: the i-th format to the i-th --output, the rest to stdout.

    When every format goes to a file, the text report still goes to the terminal
    (unless --quiet), so a CI log always shows what was found.
    """
    from envman.files import write_output
    from envman.report import RenderOptions, render, wants_color

    names = [f.value for f in formats or []]
    paths = list(outputs or [])
    if len(paths) > len(names) + 1:
        raise UsageError("more --output than --format options: pair each --output with a --format")
    terminal = names[len(paths) :]
    names += ["text"] * (len(paths) - len(names))  # `-o FILE` alone: the text report
    if not terminal and not (paths and STATE.quiet):
        terminal = ["text"]
    color = wants_color(sys.stdout, os.environ) if STATE.color is None else STATE.color
    width = terminal_width()
    where: dict[str, Any] = {"fail_on": fail_on, "project_file": STATE.project_file}
    if STATE.opened is not None:
        repository = repository_root(STATE.opened, os.environ)
        base = STATE.opened.resolve().relative_to(repository).as_posix()
        where |= {"repository": str(repository), "base": "" if base == "." else base}
    for name, path in zip(names, paths, strict=False):  # render() masks secrets
        options = RenderOptions(width=FILE_WIDTH, verbose=STATE.verbose, **where)
        text = render(report, name, options)
        write_output(path, text if text.endswith("\n") else text + "\n")
    for name in terminal:
        options = RenderOptions(
            color=color and name == "text", width=width, verbose=STATE.verbose, **where
        )
        text = render(report, name, options)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


FILE_WIDTH = 100
"""Where text is not shown in a terminal (a file, a pipe), it wraps at this width."""


def terminal_width() -> int:
    """The width to wrap text at: COLUMNS, else the terminal's (stdout's, stderr's), else 100.

    bash does not export COLUMNS, so the terminal itself is asked.
    """
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), 20)
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream.isatty():
                return max(os.get_terminal_size(stream.fileno()).columns, 20)
        except (AttributeError, ValueError, OSError):
            continue
    return FILE_WIDTH


def exit_code(report: Report, fail_on: Severity) -> int:
    """3 when some state is unknown (an environment or a key), 1 when findings reach `fail_on`."""
    if report.undetermined:
        return ExitCode.UNREADABLE
    return ExitCode.FINDINGS if report.fails(fail_on) else ExitCode.OK
