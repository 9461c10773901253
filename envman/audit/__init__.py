"""The hash-chained, optionally signed audit log: entries, appending, verifying, querying."""

from __future__ import annotations

from envman.audit.entry import (
    GENESIS,
    KEY_VARIABLE,
    REDACTED,
    AuditEntry,
    Change,
    canonical,
    fingerprint,
    is_sealed,
    key_from_environ,
    read_entries,
)
from envman.audit.log import Sealed, append, complete_torn_tail, parse_sealed, prepare, write
from envman.audit.provenance import CIInfo, Context, GitInfo, gather_context
from envman.audit.verify import Problem, VerifyResult, find, query, recorded, verify

__all__ = [
    "GENESIS",
    "KEY_VARIABLE",
    "REDACTED",
    "AuditEntry",
    "CIInfo",
    "Change",
    "Context",
    "GitInfo",
    "Problem",
    "Sealed",
    "VerifyResult",
    "append",
    "canonical",
    "complete_torn_tail",
    "find",
    "fingerprint",
    "gather_context",
    "is_sealed",
    "key_from_environ",
    "parse_sealed",
    "prepare",
    "query",
    "read_entries",
    "recorded",
    "verify",
    "write",
]
