"""The release commands: diff, promote, rollback and audit (registered on envman.cli.app)."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Any

import typer

from envman import api
from envman.cli import (
    STATE,
    FormatOption,
    OutputOption,
    app,
    emit,
    workspace,
)
from envman.errors import ExitCode, UsageError

YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (CI).")]


class AuditFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


audit_app = typer.Typer(
    help="Read and verify the audit log of promotions and rollbacks.", no_args_is_help=True
)
app.add_typer(audit_app, name="audit")


@app.command()
def diff(
    source: Annotated[str, typer.Argument(help="Environment to compare from (e.g. staging).")],
    target: Annotated[str, typer.Argument(help="Environment to compare to (e.g. production).")],
    formats: FormatOption = None,
    outputs: OutputOption = None,
) -> int:
    """Show how two environments differ: promotable and environment-specific differences."""
    report = api.diff(workspace(), source, target)
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


def _show_plan(ws: api.Workspace, proposal: Any, fmt: str) -> None:
    from envman.report_views import render_plan

    text = render_plan(
        proposal.plan,
        refusals=proposal.refusals,
        notes=proposal.notes,
        fmt=fmt,
        redact=ws.schema.redact,
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


@app.command()
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
        AuditFormat, typer.Option("--format", "-f", help="Plan format.")
    ] = AuditFormat.TEXT,
) -> int:
    """Promote promotable config from SOURCE into TARGET: plan, guardrails, edit, audit."""
    ws = workspace()
    proposal = api.propose(
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
    entry = api.apply_promotion(ws, proposal, reason=reason, confirmed=confirmed)
    if not STATE.quiet:
        sys.stderr.write(
            f"promoted {source} -> {target}: {len(entry.changes)} changes, audit entry {entry.id}\n"
        )
    return ExitCode.OK


@app.command()
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
    ws = workspace()
    proposal, entry = api.propose_rollback(ws, target, to=to, force=force)
    _show_plan(ws, proposal, "text")
    if proposal.refusals:
        return ExitCode.FINDINGS
    confirmed = _approved(target, proposal.protected, reason=reason, yes=yes)
    if not confirmed:
        return ExitCode.FINDINGS
    written = api.apply_rollback(ws, proposal, entry, reason=reason, confirmed=confirmed)
    if not STATE.quiet:
        sys.stderr.write(f"rolled back {entry.id} in {target}: audit entry {written.id}\n")
    return ExitCode.OK


@audit_app.command("log")
def audit_log(
    env: Annotated[
        str | None, typer.Option("--env", help="Only entries from or into this environment.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only entries at or after this date (YYYY-MM-DD or ISO time)."
        ),
    ] = None,
    fmt: Annotated[
        AuditFormat,
        typer.Option("--format", "-f", help="Print as text or as JSON (the entries as written)."),
    ] = AuditFormat.TEXT,
) -> int:
    """List audit entries, oldest first."""
    from envman.report_views import render_audit

    entries = api.audit_log(workspace(), env=env, since=_since(since))
    sys.stdout.write(render_audit(entries, fmt.value) + "\n")
    return ExitCode.OK


def _since(value: str | None) -> Any:
    from datetime import UTC, datetime

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as e:
        raise UsageError(f"--since {value!r}: expected YYYY-MM-DD or an ISO 8601 time") from e
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@audit_app.command("show")
def audit_show(
    entry_id: Annotated[str, typer.Argument(help="Entry id or a unique prefix.")],
    fmt: Annotated[
        AuditFormat,
        typer.Option("--format", "-f", help="Print as text or as JSON (the entries as written)."),
    ] = AuditFormat.TEXT,
) -> int:
    """Print one audit entry in full."""
    from envman.report_views import render_audit

    entry = api.audit_show(workspace(), entry_id)
    sys.stdout.write(render_audit([entry], fmt.value, full=True) + "\n")
    return ExitCode.OK


@audit_app.command("verify")
def audit_verify() -> int:
    """Check the hash chain (and HMAC signatures with ENVMAN_AUDIT_KEY); exit 1 at the first bad entry."""
    result = api.audit_verify(workspace())
    if result.ok:
        sys.stdout.write(f"audit log OK: {result.count} entries, chain intact\n")
        for note in result.notes:
            sys.stdout.write(f"note: {note}\n")
        return ExitCode.OK
    sys.stdout.write(
        f"audit log BROKEN at line {result.first_bad} (entry {result.entry_id}): {result.problem}\n"
    )
    for problem in result.problems[1:]:
        sys.stdout.write(f"  also: line {problem.line}: {problem.message}\n")
    return ExitCode.FINDINGS
