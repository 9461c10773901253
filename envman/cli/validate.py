"""The offline commands: validate, show and schema export."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from envman.cli.common import (
    FailOnOption,
    FormatOption,
    NoIgnoreOption,
    OutputOption,
    emit,
    exit_code,
    workspace,
)
from envman.errors import ExitCode
from envman.terms import Severity


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
    no_ignore: NoIgnoreOption = False,
) -> int:
    """Validate every environment, the rules across them, and the wrangler file."""
    from envman.usecases import validate as usecase

    report = usecase.validate(workspace(wrangler), envs or [], ignores=not no_ignore)
    emit(report, formats, outputs, fail_on)
    return exit_code(report, fail_on)


class ShowSource(StrEnum):
    DECLARED = "declared"
    WRANGLER = "wrangler"


class ShowFormat(StrEnum):
    JSON = "json"
    TOML = "toml"


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
    from envman.report import render_config
    from envman.usecases import validate as usecase
    from envman.workspace import NULL_TOKEN

    data = usecase.show(workspace(), env, source=source.value)
    sys.stdout.write(render_config(data, fmt.value, null=NULL_TOKEN))
    return ExitCode.OK


def schema_export(
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Folder to write into (default: schemas/).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only report whether the files are up to date.")
    ] = False,
) -> int:
    """Write JSON Schemas of envman.toml and environment files for editors."""
    from envman.usecases import validate as usecase

    result = usecase.export_schemas(workspace(), out_dir=out_dir, check=check)
    for name, state in result.items():
        typer.echo(f"{state:>9}  {name}")
    stale = check and any(state != "unchanged" for state in result.values())
    return ExitCode.FINDINGS if stale else ExitCode.OK
