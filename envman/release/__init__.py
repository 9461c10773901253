"""Releasing a change: the pure promotion plan, and the confined, journaled write of files."""

from __future__ import annotations

from envman.release.holdback import hold_back
from envman.release.journal import FileChange, pending, recover, set_boundary_hook, sha256
from envman.release.owned import STATE_DIR, Owned, state_path
from envman.release.planning import (
    Plan,
    Step,
    binding_kind,
    differences,
    env_file_edits,
    fingerprint,
    plan,
    wrangler_edits,
)
from envman.release.transaction import backup_of, commit, locked, reading

__all__ = [
    "STATE_DIR",
    "FileChange",
    "Owned",
    "Plan",
    "Step",
    "backup_of",
    "binding_kind",
    "commit",
    "differences",
    "env_file_edits",
    "fingerprint",
    "hold_back",
    "locked",
    "pending",
    "plan",
    "reading",
    "recover",
    "set_boundary_hook",
    "sha256",
    "state_path",
    "wrangler_edits",
]
