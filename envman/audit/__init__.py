"""The hash-chained, optionally signed audit log: entries, appending, verifying, querying."""

from __future__ import annotations

from envman.audit.entry import (
    GENESIS,
    KEY_VARIABLE,
    AuditEntry,
    Change,
    canonical,
    fingerprint,
    key_from_environ,
    read_entries,
)
from envman.audit.log import append
from envman.audit.provenance import CIInfo, Context, GitInfo, gather_context
from envman.audit.verify import Problem, VerifyResult, find, query, verify

__all__ = [
    "GENESIS",
    "KEY_VARIABLE",
    "AuditEntry",
    "CIInfo",
    "Change",
    "Context",
    "GitInfo",
    "Problem",
    "VerifyResult",
    "append",
    "canonical",
    "find",
    "fingerprint",
    "gather_context",
    "key_from_environ",
    "query",
    "read_entries",
    "verify",
]
