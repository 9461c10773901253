"""`envman report --html FILE`: a picture of the environments, as one self-contained page."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from envman.cli.common import workspace
from envman.errors import ExitCode, UsageError


def report(
    ctx: typer.Context,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            help="Write one self-contained HTML page (works offline): every setting of every "
            "environment side by side, promotable or environment-specific, differences "
            "highlighted, drift per cell with --live-from or --live, findings linked to "
            "their file and line.",
        ),
    ] = None,
    envs: Annotated[
        list[str] | None,
        typer.Option("--env", "-e", help="Only these environments (default: all)."),
    ] = None,
    live_from: Annotated[
        Path | None,
        typer.Option("--live-from", help="Show drift against a snapshot (`envman snapshot`)."),
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="Show drift against Cloudflare (needs the token).")
    ] = False,
) -> int:
    """Work with reports: a picture of the environments (--html), or merge drift shards."""
    if ctx.invoked_subcommand is not None:
        if html is not None:
            raise UsageError("--html makes a page of its own: give it without a subcommand")
        return ExitCode.OK
    if html is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(ExitCode.USAGE)
    if live and live_from is not None:
        raise UsageError("--live reads Cloudflare, --live-from a snapshot: give one of them")
    from envman.files import write_output
    from envman.report import render_html
    from envman.usecases.live import LiveOptions
    from envman.usecases.overview import overview

    ws = workspace()
    options = LiveOptions(live_from=live_from) if live or live_from is not None else None
    picture = overview(ws, envs or [], live=options)
    target = html if html.is_absolute() else Path.cwd() / html
    page_dir = os.path.relpath(target.parent.resolve(), ws.root.resolve())
    write_output(html, render_html(picture, page_dir=Path(page_dir).as_posix()))
    sys.stderr.write(
        f"wrote {html}: {len(picture.envs)} environments, {len(picture.rows)} settings, "
        f"{len(picture.findings)} findings\n"
    )
    return ExitCode.OK
