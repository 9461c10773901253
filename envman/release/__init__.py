"""Releasing a change: the pure promotion plan, and the atomic, recoverable write of files."""

from __future__ import annotations

from envman.release.owned import STATE_DIR, Owned, state_path
from envman.release.planning import (
    Plan,
    Step,
    binding_kind,
    env_file_edits,
    fingerprint,
    plan,
    wrangler_edits,
)
from envman.release.transaction import FileChange, backup_of, commit, locked, recover, sha256

__all__ = [
    "STATE_DIR",
    "FileChange",
    "Owned",
    "Plan",
    "Step",
    "backup_of",
    "binding_kind",
    "commit",
    "env_file_edits",
    "fingerprint",
    "locked",
    "plan",
    "recover",
    "sha256",
    "state_path",
    "wrangler_edits",
]
