"""The audit-log queries: list, show and verify entries, and the verified history promotions need."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from envman import audit, release
from envman.errors import PromotionError
from envman.workspace import Workspace

_VERIFY_HINT = "run `envman audit verify` to see every problem; restore the log from git history"


@dataclass(frozen=True)
class Listing:
    """Audit entries, and a warning when the log they come from does not verify."""

    entries: tuple[audit.AuditEntry, ...]
    warning: str | None = None


def audit_log(
    ws: Workspace,
    *,
    env: str | None = None,
    since: Any = None,
    action: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Listing:
    """Audit entries, oldest first, filtered by environment, time and action."""
    log = ws.root / ws.project.audit_log
    with release.reading(ws.root):
        entries = audit.read_entries(log)
        warning = _warning(audit.verify(log, _key(environ)))
    return Listing(tuple(audit.query(entries, env=env, since=since, action=action)), warning)


def audit_show(
    ws: Workspace, entry_id: str, *, environ: Mapping[str, str] | None = None
) -> Listing:
    """The one entry `entry_id` names (an id or a unique prefix), with the log's warning."""
    log = ws.root / ws.project.audit_log
    with release.reading(ws.root):
        entry = audit.find(audit.read_entries(log), entry_id)
        warning = _warning(audit.verify(log, _key(environ)))
    return Listing((entry,), warning)


def audit_verify(ws: Workspace, *, environ: Mapping[str, str] | None = None) -> audit.VerifyResult:
    """Check the whole chain (and signatures when ENVMAN_AUDIT_KEY is set)."""
    with release.reading(ws.root):
        return audit.verify(ws.root / ws.project.audit_log, _key(environ))


def verified_history(
    ws: Workspace,
    environ: Mapping[str, str],
    *,
    appending: bool = False,
    locked: bool = False,
) -> audit.VerifyResult:
    """The verified audit log, or PromotionError: promote and rollback act on nothing less.

    The chain is checked, and every signature when ENVMAN_AUDIT_KEY is set. `appending`
    also refuses a signed log without the key (the new entry would be unsigned, which
    breaks the log for everyone who has the key). `locked`: the caller holds the project
    lock already (taking the shared one too would wait for ourselves).
    """
    key = audit.key_from_environ(environ)
    log = ws.root / ws.project.audit_log
    if locked:
        result = audit.verify(log, key)
    else:
        with release.reading(ws.root):
            result = audit.verify(log, key)
    if not result.ok:
        where = f"line {result.first_bad}" + (
            f", entry {result.entry_id}" if result.entry_id else ""
        )
        raise PromotionError(
            f"the audit log does not verify ({where}: {result.problem}); promote and "
            "rollback act only on a verified history",
            hint=_VERIFY_HINT,
        )
    if appending and result.signed and key is None:
        raise PromotionError(
            f"the audit log is signed ({result.signed} entries) but {audit.KEY_VARIABLE} is "
            "not set: its history cannot be verified, and a new entry would be unsigned",
            hint=f"set {audit.KEY_VARIABLE} to the key the log is signed with",
        )
    return result


def _warning(result: audit.VerifyResult) -> str | None:
    if result.ok:
        return None
    return (
        f"the audit log does not verify ({_where(result)}: {result.problem}); entries may be "
        "edited or forged: run `envman audit verify`"
    )


def _where(result: audit.VerifyResult) -> str:
    return f"line {result.first_bad}" + (f", entry {result.entry_id}" if result.entry_id else "")


def _key(environ: Mapping[str, str] | None) -> bytes | None:
    return audit.key_from_environ(dict(os.environ if environ is None else environ))
