"""Appending to the hash-chained audit log and reading it back: links, tails, refusals."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from envman import __version__
from envman.audit import (
    GENESIS,
    Change,
    append,
    read_entries,
    verify,
)
from envman.errors import AuditError
from tests.audit.entries import (
    CONTEXT,
    START,
    Clock,
    canonical_bytes,
    record,
)

# --------------------------------------------------------------------------- append and read


def test_append_read_verify_round_trip(audit_log: Path) -> None:
    entry = append(
        audit_log,
        action="promote",
        source="staging",
        target="production",
        changes=[Change("vars.API_URL", "https://a.example", "https://b.example")],
        reason="ship it",
        flags=["--skip-stage"],
        context=CONTEXT,
        key=None,
        data={"files": {"environments/production.toml": {"before": "00", "after": "11"}}},
        now=lambda: START,
    )
    assert entry.id.startswith("a-20240501120000-")
    assert entry.time == START
    assert (entry.actor, entry.action, entry.source, entry.target) == (
        "dev@example.com",
        "promote",
        "staging",
        "production",
    )
    assert entry.prev == GENESIS
    assert entry.version == __version__
    assert entry.sig is None
    raw = audit_log.read_text(encoding="utf-8")
    assert raw.endswith("\n") and raw.count("\n") == 1
    obj = json.loads(raw)
    assert obj["time"] == "2024-05-01T12:00:00Z"
    assert obj == entry.to_json()
    body = {k: v for k, v in obj.items() if k != "hash"}
    assert obj["hash"] == hashlib.sha256(canonical_bytes(body)).hexdigest()
    assert read_entries(audit_log) == [entry]
    result = verify(audit_log, None)
    assert (result.ok, result.count, result.first_bad, result.head) == (True, 1, None, entry.hash)


def test_a_chain_of_many_entries_links_each_to_the_one_before(audit_log: Path) -> None:
    entries = record(audit_log, 30, clock=Clock(step=timedelta(0)))  # all in one second
    assert [e.prev for e in entries] == [GENESIS] + [e.hash for e in entries[:-1]]
    ids = [e.id for e in entries]
    assert len(set(ids)) == 30 and ids == sorted(ids)
    assert read_entries(audit_log) == entries
    assert verify(audit_log, None) == verify(audit_log, None)
    assert verify(audit_log, None).ok and verify(audit_log, None).count == 30


def test_append_reads_only_the_tail(audit_log: Path) -> None:
    # A garbage first line would stop any reader of the whole file; append never looks.
    audit_log.parent.mkdir(parents=True)
    record(audit_log, 1)
    audit_log.write_text("not json\n" + audit_log.read_text(encoding="utf-8"), encoding="utf-8")
    record(audit_log, 1)
    assert verify(audit_log, None).first_bad == 1


def test_a_last_entry_longer_than_the_read_chunk_is_chained(audit_log: Path) -> None:
    big = append(
        audit_log,
        action="apply",
        source=None,
        target="staging",
        changes=[],
        reason=None,
        flags=[],
        context=CONTEXT,
        key=None,
        data={"blob": "x" * 200_000},
        now=Clock(),
    )
    (after,) = record(audit_log, 1)
    assert after.prev == big.hash
    assert verify(audit_log, None).ok


def test_a_value_that_is_not_json_is_refused(audit_log: Path) -> None:
    with pytest.raises(AuditError, match="not valid JSON"):
        append(
            audit_log,
            action="apply",
            source=None,
            target="staging",
            changes=[Change("vars.RATIO", 1.0, float("nan"))],
            reason=None,
            flags=[],
            context=CONTEXT,
            key=None,
        )


def test_a_naive_clock_is_a_bug(audit_log: Path) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        record(audit_log, 1, clock=lambda: datetime(2024, 5, 1, 12))
