"""The append-only audit log: hash-chained JSON Lines entries, HMAC-signed when a key is set."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Sealed:
    """An entry ready to append: the parsed entry and its exact line, newline included."""

    entry: AuditEntry
    line: bytes


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

    `prepare` then `write`; the caller must hold the project lock around both.
    """
    sealed = prepare(
        log,
        action=action,
        source=source,
        target=target,
        changes=changes,
        reason=reason,
        flags=flags,
        context=context,
        key=key,
        data=data,
        now=now,
    )
    write(log, sealed)
    return sealed.entry


def prepare(
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
) -> Sealed:
    """The next entry, chained to the log's last one and sealed, without writing it.

    Only the tail of the log is read. A log whose last line is incomplete (a write torn
    by a crash) or malformed is refused with AuditError, never repaired silently here.
    """
    at = now()
    if at.tzinfo is None:
        raise ValueError("the audit clock must return a timezone-aware datetime")
    at = at.astimezone(UTC).replace(microsecond=0)
    prev, last_id = _head(log)
    body: dict[str, Any] = {
        "id": _new_id(at, last_id),
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
    return _seal(body, key)


def write(log: Path, sealed: Sealed) -> None:
    """Append `sealed.line` with one write, fsynced, if it still chains onto the last entry.

    On any failure the log is cut back to its length before, so an error never leaves a
    torn line behind. (A SIGKILL can; the transaction journal repairs that, see
    `complete_torn_tail`.) The caller must hold the project lock.
    """
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(log, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as e:
        raise AuditError(f"{log}: cannot open the audit log: {e.strerror}") from e
    try:
        size = os.fstat(fd).st_size
        prev = _tail(fd, size, log)[0] if size else GENESIS
        if prev != sealed.entry.prev:
            raise AuditError(
                f"{log}: the log changed while entry {sealed.entry.id} was prepared: its last "
                "entry is not the one the new entry chains to",
                hint=_HINT,
            )
        try:
            written = os.write(fd, sealed.line)
            if written != len(sealed.line):
                raise AuditError(
                    f"{log}: only {written} of {len(sealed.line)} bytes of the new entry "
                    "could be written (disk full?); the log was left as it was",
                    hint="free disk space and run the command again",
                )
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise
    except OSError as e:
        raise AuditError(f"{log}: cannot write the audit log: {e.strerror}") from e
    finally:
        os.close(fd)
    if not size:  # a new file: make its directory entry durable too
        _fsync_dir(log.parent)


def parse_sealed(line: bytes) -> Sealed:
    """The entry a journal recorded as its exact line; AuditError when it is not one."""
    try:
        entry, body = _parse_line(line.removesuffix(b"\n"))
    except _Malformed as e:
        raise AuditError(f"the recorded audit entry is malformed: {e}") from e
    if hashlib.sha256(body).hexdigest() != entry.hash:
        raise AuditError(f"the recorded audit entry {entry.id} does not match its hash")
    return Sealed(entry, line if line.endswith(b"\n") else line + b"\n")


def complete_torn_tail(log: Path, line: bytes) -> bool:
    """Cut off an incomplete last line that is the start of `line`; True when one was cut.

    A SIGKILL during `write` can leave part of a line: its transaction journal still holds
    the whole line, which is then written again. An incomplete last line that is not the
    start of `line` was not written by this transaction and is refused, never dropped.
    """
    try:
        fd = os.open(log, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except OSError as e:
        raise AuditError(f"{log}: cannot open the audit log: {e.strerror}") from e
    try:
        size = os.fstat(fd).st_size
        if not size or os.pread(fd, 1, size - 1) == b"\n":
            return False
        start, end = 0, size
        while end > 0:  # back to the last newline, a chunk at a time
            low = max(0, end - _TAIL_CHUNK)
            cut = os.pread(fd, end - low, low).rfind(b"\n")
            if cut != -1:
                start = low + cut + 1
                break
            end = low
        fragment = os.pread(fd, size - start, start)
        if not line.startswith(fragment):
            raise AuditError(
                f"{log}:{_count_lines(fd, size) + 1}: the last line is incomplete and is not "
                "the entry an interrupted transaction was writing; refusing to drop it",
                hint=_HINT,
            )
        os.ftruncate(fd, start)
        os.fsync(fd)
        return True
    finally:
        os.close(fd)


def _head(log: Path) -> tuple[str, str | None]:
    """The hash and id of the log's last entry; GENESIS and None for an empty or absent log."""
    try:
        fd = os.open(log, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return GENESIS, None
    except OSError as e:
        raise AuditError(f"{log}: cannot open the audit log: {e.strerror}") from e
    try:
        size = os.fstat(fd).st_size
        if not size:
            return GENESIS, None
        last_hash, last_id = _tail(fd, size, log)
        return last_hash, last_id
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _new_id(at: datetime, last_id: str | None) -> str:
    """`a-<yyyymmddHHMMSS>-<6 hex>`: random suffix, but increasing within one second."""
    stamp = f"a-{at:%Y%m%d%H%M%S}-"
    suffix = secrets.randbelow(1 << 23)
    if last_id is not None and last_id.startswith(stamp):
        with contextlib.suppress(ValueError):
            suffix = int(last_id.removeprefix(stamp), 16) + 1 + secrets.randbelow(1 << 12)
    return f"{stamp}{suffix % (1 << 24):06x}"


def _seal(body: dict[str, Any], key: bytes | None) -> Sealed:
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
    return Sealed(entry, line + b"\n")


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
