"""The promotion use cases behind the CLI: diff, promote (plan, guard, apply), rollback, audit."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from envman import audit, release
from envman.codes import finding
from envman.errors import PromotionError, UsageError
from envman.models import Finding, Report, unique
from envman.release import FileChange, commit, locked
from envman.terms import Kind
from envman.usecases.audit import verified_history
from envman.usecases.guardrails import live_guardrails, refusal, result_problems
from envman.usecases.live import LiveOptions
from envman.usecases.validate import validate
from envman.workspace import NULL_TOKEN, Declared, Workspace, declared

# --------------------------------------------------------------------------- diff


def diff(ws: Workspace, source: str, target: str) -> Report:
    """Differences between two environments: promotable (EM500) and environment-specific (EM501)."""
    ws.select([source, target])
    plan = _plan(ws, declared(ws, source), declared(ws, target), only=(), mapping={})
    findings: list[Finding] = []
    for step, code in [
        *((s, "EM500") for s in plan.steps),
        *((s, "EM501") for s in plan.environment_specific),
    ]:
        findings.append(
            finding(
                code,
                env=target,
                path=step.path,
                message=_step_message(step, source, target, promotable=code == "EM500"),
                hint=step.blocked,
                expected=_redact(ws, step.path, step.after),
                actual=_redact(ws, step.path, step.before),
                kind=Kind.CHANGED
                if step.before is not None and step.after is not None
                else (Kind.MISSING if step.before is None else Kind.UNEXPECTED),
            )
        )
    return Report(command="diff", envs=(target,), findings=unique(findings), source=source)


def _step_message(step: release.Step, source: str, target: str, *, promotable: bool) -> str:
    what = {"add": f"only in {source}", "remove": f"only in {target}", "change": "differs"}[
        step.action
    ]
    tail = "" if promotable else " (environment-specific: never promoted)"
    return f"{step.path} {what}{tail}"


def _redact(ws: Workspace, path: str, value: Any) -> Any:
    if path.startswith("vars."):
        return ws.schema.redact(path, value)
    return value


def _plan(
    ws: Workspace,
    source: Declared,
    target: Declared,
    *,
    only: Sequence[str],
    mapping: Mapping[str, str],
) -> release.Plan:
    policy = ws.project.promotion
    plan = release.plan(
        source.env,
        target.env,
        source.config,
        target.config,
        scope_of=ws.schema.scope_of,
        only=only,
        mapping=mapping,
        environment_specific=policy.environment_specific,
    )
    return release.hold_back(plan, source.env, source.config, only)


# --------------------------------------------------------------------------- promote


@dataclass(frozen=True)
class Proposal:
    """A promotion ready to apply: the plan, the new file texts, and what the guardrails said."""

    plan: release.Plan
    changes: tuple[FileChange, ...]
    refusals: tuple[Finding, ...]
    notes: tuple[str, ...]
    flags: tuple[str, ...]
    protected: bool
    inputs: tuple[str, ...] = field(default=())

    @property
    def report(self) -> Report:
        """The plan's steps (EM500/EM502) and refusals (EM503) as a report, for the reporters."""
        findings = [
            finding(
                "EM502" if step.blocked else "EM500",
                env=self.plan.target,
                path=step.path,
                message=f"{step.action} {step.path}",
                hint=step.blocked,
                expected=step.after,
                actual=step.before,
            )
            for step in self.plan.steps
        ]
        return Report(
            command="promote", envs=(self.plan.target,), findings=(*findings, *self.refusals)
        )


