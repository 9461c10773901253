"""Rolling back a recorded promotion: its before-values restored, as a new audited change."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace

from envman import audit, release
from envman.errors import PromotionError, UsageError
from envman.models import Finding
from envman.release import FileChange, backup_of, locked, sha256
from envman.usecases.guardrails import refusal
from envman.usecases.promote import Proposal, commit_proposal, file_changes, read_or_empty
from envman.workspace import Workspace, declared


def propose_rollback(
    ws: Workspace, target: str, *, to: str | None = None, force: bool = False
) -> tuple[Proposal, audit.AuditEntry]:
    """Undo a promotion into `target` (default: the last one): restore its before-values."""
    project = ws.require_project("rollback")
    ws.select([target])
    entries = audit.read_entries(ws.root / project.audit_log)
    if to is not None:
        entry = audit.find(entries, to)
        if entry.target != target:
            raise UsageError(f"audit entry {entry.id} changed {entry.target}, not {target}")
        if entry.action == "push":
            raise UsageError(
                f"audit entry {entry.id} pushed to the live Worker; no file to roll back",
                hint=f"change the declared config and run `envman reconcile {target} --push`",
            )
    else:
        into = [e for e in entries if e.target == target and e.action in {"promote", "rollback"}]
        if not into:
            raise UsageError(f"no promotion into {target} in the audit log")
        entry = into[-1]
    data = entry.data or {}
    files = data.get("files") or {}
    txid = data.get("transaction")
    backup = backup_of(ws.root, txid) if isinstance(txid, str) else None
    current = {name: read_or_empty(ws.root / name) for name in files}
    steps = tuple(release.Step(path=c.path, before=c.after, after=c.before) for c in entry.changes)
    plan = release.Plan(source=f"rollback of {entry.id}", target=target, steps=steps)
    refusals: list[Finding] = []
    if backup is not None and all(sha256(current[n]) == backup[n][2] for n in backup):
        changes = tuple(FileChange(n, current[n], backup[n][0]) for n in backup)
    else:
        changed_since = [
            n for n, info in files.items() if sha256(current.get(n, "")) != info.get("after")
        ]
        if changed_since and not force:
            refusals.append(
                refusal(
                    target,
                    f"{', '.join(changed_since)} changed since {entry.id}; rolling back could undo later edits",
                    "review `envman audit show` and the files, then pass --force",
                )
            )
        sealed = [
            c.path
            for c in entry.changes
            if isinstance(c.before, str)
            and c.before.startswith(("hmac-sha256:", "redacted:sha256:"))
        ]
        if sealed:
            raise PromotionError(
                f"{entry.id} changed sensitive values ({', '.join(sealed)}) and their previous values "
                "are only fingerprints in the log; the byte-for-byte backup of that promotion is gone",
                hint="restore the file from git history instead",
            )
        dst = declared(ws, target)
        changes = file_changes(ws, plan, dst, dst)
    proposal = Proposal(
        plan=replace(plan, fingerprint=entry.id),
        changes=changes,
        refusals=tuple(refusals),
        notes=(),
        flags=("--force",) if force else (),
        protected=target in project.protected,
        inputs=tuple(sorted(files)),
    )
    return proposal, entry


def apply_rollback(
    ws: Workspace,
    proposal: Proposal,
    entry: audit.AuditEntry,
    *,
    reason: str | None,
    confirmed: bool,
    environ: Mapping[str, str] | None = None,
) -> audit.AuditEntry:
    """Write a rollback as a new audited change with action `rollback`."""
    project = ws.require_project("rollback")
    if proposal.refusals:
        raise PromotionError(
            "the rollback was refused: " + "; ".join(f.message for f in proposal.refusals)
        )
    if not proposal.changes:
        raise PromotionError(
            f"nothing to roll back: the files already hold what {entry.id} started from"
        )
    if proposal.protected and not confirmed:
        raise PromotionError(
            f"{proposal.plan.target} is protected: confirm interactively or pass --yes"
        )
    environ = dict(os.environ if environ is None else environ)
    log = ws.root / project.audit_log
    with locked(ws.root, log=log):
        if any(read_or_empty(ws.root / c.name) != c.before for c in proposal.changes):
            raise PromotionError(
                "the files changed since the rollback was planned; nothing was written"
            )
        return commit_proposal(
            ws,
            proposal,
            log,
            reason=reason,
            environ=environ,
            action="rollback",
            source=None,
            extra={"rolls_back": entry.id},
        )
