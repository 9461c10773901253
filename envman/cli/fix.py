"""The commands that fix drift: `drift --adopt` (files follow live) and `reconcile --push`."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from envman.cli.common import TextOrJson, workspace
from envman.cli.release import _approved, _show_plan
from envman.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from envman.usecases.live import LiveOptions


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
    _show_plan(ws, proposal, fmt.value)
    if proposal.refusals:
        return ExitCode.FINDINGS
    if not proposal.plan.steps:
        return ExitCode.OK
    if dry_run:
        return ExitCode.FINDINGS
    if not _approved(envs[0], proposal.protected, reason=reason, yes=yes):
        return ExitCode.FINDINGS
    entry = usecase.apply_adoption(ws, proposal, reason=reason)
    sys.stderr.write(f"adopted {len(proposal.plan.steps)} live values; audit entry {entry.id}\n")
    return ExitCode.OK
