"""Audit entries for the tests: a fixed context and clock, chains appended through envman,
log lines read and written raw, and an independent canonical hash to forge with."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from envman.audit import (
    AuditEntry,
    Change,
    append,
)
from envman.audit.provenance import CIInfo, Context, GitInfo

KEY = b"test-key-0123456789abcdef"
START = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
CONTEXT = Context(
    actor="dev@example.com",
    git=GitInfo(commit="c0ffee" * 6 + "abcd", branch="main", dirty=False),
    ci=CIInfo(),
)


class Clock:
    """A fake clock that advances one minute per reading."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(minutes=1)) -> None:
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        now = self.now
        self.now += self.step
        return now


def canonical_bytes(obj: Any) -> bytes:
    """The spec's canonical JSON, written independently of envman.audit."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def reseal(obj: dict[str, Any], key: bytes | None = None) -> str:
    """A line with `obj`'s own hash (and signature) recomputed, as a forger would."""
    body = {k: v for k, v in obj.items() if k not in ("hash", "sig")}
    sealed = {**body, "hash": hashlib.sha256(canonical_bytes(body)).hexdigest()}
    if key is not None:
        sealed["sig"] = hmac.new(key, canonical_bytes(body), "sha256").hexdigest()
    return json.dumps(sealed, separators=(",", ":"))


def record(
    log: Path,
    count: int,
    *,
    key: bytes | None = None,
    clock: Callable[[], datetime] | None = None,
) -> list[AuditEntry]:
    clock = clock or Clock()
    pipeline = [("development", "staging"), ("staging", "production")]
    entries = []
    for i in range(count):
        source, target = pipeline[i % 2]
        entries.append(
            append(
                log,
                action="promote" if i % 3 else "rollback",
                source=source,
                target=target,
                changes=[Change(path="vars.LOG_LEVEL", before=f"v{i}", after=f"v{i + 1}")],
                reason=f"release {i}",
                flags=["--allow-drift"] if i % 2 else [],
                context=CONTEXT,
                key=key,
                now=clock,
            )
        )
    return entries


def lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines()


def write_lines(log: Path, content: list[str]) -> None:
    log.write_text("".join(line + "\n" for line in content), encoding="utf-8")