def propose(
    ws: Workspace,
    source: str,
    target: str,
    *,
    only: Sequence[str] = (),
    mapping: Mapping[str, str] | None = None,
    allow_drift: bool = False,
    skip_stage: bool = False,
    offline: bool = False,
    live: LiveOptions | None = None,
    today: date | None = None,
    environ: Mapping[str, str] | None = None,
) -> Proposal:
    """Plan a promotion and run every guardrail; nothing is written.

    Refuses (PromotionError) before planning when the audit log does not verify. `--only`
    patterns that select no promotable difference are a usage error. A protected target
    is checked live (drift, secrets); without a token that is refused unless `offline`,
    which skips the live check and is recorded in the audit entry.
    """
    project = ws.require_project("promotion")
    ws.select([source, target])
    if source == target:
        raise UsageError("source and target are the same environment")
    verified_history(ws, dict(os.environ if environ is None else environ))
    src, dst = declared(ws, source), declared(ws, target)
    plan = _plan(ws, src, dst, only=only, mapping=dict(mapping or {}))
    if only and not plan.steps and not plan.held_back:
        raise UsageError(
            f"--only {' '.join(only)} selects no promotable difference between {source} "
            f"and {target}",
            hint=f"`envman diff {source} {target}` lists the paths that differ",
        )
    refusals: list[Finding] = []
    notes: list[str] = []
    flags: list[str] = []

    def refuse(message: str, hint: str) -> None:

        refusals.append(refusal(target, message, hint))

    order = project.environments
    if order.index(target) != order.index(source) + 1:
        if skip_stage:
            flags.append("--skip-stage")
        else:
            refuse(
                f"{target} is not the stage after {source} (pipeline: {' -> '.join(order)})",
                "promote through each stage in order, or pass --skip-stage (recorded in the audit log)",
            )
    invalid = [
        f
        for f in validate(ws, [source], today=today).findings
        if f.env == source and f.severity.value == "error"
    ]
    if invalid:
        refuse(
            f"{source} does not validate ({len(invalid)} errors)",
            f"run `envman validate {source}` and fix them first",
        )
    changes = file_changes(ws, plan, src, dst)
    if plan.steps and not plan.blocked:
        refusals += result_problems(ws, changes, target, today)
    live = live or LiveOptions()
    ambient = live.environ if live.environ is not None else os.environ
    protected = target in project.protected
    if offline:
        flags.append("--offline")
        notes.append(f"live check of {target} not made (--offline): no drift or secret check")
    elif protected and not ambient.get("CLOUDFLARE_API_TOKEN"):
        refuse(
            f"{target} is protected and its live state cannot be checked: "
            "CLOUDFLARE_API_TOKEN is not set",
            "set the token to check drift and secrets first, or pass --offline to promote "
            "without the live check (recorded in the audit log)",
        )
    else:
        live_refusals, live_notes, live_flags = live_guardrails(
            ws, target, plan, allow_drift=allow_drift, live=live, today=today
        )
        refusals += live_refusals
        notes += live_notes
        flags += live_flags
    texts = {c.name: c.before for c in changes}
    inputs = tuple(_input_names(ws, source, target))
    for name in inputs:
        path = ws.root / name
        texts.setdefault(name, path.read_text(encoding="utf-8") if path.is_file() else "")
    options = {
        "source": source,
        "target": target,
        "only": list(only),
        "map": dict(mapping or {}),
        "flags": flags,
    }
    plan = replace(plan, fingerprint=release.fingerprint(texts, options))
    return Proposal(
        plan=plan,
        changes=changes,
        refusals=tuple(refusals),
        notes=tuple(notes),
        flags=tuple(flags),
        protected=protected,
        inputs=inputs,
    )


def _input_names(ws: Workspace, source: str, target: str) -> list[str]:
    names = ["envman.toml", ws.require_project("promotion").schema_file]
    for env in (source, target):
        names += [layer.path for layer in ws.environment_file(env).layers]
    if ws.wrangler is not None:
        names.append(ws.wrangler.document.path)
    return sorted(set(names))


def file_changes(
    ws: Workspace, plan: release.Plan, src: Declared, dst: Declared
) -> tuple[FileChange, ...]:
    """The new text of the target's environment file (and wrangler section) for `plan`."""
    from envman import edit

    if not plan.steps or plan.blocked:
        return ()
    envfile = dst.environment_file
    if envfile is None:
        raise UsageError("promotion needs the target's environment file")
    own = envfile.document
    base = envfile.layers[0].data if len(envfile.layers) > 1 else None
    result = _result_config(plan, dst)
    edits = [
        edit.Edit(path=loc, value=edit.DELETE if value is None else value)
        for loc, value in release.env_file_edits(plan.steps, own=own.data, base=base, result=result)
    ]
    after = edit.edit_toml(own.text, edits, filename=own.path, null=NULL_TOKEN)
    changes = [FileChange(own.path, own.text, after)]
    wf = ws.wrangler
    if wf is not None and ws.project.promotion.sync_wrangler and plan.target in wf.env_names:
        wedits = [
            edit.Edit(path=loc, value=edit.DELETE if value is None else value)
            for loc, value in release.wrangler_edits(plan.steps)
        ]
        document = wf.document
        section = ("env", plan.target)
        if document.format == "jsonc":
            new = edit.edit_jsonc(document.text, wedits, section=section, filename=document.path)
        else:
            new = edit.edit_toml(document.text, wedits, section=section, filename=document.path)
        changes.append(FileChange(document.path, document.text, new))
    return tuple(c for c in changes if c.after != c.before)


