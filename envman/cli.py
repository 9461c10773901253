"""The typer command line: each command parses, calls one api function, renders, exits."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

# typer vendors click (typer._click) since the version pinned in pyproject.toml.
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer._click.exceptions import UsageError as ClickUsageError

from envman import __version__, api
from envman.errors import EnvmanError, ExitCode, UsageError
from envman.models import Report, Severity
from envman.report import REPORTERS

Format = StrEnum("Format", {name: name for name in REPORTERS})  # type: ignore[misc]

app = typer.Typer(
    name="envman",
    help="Keep Cloudflare Workers configuration consistent across environments.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
schema_app = typer.Typer(
    help="Work with the typed schema and the editor JSON Schemas.", no_args_is_help=True
)
app.add_typer(schema_app, name="schema")


@dataclass
class Globals:
    """Options every command shares, set by the root callback."""

    project: Path | None = None
    quiet: bool = False
    verbose: bool = False
    debug: bool = False
    color: bool | None = None


STATE = Globals()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"envman {__version__}")
        raise typer.Exit(0)


@app.callback()
def root(
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            "-C",
            help="Project folder (default: nearest envman.toml upward, else the current folder).",
        ),
    ] = None,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="No progress bar or status messages; with --output, no terminal report.",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Print suppressed findings and detail.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
    no_color: Annotated[
        bool, typer.Option("--no-color", help="Never colour output (NO_COLOR is honoured too).")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """envman: validate, drift-check and promote Cloudflare Workers configuration."""
    STATE.project = project
    STATE.quiet = quiet
    STATE.verbose = verbose
    STATE.debug = debug
    STATE.color = False if no_color else None


FormatOption = Annotated[
    list[Format] | None,
    typer.Option(
        "--format", "-f", help="Report format; repeat to write several (pair with --output)."
    ),
]
OutputOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--output", "-o", help="Write the report of the --format at the same position to FILE."
    ),
]
FailOnOption = Annotated[
    Severity,
    typer.Option("--fail-on", help="Exit 1 when a finding of this severity or worse remains."),
]


def emit(report: Report, formats: list[Format] | None, outputs: list[Path] | None) -> None:
    """Render `report` in each format: the i-th format to the i-th --output, the rest to stdout.

    When every format goes to a file, the text report still goes to the terminal
    (unless --quiet), so a CI log always shows what was found.
    """
    from envman.files import atomic_write
    from envman.report import RenderOptions, render, wants_color

    names = [f.value for f in formats or []]
    paths = list(outputs or [])
    if len(paths) > len(names):
        raise UsageError("more --output than --format options: pair each --output with a --format")
    terminal = names[len(paths) :]
    if not terminal and not (paths and STATE.quiet):
        terminal = ["text"]
    color = wants_color(sys.stdout, os.environ) if STATE.color is None else STATE.color
    width = int(os.environ.get("COLUMNS", "0") or 0) or 100
    for name, path in zip(names, paths, strict=False):
        text = render(report, name, RenderOptions(width=width, verbose=STATE.verbose))
        atomic_write(path, text if text.endswith("\n") else text + "\n")
    for name in terminal:
        options = RenderOptions(color=color and name == "text", width=width, verbose=STATE.verbose)
        text = render(report, name, options)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def exit_code(report: Report, fail_on: Severity) -> int:
    """3 when some environment's state is unknown, 1 when findings reach `fail_on`, else 0."""
    if report.unknown:
        return ExitCode.UNREADABLE
    return ExitCode.FINDINGS if report.fails(fail_on) else ExitCode.OK


def workspace(wrangler: Path | None = None) -> api.Workspace:
    return api.open_workspace(STATE.project, wrangler_file=wrangler)


@app.command()
def validate(
    envs: Annotated[
        list[str] | None, typer.Argument(help="Environments to validate (default: all).")
    ] = None,
    formats: FormatOption = None,
    outputs: OutputOption = None,
    fail_on: FailOnOption = Severity.ERROR,
    wrangler: Annotated[
        Path | None, typer.Option(help="Wrangler file to use instead of the detected one.")
    ] = None,
) -> int:
    """Validate every environment, the rules across them, and the wrangler file."""
    report = api.validate(workspace(wrangler), envs or [])
    emit(report, formats, outputs)
    return exit_code(report, fail_on)


class ShowSource(StrEnum):
    DECLARED = "declared"
    WRANGLER = "wrangler"


class ShowFormat(StrEnum):
    JSON = "json"
    TOML = "toml"


@app.command()
def show(
    env: Annotated[str, typer.Argument(help="The environment to print.")],
    source: Annotated[
        ShowSource, typer.Option(help="Where to read it from.")
    ] = ShowSource.DECLARED,
    fmt: Annotated[
        ShowFormat, typer.Option("--format", "-f", help="Print as TOML (wrangler's shape) or JSON.")
    ] = ShowFormat.TOML,
) -> int:
    """Print one environment's fully resolved config (sensitive vars redacted)."""
    from envman.report_views import render_config

    data = api.show(workspace(), env, source=source.value)
    sys.stdout.write(render_config(data, fmt.value))
    return ExitCode.OK


@schema_app.command("export")
def schema_export(
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Folder to write into (default: schemas/).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only report whether the files are up to date.")
    ] = False,
) -> int:
    """Write JSON Schemas of envman.toml and environment files for editors."""
    result = api.export_schemas(workspace(), out_dir=out_dir, check=check)
    for name, state in result.items():
        typer.echo(f"{state:>9}  {name}")
    stale = check and any(state != "unchanged" for state in result.values())
    return ExitCode.FINDINGS if stale else ExitCode.OK


# The live commands (drift, snapshot, check) and the release commands (diff, promote,
# rollback, audit) register themselves on `app` when imported.
from envman import cli_live, cli_release  # noqa: E402, F401

# --------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    """Run the command line; the one place where exceptions become exit codes."""
    command = typer.main.get_command(app)
    args = sys.argv[1:] if argv is None else argv
    try:
        result = command.main(args=args, prog_name="envman", standalone_mode=False)
    except typer.Exit as e:
        return int(e.exit_code)
    except NoArgsIsHelpError as e:
        e.show()
        return ExitCode.USAGE
    except ClickException as e:
        e.show()
        return ExitCode.USAGE if isinstance(e, ClickUsageError) else int(e.exit_code)
    except typer.Abort:
        sys.stderr.write("\ninterrupted\n")
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return ExitCode.INTERRUPTED
    except EnvmanError as e:
        _error(e)
        return int(e.exit_code)
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as e:
        if "--debug" in args or STATE.debug:
            raise
        sys.stderr.write(
            f"envman: internal error: {type(e).__name__}: {e}\n"
            "This is a bug in envman. Please report it with the command you ran; "
            "--debug shows the traceback.\n"
        )
        return ExitCode.INTERNAL
    return int(result) if isinstance(result, int) else ExitCode.OK


def _error(error: EnvmanError) -> None:
    sys.stderr.write(f"envman: error: {error.message}\n")
    if error.hint:
        sys.stderr.write(f"  hint: {error.hint}\n")
