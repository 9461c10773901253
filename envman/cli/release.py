"""The release commands: diff, promote and rollback (with their approval step)."""

from __future__ import annotations

import sys
from pathlib import Path
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
from envman.cli.plans import PlanOptions, load_plan, save_plan
from envman.errors import ExitCode, PromotionError, UsageError

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
        raise PromotionError(
            f"{target} is protected: --reason is required; nothing was written",
            hint="--reason 'why this change'",
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
        raise PromotionError(
            f"refusing to change {target} without confirmation: no terminal to ask on; "
            "nothing was written",
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
            help="Show the plan and stop: exit 0 when it would apply (it says how many "
            "changes), 1 when it is refused.",
        ),
    ] = False,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help="With --dry-run, as `terraform plan`: 0 nothing to change, 2 changes "
            "pending, 1 refused.",
        ),
    ] = False,
    yes: YesOption = False,
    reason: Annotated[
        str | None,
        typer.Option(
            "--reason", help="Why; required for protected environments, recorded in the audit log."
        ),
    ] = None,
    plan_out: Annotated[
        Path | None,
        typer.Option(
            "--plan-out",
            help="Save the plan for review and stop (as --dry-run); apply it later, exactly, "
            "with --apply-plan.",
        ),
    ] = None,
    apply_plan: Annotated[
        Path | None,
        typer.Option(
            "--apply-plan",
            help="Apply a plan saved by --plan-out, with its options; refused when anything "
            "it was made from changed since.",
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Promote into a protected environment without its live check (no token; "
            "recorded in the audit log).",
        ),
    ] = False,
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
    options = PlanOptions(
        only=tuple(only or ()),
        mapping=_parse_map(mapping),
        allow_drift=allow_drift,
        skip_stage=skip_stage,
        offline=offline,
    )
    saved = None
    if apply_plan is not None:
        if plan_out is not None or dry_run:
            raise UsageError("--apply-plan applies a saved plan: not with --plan-out or --dry-run")
        saved = load_plan(apply_plan, source, target)
        options = saved.options
    proposal = usecase.propose(
        ws,
        source,
        target,
        only=options.only,
        mapping=options.mapping,
        allow_drift=options.allow_drift,
        skip_stage=options.skip_stage,
        offline=options.offline,
    )
    if detailed_exitcode and not (dry_run or plan_out):
        raise UsageError("--detailed-exitcode goes with --dry-run")
    _show_plan(ws, proposal, fmt.value)
    refused = bool(proposal.refusals or proposal.plan.blocked)
    if saved is not None and saved.fingerprint != proposal.plan.fingerprint:
        raise PromotionError(
            f"the plan in {apply_plan} is stale: the files, the schema or the options it "
            "was made from changed since; nothing was written",
            hint=f"make a new one: envman promote {source} {target} --plan-out {apply_plan}",
        )
    if plan_out is not None:
        save_plan(plan_out, proposal, options)
        _say(f"saved the plan to {plan_out}: apply it with --apply-plan {plan_out}")
        dry_run = True
    if dry_run:
        pending = len(proposal.plan.steps)
        if not refused:
            _say(f"dry run: {pending} change{'s' * (pending != 1)} would be applied to {target}")
        if refused:
            return ExitCode.FINDINGS
        return PENDING if detailed_exitcode and pending else ExitCode.OK
    if refused:
        return ExitCode.FINDINGS
    if not proposal.plan.steps:
        return ExitCode.OK
    confirmed = _approved(target, proposal.protected, reason=reason, yes=yes)
    if not confirmed:
        return ExitCode.FINDINGS
    entry = usecase.apply(ws, proposal, reason=reason, confirmed=confirmed)
    _say(f"promoted {source} -> {target}: {len(entry.changes)} changes, audit entry {entry.id}")
    _say(_next_step(target))
    return ExitCode.OK


PENDING = 2
"""`promote --dry-run --detailed-exitcode`: the plan has changes (as `terraform plan`)."""


def _next_step(target: str) -> str:
    return (
        f"envman edited files only; nothing is deployed. Next: review and commit them, then "
        f"`envman sync --check` and `wrangler deploy --env {target}`"
    )


def _say(line: str) -> None:
    if not STATE.quiet:
        sys.stderr.write(line + "\n")


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
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show what the rollback would restore, and stop."),
    ] = False,
) -> int:
    """Undo the most recent promotion into TARGET not undone yet (files only; audited)."""
    from envman.usecases import rollback as usecase

    ws = workspace()
    proposal, entry = usecase.propose_rollback(ws, target, to=to, force=force)
    _say(
        f"rolling back {entry.id}: the {entry.action}"
        + (f" {entry.source} -> {target}" if entry.source else f" of {target}")
        + f" made {entry.time:%Y-%m-%d %H:%M}Z"
    )
    _show_plan(ws, proposal, "text")
    if proposal.refusals:
        return ExitCode.FINDINGS
    if dry_run:
        return ExitCode.OK
    confirmed = _approved(target, proposal.protected, reason=reason, yes=yes)
    if not confirmed:
        return ExitCode.FINDINGS
    written = usecase.apply_rollback(ws, proposal, entry, reason=reason, confirmed=confirmed)
    _say(f"rolled back {entry.id} in {target}: audit entry {written.id}")
    _say(_next_step(target))
    return ExitCode.OK
