"""Checks the audit log's hash chain and signatures, and finds entries."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from envman.audit.entry import (
    _HINT,
    GENESIS,
    KEY_VARIABLE,
    AuditEntry,
    _checked_line,
    _Malformed,
    _open,
)
from envman.audit.quick import quick_line
from envman.errors import AuditError, UsageError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one line of the log (1-based)."""

    line: int
    entry_id: str | None
    message: str


@dataclass(frozen=True)
class VerifyResult:
    """What `verify` found: `first_bad`, `entry_id` and `problem` describe the first problem.

    `count` is the number of lines read; `head` the hash of the last entry (keep it
    elsewhere to detect a truncated log later); `notes` are remarks that are not errors.
    """

    ok: bool
    count: int
    first_bad: int | None = None
    entry_id: str | None = None
    problem: str | None = None
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    head: str | None = None
    signed: int = 0


def verify(log: Path, key: bytes | None) -> VerifyResult:
    """Check every entry's hash, the prev chain, ids and (with `key`) every signature.

    Finds an edited entry, a removed, inserted, duplicated or reordered entry, a bad or
    missing signature, malformed, empty and incomplete lines; collects them all. Time
    going backwards is only noted (clocks differ). Limits: without a key anyone can
    append a well-formed entry, and removing the newest entries leaves a valid chain;
    the key, git history and the recorded `head` are what catch those.
    """
    problems: list[Problem] = []
    notes: list[str] = []
    count = signed = 0
    expected: str | None = GENESIS
    previous_line = 0
    last_time: str | None = None
    seen: dict[str, int] = {}
    head = None
    # One line at a time, each checked as plain JSON data: no entry object is built, and
    # its canonical body is hashed once (and signed once, with a key). A line exactly as
    # envman writes it is read quickly (envman.audit.quick); any other, exactly.
    with _open(log) as handle:
        for number, raw in enumerate(handle or (), start=1):
            count = number
            if not raw.endswith(b"\n"):
                problems.append(
                    Problem(
                        number,
                        None,
                        "incomplete last line (no newline at the "
                        "end): a write interrupted by a crash?",
                    )
                )
                break
            if not raw.strip():
                problems.append(Problem(number, None, "empty line"))
                continue
            line = raw[:-1]
            quick = quick_line(line)
            if quick is not None and _sealed(*quick, key):
                entry, body = quick
                sealed: tuple[str | None, ...] = ()
            else:  # any other line, or one whose hash fails over the quick body: exactly
                try:
                    entry, body = _checked_line(line)
                except _Malformed as e:
                    problems.append(Problem(number, None, f"malformed entry: {e}"))
                    expected = None
                    continue
                sealed = (_check_hash(entry["hash"], body), _check_sig(entry.get("sig"), body, key))
            entry_id, sig, time = entry["id"], entry.get("sig"), entry["time"]
            if (
                sealed
                or entry_id in seen
                or (expected is not None and entry["prev"] != expected)
                or (key is None and sig is None and signed)
            ):  # something is wrong: say all of it (the common, sound line skips this)
                found = [
                    p
                    for p in (
                        *sealed,
                        _check_prev(entry["prev"], expected, previous_line),
                        _check_unsigned_after_signed(sig, signed, key),
                    )
                    if p
                ]
                if entry_id in seen:
                    found.append(f"duplicate id {entry_id} (also on line {seen[entry_id]})")
                problems += [Problem(number, entry_id, message) for message in found]
            seen.setdefault(entry_id, number)
            # `time` is checked to be YYYY-MM-DDTHH:MM:SSZ, so text order is time order.
            if last_time is not None and time < last_time:
                notes.append(
                    f"line {number}: time goes backwards ({time}); "
                    "the clocks of the machines that wrote the log differ?"
                )
            signed += sig is not None
            last_time, expected, previous_line, head = time, entry["hash"], number, entry["hash"]
    if key is None and signed:
        notes.append(f"{signed} entries are signed; set {KEY_VARIABLE} to check the signatures")
    first = problems[0] if problems else Problem(0, None, "")
    return VerifyResult(
        ok=not problems,
        count=count,
        first_bad=first.line or None,
        entry_id=first.entry_id,
        problem=first.message or None,
        problems=tuple(problems),
        notes=tuple(notes),
        head=head,
        signed=signed,
    )


