"""Rolling back a recorded promotion: its before-values restored, as a new audited change.

The entry to undo comes from a verified audit log, and every path in it (its files, its
transaction) is confined to what envman owns. When the promotion's byte-for-byte backup
is kept and matches the entry's digests, the backup is restored, and the plan shown is
computed from the texts that will be written; it must restore exactly what the entry
recorded, or the rollback is refused. Otherwise the entry's before-values are written
back with surgical edits, which is exactly the plan shown.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

from envman import audit, release
from envman.errors import AuditError, PromotionError, UsageError
from envman.models import Finding
from envman.release import FileChange, backup_of, locked, sha256
from envman.usecases.audit import verified_history
from envman.usecases.guardrails import refusal, scratch
from envman.usecases.promote import Proposal, commit_proposal, file_changes, read_or_empty
from envman.workspace import Workspace, declared
from envman.wrangler import resolve

_RESTORE_HINT = "restore the files from git history; `envman audit verify` checks the log"


def propose_rollback(
    ws: Workspace,
    target: str,
    *,
    to: str | None = None,
    force: bool = False,
    environ: Mapping[str, str] | None = None,
) -> tuple[Proposal, audit.AuditEntry]:
    """Undo a promotion into `target` (default: the last one): restore its before-values."""
    project = ws.require_project("rollback")
    ws.select([target])
    environ = dict(os.environ if environ is None else environ)
    verified_history(ws, environ, appending=True)
    key = audit.key_from_environ(environ)
    with release.reading(ws.root):
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
        undone = {str((e.data or {}).get("rolls_back")) for e in entries if e.action == "rollback"}
        into = [
            e
            for e in entries
            if e.target == target and e.action == "promote" and e.id not in undone
        ]
        if not into:
            raise PromotionError(
                f"nothing to roll back: every promotion into {target} is undone already"
                if any(e.target == target and e.action == "promote" for e in entries)
                else f"nothing to roll back: no promotion into {target} in the audit log",
                hint=f"`envman audit log` lists what happened to {target}",
            )
        entry = into[-1]  # the most recent promotion not undone yet
    owned = ws.owned
    source = f"audit entry {entry.id}"
    files = _recorded_files(entry, owned)
    data = entry.data or {}
    txid = data.get("transaction")
    backup = backup_of(owned, txid, source=source) if txid is not None else None
    current = {name: read_or_empty(owned.confine(name, source=source)) for name in files}
    steps = tuple(release.Step(c.path, c.after, c.before) for c in entry.changes)
    notes: list[str] = []
    refusals: list[Finding] = []
    if backup is not None:
        if backup.keys() != files.keys() or any(
            (before, after) != (files[n].get("before"), files[n].get("after"))
            for n, (_, before, after) in backup.items()
        ):
            raise AuditError(
                f"{source}: the journal of its transaction {txid} records other files or "
                "digests than the entry; refusing to restore from it",
                hint=_RESTORE_HINT,
            )
        if not all(sha256(current[n]) == backup[n][2] for n in backup):
            backup = None  # edited since: fall back to the entry's values (and --force)
    if backup is not None:
        changes = tuple(FileChange(n, current[n], backup[n][0]) for n in sorted(backup))
        steps, notes = _restored_steps(ws, target, changes, entry, key)
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
        sealed = [c.path for c in entry.changes if audit.is_sealed(c.before)]
        if sealed:
            raise PromotionError(
                f"{entry.id} changed sensitive values ({', '.join(sealed)}) and their previous values "
                "are not in the log (only `<redacted>` or a fingerprint); the byte-for-byte "
                "backup of that promotion is gone",
                hint="restore the file from git history instead",
            )
        dst = declared(ws, target)
        plan = release.Plan(source=f"rollback of {entry.id}", target=target, steps=steps)
        changes = file_changes(ws, plan, dst, dst)
    proposal = Proposal(
        plan=release.Plan(
            source=f"rollback of {entry.id}", target=target, steps=steps, fingerprint=entry.id
        ),
        changes=changes,
        refusals=tuple(refusals),
        notes=tuple(notes),
        flags=("--force",) if force else (),
        protected=target in project.protected,
        inputs=tuple(sorted(files)),
    )
    return proposal, entry


def _recorded_files(entry: audit.AuditEntry, owned: release.Owned) -> dict[str, dict[str, Any]]:
    """`data.files` of an entry: file name -> digests, every name confined (exit 3 if not)."""
    files = (entry.data or {}).get("files") or {}
    if not isinstance(files, dict) or not all(isinstance(v, dict) for v in files.values()):
        raise AuditError(
            f"audit entry {entry.id}: `data.files` is not an object of file records",
            hint=_RESTORE_HINT,
        )
    for name in files:
        owned.confine(name, source=f"audit entry {entry.id}")
    return files


def _restored_steps(
    ws: Workspace,
    target: str,
    changes: Sequence[FileChange],
    entry: audit.AuditEntry,
    key: bytes | None,
) -> tuple[tuple[release.Step, ...], list[str]]:
    """The plan of restoring `changes`, computed from the texts, checked against `entry`.

    AuditError when the texts would change more, less or otherwise than the entry
    recorded, or touch the wrangler file outside `[env.TARGET]`.
    """
    txid = (entry.data or {}).get("transaction")
    refused = f"audit entry {entry.id}: the backup of its transaction {txid}"
    with scratch(ws, changes) as after:
        steps = release.differences(declared(ws, target).config, declared(after, target).config)
        notes = []
        if ws.wrangler is not None and after.wrangler is not None:
            name = ws.wrangler.document.path
            if _outside(ws.wrangler.document.data, target) != _outside(
                after.wrangler.document.data, target
            ):
                raise AuditError(
                    f"{refused} would also change {name} outside [env.{target}]; "
                    "refusing to write it",
                    hint=_RESTORE_HINT,
                )
            if target in ws.wrangler.env_names and target in after.wrangler.env_names:
                own = release.differences(
                    resolve(ws.wrangler, target).config(), resolve(after.wrangler, target).config()
                )
                notes = [
                    f"{name} [env.{target}] {s.path}: {_shown(ws, s.path, s.before)} -> "
                    f"{_shown(ws, s.path, s.after)}"
                    for s in own
                    if s not in steps
                ]
    recorded = {c.path: c for c in entry.changes}
    found = {s.path: s for s in steps}
    wrong = sorted(recorded.keys() ^ found.keys())
    wrong += sorted(
        path
        for path in recorded.keys() & found.keys()
        if not _matches(recorded[path].after, found[path].before, key)
        or not _matches(recorded[path].before, found[path].after, key)
    )
    if wrong:
        raise AuditError(
            f"{refused} does not restore what the entry recorded (it differs at "
            f"{', '.join(wrong[:5])}); refusing to write it",
            hint=_RESTORE_HINT,
        )
    return steps, notes


def _outside(data: Mapping[str, Any], target: str) -> dict[str, Any]:
    """A wrangler file's data without `[env.TARGET]`: what a rollback must leave alone."""
    rest = dict(data)
    envs = rest.get("env")
    if isinstance(envs, dict):
        rest["env"] = {k: v for k, v in envs.items() if k != target}
    return rest


def _matches(recorded: Any, actual: Any, key: bytes | None) -> bool:
    """Whether a value the entry recorded (perhaps sealed) stands for `actual`."""
    if audit.is_sealed(recorded):
        if key is not None and str(recorded).startswith("hmac-sha256:"):
            return bool(audit.fingerprint(actual, key) == recorded)
        return actual is not None
    return bool(recorded == actual)


def _shown(ws: Workspace, path: str, value: Any) -> str:
    if path.startswith("vars."):
        value = ws.schema.redact(path, value)
    return "(absent)" if value is None else json.dumps(value, ensure_ascii=False)


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
    owned = ws.owned
    with locked(ws.root, log=log, owned=owned):
        verified_history(ws, environ, appending=True, locked=True)
        source = f"audit entry {entry.id}"
        if any(
            read_or_empty(owned.confine(c.name, source=source)) != c.before
            for c in proposal.changes
        ):
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
