"""`envman drift ENV --adopt`: write the live values of drifted paths into the declared files.

The plan is made from a drift run: each drifted path (or those `--only` selects) becomes
a step from the declared value to the live one. The environment file (and the
wrangler file's `[env.ENV]` when the project syncs it) is edited surgically, the result
is validated in a scratch copy and compared with live state again, and everything is
written in one transaction with one audit entry of kind `adopt`. Secrets are adopted by
name only; what was not read (unknown) is never adopted.
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from envman import audit, release
from envman.bindings import kind_of
from envman.config import WorkerConfig
from envman.errors import PromotionError
from envman.models import Finding
from envman.release import locked
from envman.terms import Kind
from envman.usecases.guardrails import refusal, result_problems
from envman.usecases.live import LiveOptions, drift_state
from envman.usecases.promote import Proposal, commit_proposal, file_changes, read_or_empty
from envman.workspace import Workspace

FIXABLE = frozenset({"EM400", "EM401", "EM402", "EM404", "EM405"})
"""Drift finding codes a fix acts on (not unknown EM406/EM409, not unmodelled EM410)."""


def selected(findings: Sequence[Finding], env: str, only: Sequence[str]) -> list[Finding]:
    """The active drift findings of `env` that `--only` patterns select (all without any)."""
    return [
        f
        for f in findings
        if f.env == env
        and f.code in FIXABLE
        and f.suppressed is None
        and (
            not only
            or any(fnmatch.fnmatchcase(f.path, p) or f.path.startswith(p + ".") for p in only)
        )
    ]


def propose_adoption(
    ws: Workspace,
    env: str,
    *,
    only: Sequence[str] = (),
    options: LiveOptions | None = None,
    today: date | None = None,
) -> Proposal:
    """Plan adopting the live values of `env`'s drifted paths; nothing is written."""
    from envman import compare

    project = ws.require_project("adopting live values")
    ws.select([env])
    state = drift_state(ws, [env], options=options, today=today, attribution=False)
    report = state.report
    notes: list[str] = []
    refusals: list[Finding] = []
    if env in report.unknown:
        refusals.append(
            refusal(env, f"live state of {env} is unknown: {report.unknown[env]}", "run again")
        )
    unread = [f.path for f in report.active if f.env == env and f.kind is Kind.UNKNOWN]
    notes += [f"{path}: not read, not adopted" for path in unread]
    worker = state.workers.get(env)
    decl = state.decls[env]
    steps: list[release.Step] = []
    if worker is not None and worker.exists and worker.config is not None:
        chosen = [f.path for f in selected(report.findings, env, only)]
        paths = [p for p in chosen if compare.adoptable(p)]
        notes += [
            f"{p}: the live value cannot be written into the files (declare it by hand)"
            for p in chosen
            if p not in paths
        ]
        edits = compare.adopt_edits(decl.config, worker.config, paths, script=worker.script)
        steps = [release.Step(path, before, after) for path, before, after in edits]
        left = _left_over(decl.config, worker.config, steps, paths, worker.script)
        if left:
            refusals.append(refusal(env, f"adopting would leave drift in {left}", "report a bug"))
    elif worker is not None and not worker.exists:
        refusals.append(refusal(env, f"the Worker of {env} does not exist: nothing to adopt", ""))
    plan = release.Plan(source="live", target=env, steps=tuple(steps))
    changes = file_changes(ws, plan, decl, decl)
    if changes:
        refusals += result_problems(ws, changes, env, today)
    inputs = tuple(sorted({c.name for c in changes}))
    texts = {c.name: c.before for c in changes}
    plan = release.Plan(
        source="live",
        target=env,
        steps=tuple(steps),
        fingerprint=release.fingerprint(texts, {"adopt": env, "only": list(only)}),
    )
    return Proposal(
        plan=plan,
        changes=changes,
        refusals=tuple(refusals),
        notes=tuple(notes),
        flags=(),
        protected=env in project.protected,
        inputs=inputs,
    )


def _left_over(
    declared: WorkerConfig,
    live: WorkerConfig,
    steps: Sequence[release.Step],
    paths: Sequence[str],
    script: str,
) -> list[str]:
    """Adopted paths that would still differ from live after the steps (a self-check)."""
    from envman import compare

    after = predicted(declared, steps)
    fields = sorted({p.split(".")[0] for p in paths})
    wanted = compare.drift_fields(after)
    return sorted(
        {
            d.path
            for d in compare.compare(wanted, live, fields=fields, script=script)
            if any(
                d.path == p or d.path.startswith(p + ".") or p.startswith(d.path + ".")
                for p in paths
            )
        }
    )


def predicted(config: WorkerConfig, steps: Sequence[release.Step]) -> WorkerConfig:
    """`config` with `steps` applied (what the edited files will declare)."""
    data: dict[str, Any] = config.model_dump(mode="json", exclude_none=True)
    for step in steps:
        kind = kind_of(step.path)
        if kind is not None:
            loc = (*kind.path.split("."), step.path[len(kind.path) + 1 :])
        else:
            loc = tuple(step.path.split("."))
        holder = data
        for part in loc[:-1]:
            holder = holder.setdefault(part, {})
        if step.after is None:
            holder.pop(loc[-1], None)
        else:
            holder[loc[-1]] = step.after
    return WorkerConfig.model_validate(data)


def apply_adoption(
    ws: Workspace,
    proposal: Proposal,
    *,
    reason: str | None,
    environ: Mapping[str, str] | None = None,
) -> audit.AuditEntry:
    """Write the adoption's file changes and its one audit entry (kind `adopt`), under the lock."""
    project = ws.require_project("adopting live values")
    plan = proposal.plan
    if proposal.refusals:
        raise PromotionError("adoption refused: " + "; ".join(f.message for f in proposal.refusals))
    if not plan.steps or not proposal.changes:
        raise PromotionError(f"nothing to adopt: {plan.target} matches live")
    log = ws.root / project.audit_log
    with locked(ws.root, log=log):
        for change in proposal.changes:
            if read_or_empty(ws.root / change.name) != change.before:
                raise PromotionError(
                    "the files changed since the plan was made; nothing was written",
                    hint="run the adoption again",
                )
        return commit_proposal(
            ws,
            proposal,
            log,
            reason=reason,
            environ=dict(os.environ if environ is None else environ),
            action="adopt",
            source="live",
        )
