"""The append-only audit log: hash-chained JSON Lines entries, HMAC-signed when a key is set."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from envman import __version__
from envman.audit.entry import (
    _HINT,
    _TAIL_CHUNK,
    _TIME_FORMAT,
    GENESIS,
    AuditEntry,
    Change,
    _Malformed,
    _parse_line,
    canonical,
    utc_now,
)
from envman.audit.provenance import Context
from envman.errors import AuditError

# --------------------------------------------------------------------------- writing


def append(
    log: Path,
    *,
    action: str,
    source: str | None,
    target: str | None,
    changes: Sequence[Change],
    reason: str | None,
    flags: Sequence[str],
    context: Context,
    key: bytes | None,
    data: Mapping[str, Any] | None = None,
    now: Callable[[], datetime] = utc_now,
) -> AuditEntry:
    """Append one entry chained to the last one, fsynced; signed when `key` is given.

    The caller must hold the project lock (`files.project_lock`) around this call:
    two writers without it could chain onto the same previous entry. Only the tail of
    the log is read. A log whose last line is incomplete (a write torn by a crash) or
    malformed is refused with AuditError, never repaired silently.
    """
    at = now()
    if at.tzinfo is None:
        raise ValueError("the audit clock must return a timezone-aware datetime")
    at = at.astimezone(UTC).replace(microsecond=0)
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as e:
        raise AuditError(f"{log}: cannot open the audit log: {e.strerror}") from e
    try:
        size = os.fstat(fd).st_size
        prev, last_id = _tail(fd, size, log) if size else (GENESIS, None)
        entry_id = _new_id(at, last_id)
        body: dict[str, Any] = {
            "id": entry_id,
            "time": at.strftime(_TIME_FORMAT),
            "actor": context.actor,
            "action": action,
            "source": source,
            "target": target,
            "reason": reason,
            "flags": list(flags),
            "changes": [change.to_json() for change in changes],
        }
        if data is not None:
            body["data"] = dict(data)
        body["git"] = {
            "commit": context.git.commit,
            "branch": context.git.branch,
            "dirty": context.git.dirty,
        }
        body["ci"] = {"provider": context.ci.provider, "run_url": context.ci.run_url}
        body |= {"version": __version__, "prev": prev}
        entry, line = _seal(body, key)
        written = os.write(fd, line)
        if written != len(line):
            raise AuditError(
                f"{log}: only {written} of {len(line)} bytes of the new entry were written; "
                "the log now ends with an incomplete line",
                hint="free disk space, remove the incomplete last line, and run the command again",
            )
        os.fsync(fd)
    except OSError as e:
        raise AuditError(f"{log}: cannot write the audit log: {e.strerror}") from e
    finally:
        os.close(fd)
    if not size:  # a new file: make its directory entry durable too
        with contextlib.suppress(OSError):
            dir_fd = os.open(log.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
    return entry


def _new_id(at: datetime, last_id: str | None) -> str:
    """`a-<yyyymmddHHMMSS>-<6 hex>`: random suffix, but increasing within one second."""
    stamp = f"a-{at:%Y%m%d%H%M%S}-"
    suffix = secrets.randbelow(1 << 23)
    if last_id is not None and last_id.startswith(stamp):
        with contextlib.suppress(ValueError):
            suffix = int(last_id.removeprefix(stamp), 16) + 1 + secrets.randbelow(1 << 12)
    return f"{stamp}{suffix % (1 << 24):06x}"


def _seal(body: dict[str, Any], key: bytes | None) -> tuple[AuditEntry, bytes]:
    try:
        payload = canonical(body)
    except ValueError as e:  # NaN, infinity or a lone surrogate among the values
        raise AuditError(f"cannot record the change: a value is not valid JSON ({e})") from e
    sealed = {**body, "hash": hashlib.sha256(payload).hexdigest()}
    if key is not None:
        sealed["sig"] = hmac.new(key, payload, "sha256").hexdigest()
    line = json.dumps(sealed, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    try:
        entry, _ = _parse_line(line)
    except _Malformed as e:
        raise ValueError(f"invalid audit entry: {e}") from e
    return entry, line + b"\n"


def _tail(fd: int, size: int, log: Path) -> tuple[str, str]:
    """The hash and id of the last entry, reading backwards from the end only."""
    if os.pread(fd, 1, size - 1) != b"\n":
        raise AuditError(
            f"{log}:{_count_lines(fd, size) + 1}: the last line is incomplete (no newline at "
            "the end: a write interrupted by a crash?); refusing to append after it",
            hint=_HINT,
        )
    end = size - 1
    line = b""
    while end > 0:
        start = max(0, end - _TAIL_CHUNK)
        chunk = os.pread(fd, end - start, start)
        cut = chunk.rfind(b"\n")
        line = chunk[cut + 1 :] + line
        if cut != -1:
            break
        end = start
    try:
        entry, _ = _parse_line(line)
    except _Malformed as e:
        raise AuditError(
            f"{log}:{_count_lines(fd, size)}: the last entry is malformed ({e}); "
            "refusing to append after it",
            hint=_HINT,
        ) from e
    return entry.hash, entry.id


def _count_lines(fd: int, size: int) -> int:
    # Only on the error path: the number of newlines, to name the bad line.
    return sum(os.pread(fd, _TAIL_CHUNK, o).count(b"\n") for o in range(0, size, _TAIL_CHUNK))
