"""The commands that fix drift: `drift --adopt` (files follow live) and `reconcile --push`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from envman.cli.common import TextOrJson, YesOption, workspace
from envman.cli.release import _approved
from envman.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from envman.usecases.live import LiveOptions
    from envman.usecases.promote import Proposal
    from envman.usecases.reconcile import PushProposal
    from envman.workspace import Workspace


def _show(ws: Workspace, proposal: Proposal | PushProposal, fmt: str) -> None:
    from envman.report import render_plan

    text = render_plan(
        proposal.plan,
        refusals=proposal.refusals,
        notes=proposal.notes,
        fmt=fmt,
        redact=ws.schema.redact,
    )
    sys.stdout.write(text + "\n")


def adopt(
    envs: list[str],
    *,
    only: list[str],
    dry_run: bool,
    yes: bool,
    reason: str | None,
    options: LiveOptions,
    fmt: TextOrJson = TextOrJson.TEXT,
) -> int:
    """`envman drift ENV --adopt`: plan, show, confirm, then write files + one audit entry."""
    from envman.usecases import adopt as usecase

    if len(envs) != 1:
        raise UsageError(
            "--adopt takes exactly one environment", hint="envman drift staging --adopt"
        )
    ws = workspace()
    proposal = usecase.propose_adoption(ws, envs[0], only=only, options=options)
    _show(ws, proposal, fmt.value)
    if proposal.refusals:
        return ExitCode.FINDINGS
    if not proposal.plan.steps:
        sys.stderr.write(
            f"nothing to adopt: the live {envs[0]} Worker matches its declared config\n"
        )
        return ExitCode.OK
    if dry_run:
        return ExitCode.FINDINGS
    if not _approved(envs[0], proposal.protected, reason=reason, yes=yes):
        return ExitCode.FINDINGS
    entry = usecase.apply_adoption(ws, proposal, reason=reason)
    sys.stderr.write(f"adopted {len(proposal.plan.steps)} live values; audit entry {entry.id}\n")
    return ExitCode.OK


def reconcile(
    env: Annotated[str, typer.Argument(help="The environment whose live Worker to fix.")],
    push: Annotated[
        bool,
        typer.Option(
            "--push",
            help="Write the declared settings to the live Worker through the API (no code "
            "upload; what needs one is refused with the command that does it).",
        ),
    ] = False,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Only these paths or patterns (vars.*).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan and stop: exit 1 if it would write.")
    ] = False,
    yes: YesOption = False,
    reason: Annotated[
        str | None,
        typer.Option("--reason", help="Why; required for protected environments, audited."),
    ] = None,
    fmt: Annotated[
        TextOrJson, typer.Option("--format", "-f", help="Plan format.")
    ] = TextOrJson.TEXT,
) -> int:
    """Bring the live Worker back to the declared config (--push): plan, confirm, write, audit."""
    from envman.usecases import reconcile as usecase

    if not push:
        raise UsageError(
            "say which way to reconcile: --push", hint=f"envman reconcile {env} --push"
        )
    ws = workspace()
    proposal = usecase.propose_push(ws, env, only=only or [])
    _show(ws, proposal, fmt.value)
    if proposal.refusals:
        return ExitCode.FINDINGS
    if not proposal.plan.steps:
        sys.stderr.write(f"nothing to push: the live {env} Worker matches its declared config\n")
        return ExitCode.OK
    if dry_run or not _approved(env, proposal.protected, reason=reason, yes=yes):
        return ExitCode.FINDINGS
    entry = usecase.apply_push(ws, proposal, reason=reason)
    sys.stderr.write(
        f"pushed {len(proposal.plan.steps)} changes to {env}; audit entry {entry.id}\n"
    )
    return ExitCode.OK