def _sealed(entry: dict[str, Any], body: bytes, key: bytes | None) -> bool:
    """Whether the hash (and, with a key, the signature) of `entry` holds over `body`."""
    return (
        _check_hash(entry["hash"], body) is None and _check_sig(entry.get("sig"), body, key) is None
    )


def _check_hash(written: str, body: bytes) -> str | None:
    if hashlib.sha256(body).hexdigest() == written:
        return None
    return "hash does not match the entry's content: the entry was edited"


def _check_prev(prev: str, expected: str | None, previous_line: int) -> str | None:
    if expected is None or prev == expected:
        return None
    if expected == GENESIS:
        return (
            "`prev` of the first entry is not 64 zeros: entries before it were removed or reordered"
        )
    return (
        f"`prev` does not match the hash of the entry on line {previous_line}: "
        "an entry was removed, inserted or reordered"
    )


def _check_unsigned_after_signed(sig: str | None, signed: int, key: bytes | None) -> str | None:
    # Without the key a signature cannot be checked, but a log that was signed does not
    # go back to unsigned entries: one appended without the key is the naive forgery.
    if key is not None or sig is not None or not signed:
        return None
    return (
        f"entry is not signed, but {signed} earlier entries are: appended without "
        f"{KEY_VARIABLE} (forged?)"
    )


def _check_sig(sig: str | None, body: bytes, key: bytes | None) -> str | None:
    if key is None:
        return None
    if sig is None:
        return "entry is not signed, but a key was given"
    if hmac.compare_digest(sig, hmac.new(key, body, "sha256").hexdigest()):
        return None
    return "signature does not match: the entry was forged or the key is wrong"


def recorded(log: Path, transaction: str) -> str | None:
    """The id of the entry (on a complete line) that records `transaction`, or None.

    Tolerant of lines it cannot parse: recovery looks here before the log is verified.
    """
    needle = transaction.encode()
    with _open(log) as handle:
        for raw in handle or ():
            if not raw.endswith(b"\n") or needle not in raw:
                continue
            try:
                obj = json.loads(raw)
            except ValueError:
                continue
            data = obj.get("data") if isinstance(obj, dict) else None
            if isinstance(data, dict) and data.get("transaction") == transaction:
                return str(obj.get("id"))
    return None


def query(
    entries: Iterable[AuditEntry],
    *,
    env: str | None = None,
    since: datetime | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """The entries touching `env` (as source or target), at or after `since`, of `action`.

    A naive `since` is taken as UTC.
    """
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return [
        e
        for e in entries
        if (env is None or env in (e.source, e.target))
        and (since is None or e.time >= since)
        and (action is None or e.action == action)
    ]


def find(entries: Sequence[AuditEntry], entry_id: str) -> AuditEntry:
    """The entry with this id, or the only one whose id starts with it; UsageError otherwise."""
    exact = [e for e in entries if e.id == entry_id]
    if len(exact) > 1:
        raise AuditError(f"audit id {entry_id} occurs {len(exact)} times", hint=_HINT)
    matches = exact or [e for e in entries if entry_id and e.id.startswith(entry_id)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UsageError(
            f"no audit entry with id {entry_id!r}",
            hint="`envman audit log` lists the entries and their ids",
        )
    shown = ", ".join(e.id for e in matches[:5]) + (", …" if len(matches) > 5 else "")
    raise UsageError(
        f"{entry_id!r} matches {len(matches)} audit entries: {shown}",
        hint="give more characters of the id",
    )
