"""The adoption commands: init (a plain wrangler project becomes an envman project) and sync."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from envman.cli.common import STATE, FormatOption, OutputOption, emit, workspace
from envman.errors import ExitCode

if TYPE_CHECKING:
    from envman.usecases.init import Adoption


def init(
    stages: Annotated[
        str | None,
        typer.Option(
            "--stages",
            help="The pipeline, in order, comma-separated (default: every [env.X] and the "
            "top level, ordered by their names).",
        ),
    ] = None,
    top_level_as: Annotated[
        str | None,
        typer.Option(
            "--top-level-as",
            help="The stage wrangler's top level deploys, e.g. development (default: inferred).",
        ),
    ] = None,
    no_top_level: Annotated[
        bool,
        typer.Option(
            "--no-top-level", help="The top level is no stage, only defaults the others inherit."
        ),
    ] = False,
    wrangler: Annotated[
        Path | None, typer.Option(help="Wrangler file to adopt instead of the detected one.")
    ] = None,
    no_baseline: Annotated[
        bool,
        typer.Option(
            "--no-baseline",
            help="Do not accept what the pipeline rules (EM203, EM204) find as [[ignore]] rules.",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite envman.toml, environments/ and schemas/.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would be written; write nothing.")
    ] = False,
) -> int:
    """Adopt a plain wrangler project: write envman.toml, environments/ and schemas/vars.toml."""
    from envman.usecases import init as usecase

    root = (STATE.project or Path.cwd()).resolve()
    adoption = usecase.plan(
        root,
        wrangler_file=wrangler,
        stages=[s.strip() for s in stages.split(",") if s.strip()] if stages else (),
        top_level=top_level_as,
        no_top_level=no_top_level,
        baseline=not no_baseline,
    )
    if dry_run:
        for name, text in adoption.files.items():
            typer.echo(f"# ---- {name}\n{text}")
        return ExitCode.OK
    written = usecase.write(adoption, force=force)
    if not STATE.quiet:
        typer.echo(_summary(adoption, written))
    return ExitCode.OK


def _summary(adoption: Adoption, written: list[str]) -> str:
    lines = [f"adopted {adoption.wrangler}: {' -> '.join(adoption.stages)}"]
    if adoption.top_level:
        lines.append(
            f"  {adoption.top_level} is its top level (what `wrangler deploy` deploys without --env)"
        )
    if adoption.protected:
        lines.append(f"  protected: {', '.join(adoption.protected)}")
    lines += [f"wrote {name}" for name in written]
    scoped = [v for v in adoption.vars if v.scope == "environment"]
    sensitive = [v for v in adoption.vars if v.sensitive]
    lines.append(
        f"schemas/vars.toml: {len(adoption.vars)} vars ({len(scoped)} scope = environment, "
        f"{len(sensitive)} sensitive), {len(adoption.secrets)} secrets; review it"
    )
    for var in adoption.vars:
        flags = [var.type, *(["environment"] if var.scope == "environment" else [])]
        flags += ["sensitive"] if var.sensitive else []
        why = f": {var.reasons[0]}" if var.reasons else ""
        lines.append(f"  {var.name} ({', '.join(flags)}){why}")
    if adoption.accepted:
        lines.append(
            f"accepted {len(adoption.accepted)} findings of the pipeline rules as [[ignore]] "
            "rules in envman.toml (zero-setup never ran them); review each:"
        )
        lines += [f"  {f.code} {f.env} {f.path}: {f.message}" for f in adoption.accepted]
    lines += [f"note: {note}" for note in adoption.notes]
    wrangler = Path(adoption.wrangler).name
    first, *rest = adoption.stages
    lines += [
        "next:",
        f"  {'envman validate':<36} every stage, as zero-setup validate saw it",
        f"  {'edit environments/<stage>.toml':<36} the one place to change a stage's config",
        f"  {'envman sync':<36} writes {wrangler} from environments/",
    ]
    if rest:
        promote = f"envman promote {first} {rest[0]}"
        lines.append(f"  {promote:<36} moves tested config along the pipeline")
    return "\n".join(lines)


def sync(
    envs: Annotated[
        list[str] | None, typer.Argument(help="Environments to sync (default: all).")
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 listing what differs (for pre-commit and CI).",
        ),
    ] = False,
    formats: FormatOption = None,
    outputs: OutputOption = None,
) -> int:
    """Write [env.X] of the wrangler file from environments/X.toml (surgical edits)."""
    from envman.usecases import sync as usecase

    ws = workspace()
    result = usecase.sync(ws, envs or [], check=check)
    if check:
        emit(result.report, formats, outputs)
        if result.report.findings and not STATE.quiet:
            typer.echo(f"run `envman sync` to write {result.path} from environments/", err=True)
        return ExitCode.FINDINGS if result.report.findings else ExitCode.OK
    result = usecase.write(ws, result)
    if STATE.quiet:
        return ExitCode.OK
    if not result.written:
        typer.echo(
            f"{result.path} is in step with environments/ ({len(result.report.envs)} environments)"
        )
        return ExitCode.OK
    typer.echo(f"wrote {result.path}:")
    for section, paths in result.edited.items():
        typer.echo(f"  {section}: {', '.join(paths)}")
    return ExitCode.OK