def _result_config(plan: release.Plan, dst: Declared) -> Any:
    """The target's config after the plan, for writing whole binding lists."""
    from envman.config import WorkerConfig

    data = dst.config.model_dump(mode="json", exclude_none=True)
    for step in plan.steps:
        kind = release.binding_kind(step.path)
        if kind is None:
            continue
        name = step.path[len(kind.path) + 1 :]
        holder = data
        for part in kind.path.split("."):
            holder = holder.setdefault(part, {})
        if step.after is None:
            holder.pop(name, None)
        else:
            holder[name] = step.after
    return WorkerConfig.model_validate(data)


def apply(
    ws: Workspace,
    proposal: Proposal,
    *,
    reason: str | None,
    confirmed: bool,
    environ: Mapping[str, str] | None = None,
) -> audit.AuditEntry:
    """Write a proposal's file changes and its audit entry, under the lock; refuse a stale plan."""
    project = ws.require_project("promotion")
    plan = proposal.plan
    if proposal.refusals:
        raise PromotionError(
            "the promotion was refused: " + "; ".join(f.message for f in proposal.refusals)
        )
    if plan.blocked:
        raise PromotionError(
            f"{len(plan.blocked)} steps are blocked: "
            + "; ".join(s.blocked or "" for s in plan.blocked)
        )
    if not plan.steps:
        raise PromotionError(f"nothing to promote: {plan.target} already matches {plan.source}")
    if proposal.protected and not reason:
        raise PromotionError(
            f"{plan.target} is protected: give --reason", hint="--reason 'why this change'"
        )
    if proposal.protected and not confirmed:
        raise PromotionError(f"{plan.target} is protected: confirm interactively or pass --yes")
    environ = dict(os.environ if environ is None else environ)
    log = ws.root / project.audit_log
    with locked(ws.root, log=log, owned=ws.owned):
        verified_history(ws, environ, appending=True, locked=True)
        current = {name: read_or_empty(ws.root / name) for name in proposal.inputs}
        for change in proposal.changes:
            current[change.name] = read_or_empty(ws.root / change.name)
        texts = {c.name: c.before for c in proposal.changes}
        for name in proposal.inputs:
            texts.setdefault(name, current[name])
        if any(current[name] != texts[name] for name in texts):
            raise PromotionError(
                "the files changed since the plan was made (another promotion or an edit); "
                "nothing was written",
                hint="run the promotion again to plan against the current files",
            )
        return commit_proposal(
            ws, proposal, log, reason=reason, environ=environ, action="promote", source=plan.source
        )


def commit_proposal(
    ws: Workspace,
    proposal: Proposal,
    log: Path,
    *,
    reason: str | None,
    environ: Mapping[str, str],
    action: str,
    source: str | None,
    extra: Mapping[str, Any] | None = None,
) -> audit.AuditEntry:
    """Write the proposal's files and its audit entry as one transaction (inside `locked`)."""
    key = audit.key_from_environ(environ)
    context = audit.gather_context(ws.root, environ)
    sensitive = ws.schema.sensitive_names()
    changes = [
        audit.Change(
            path=s.path,
            before=_seal(s.path, s.before, sensitive, key),
            after=_seal(s.path, s.after, sensitive, key),
        )
        for s in proposal.plan.steps
    ]

    def seal(data: dict[str, Any]) -> audit.Sealed:
        return audit.prepare(
            log,
            action=action,
            source=source,
            target=proposal.plan.target,
            changes=changes,
            reason=reason,
            flags=list(proposal.flags),
            context=context,
            key=key,
            data={**data, "fingerprint": proposal.plan.fingerprint, **dict(extra or {})},
        )

    return commit(ws.owned, list(proposal.changes), log=log, entry=seal)


def _seal(path: str, value: Any, sensitive: frozenset[str], key: bytes | None) -> Any:
    name = path.removeprefix("vars.")
    if path.startswith("vars.") and name in sensitive and value is not None:
        return audit.fingerprint(value, key)
    return value


def read_or_empty(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.is_file() else ""
