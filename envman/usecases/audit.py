"""The audit-log queries: list, show and verify entries (a plain wrangler project has none)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from envman import audit
from envman.workspace import Workspace


def audit_log(
    ws: Workspace, *, env: str | None = None, since: Any = None, action: str | None = None
) -> list[audit.AuditEntry]:
    """Audit entries, oldest first, filtered by environment, time and action."""
    entries = audit.read_entries(ws.root / ws.project.audit_log)
    return audit.query(entries, env=env, since=since, action=action)


def audit_show(ws: Workspace, entry_id: str) -> audit.AuditEntry:
    return audit.find(audit.read_entries(ws.root / ws.project.audit_log), entry_id)


def audit_verify(ws: Workspace, *, environ: Mapping[str, str] | None = None) -> audit.VerifyResult:
    """Check the whole chain (and signatures when ENVMAN_AUDIT_KEY is set)."""
    key = audit.key_from_environ(dict(os.environ if environ is None else environ))
    return audit.verify(ws.root / ws.project.audit_log, key)
