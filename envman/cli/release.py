"""The release commands: diff, promote and rollback (with their approval step)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from envman.cli.common import (
    STATE,
    FormatOption,
    OutputOption,
    TextOrJson,
    YesOption,
    emit,
    workspace,
)
from envman.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from envman.usecases.promote import Proposal
    from envman.workspace import Workspace


def diff(
    source: Annotated[str, typer.Argument(help="Environment to compare from (e.g. staging).")],
    target: Annotated[str, typer.Argument(help="Environment to compare to (e.g. production).")],
    formats: FormatOption = None,
    outputs: OutputOption = None,
) -> int:
    """Show how two environments differ: promotable and environment-specific differences."""
    from envman.usecases import promote as usecase

    report = usecase.diff(workspace(), source, target)
    emit(report, formats, outputs)
    return ExitCode.OK


def _parse_map(values: list[str] | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for value in values or []:
        binding, sep, ident = value.partition("=")
        if not sep or not binding or not ident:
            raise UsageError(f"--map {value!r}: expected BINDING=ID")
        mapping[binding] = ident
    return mapping


def _show_plan(ws: Workspace, proposal: Proposal, fmt: str) -> None:
    import os

    from envman.report import render_plan, wants_color

    color = wants_color(sys.stdout, os.environ) if STATE.color is None else STATE.color
    text = render_plan(
        proposal.plan,
        refusals=proposal.refusals,
        notes=proposal.notes,
        fmt=fmt,
        redact=ws.schema.redact,
        color=color and fmt == "text",
    )
    sys.stdout.write(text + "\n")


def _approved(target: str, protected: bool, *, reason: str | None, yes: bool) -> bool:
    """Whether the change may be applied: a protected target needs --reason, then confirmation."""
    if protected and not reason:
        raise UsageError(
            f"{target} is protected: --reason is required", hint="--reason 'why this change'"
        )
    if _confirm(target, protected, yes):
        return True
    sys.stderr.write("not applied\n")
    return False


def _confirm(target: str, protected: bool, yes: bool) -> bool:
    """--yes, or an interactive confirmation (typing the environment name when protected)."""
    if yes:
        return True
    if not sys.stdin.isatty():
        raise UsageError(
            f"refusing to change {target} without confirmation: no terminal to ask on",
            hint="pass --yes in CI",
        )
    if protected:
        answer = typer.prompt(f"{target} is protected. Type its name to apply the plan")
        return bool(answer.strip() == target)
    return typer.confirm(f"Apply this plan to {target}?", default=False)


def promote(
    source: Annotated[str, typer.Argument(help="Environment to promote from (e.g. staging).")],
    target: Annotated[str, typer.Argument(help="Environment to promote into (e.g. production).")],
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Promote only these paths or patterns (vars.LOG_LEVEL, vars.FEATURE_*)."
        ),
    ] = None,
    mapping: Annotated[
        list[str] | None,
        typer.Option(
            "--map", help="BINDING=ID: the target's own resource id for a binding new in it."
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show the plan and stop: exit 0 if nothing would change, 1 if something would.",
        ),
    ] = False,
    yes: YesOption = False,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="Why; required for protected environments, recorded in the audit log."
        ),
    ] = None,
    allow_drift: Annotated[
        bool,
        typer.Option("--allow-drift", help="Promote even if the target has live drift (recorded)."),
    ] = False,
    skip_stage: Annotated[
        bool,
        typer.Option("--skip-stage", help="Allow a target that is not the next stage (recorded)."),
    ] = False,
    fmt: Annotated[
        TextOrJson, typer.Option("--format", "-f", help="Plan format.")
    ] = TextOrJson.TEXT,
) -> int:
    """Promote promotable config from SOURCE into TARGET: plan, guardrails, edit, audit."""
    from envman.usecases import promote as usecase

    ws = workspace()
    proposal = usecase.propose(
        ws,
        source,
        target,
        only=only or [],
        mapping=_parse_map(mapping),
        allow_drift=allow_drift,
        skip_stage=skip_stage,
    )
    _show_plan(ws, proposal, fmt.value)
    if dry_run:
        return ExitCode.FINDINGS if proposal.plan.steps or proposal.refusals else ExitCode.OK
    if proposal.refusals or proposal.plan.blocked:
        return ExitCode.FINDINGS
    if not proposal.plan.steps:
        return ExitCode.OK
    confirmed = _approved(target, proposal.protected, reason=reason, yes=yes)
    if not confirmed:
        return ExitCode.FINDINGS
    entry = usecase.apply(ws, proposal, reason=reason, confirmed=confirmed)
    if not STATE.quiet:
        sys.stderr.write(
            f"promoted {source} -> {target}: {len(entry.changes)} changes, audit entry {entry.id}\n"
        )
    return ExitCode.OK


def rollback(
    target: Annotated[str, typer.Argument(help="Environment whose promotion to undo.")],
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Audit entry id (or unique prefix) to undo; default: the last one into TARGET.",
        ),
    ] = None,
    yes: YesOption = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why; recorded in the audit log.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Roll back even if the same files changed since.")
    ] = False,
) -> int:
    """Restore the before-values of a promotion, as a new audited change."""
    from envman.usecases import rollback as usecase

    ws = workspace()
    proposal, entry = usecase.propose_rollback(ws, target, to=to, force=force)
    _show_plan(ws, proposal, "text")
    if proposal.refusals:
        return ExitCode.FINDINGS
    confirmed = _approved(target, proposal.protected, reason=reason, yes=yes)
    if not confirmed:
        return ExitCode.FINDINGS
    written = usecase.apply_rollback(ws, proposal, entry, reason=reason, confirmed=confirmed)
    if not STATE.quiet:
        sys.stderr.write(f"rolled back {entry.id} in {target}: audit entry {written.id}\n")
    return ExitCode.OK
