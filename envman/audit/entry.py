"""The audit entry: its JSON Lines format, canonical hash and signature, parsed strictly."""

from __future__ import annotations

import contextlib
import hmac
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from envman.audit.provenance import CIInfo, GitInfo
from envman.errors import AuditError, UsageError

GENESIS = "0" * 64
"""The `prev` of the first entry."""
KEY_VARIABLE = "ENVMAN_AUDIT_KEY"

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_TAIL_CHUNK = 64 * 1024
_STR, _OPT = (str,), (str, type(None))
_SHAPE: dict[str, tuple[type, ...]] = {
    "id": _STR,
    "time": _STR,
    "actor": _STR,
    "action": _STR,
    "source": _OPT,
    "target": _OPT,
    "reason": _OPT,
    "flags": (list,),
    "changes": (list,),
    "data": (dict,),
    "git": (dict,),
    "ci": (dict,),
    "version": _STR,
    "prev": _STR,
    "hash": _STR,
    "sig": _STR,
}
"""Each key of an entry and the JSON types its value may have; `data` and `sig` are optional."""
_KINDS = {_STR: "a string", _OPT: "a string or null", (list,): "a list", (dict,): "an object"}
_KEYS = _SHAPE.keys() - {"data", "sig"}
_GIT_KEYS, _CI_KEYS = {"commit", "branch", "dirty"}, {"provider", "run_url"}
_CHANGE_KEYS = {"path", "before", "after"}
_HINT = "run `envman audit verify` to see every problem; restore the log from git history"


def utc_now() -> datetime:
    """The current time in UTC: the default clock."""
    return datetime.now(UTC)


def canonical(obj: Any) -> bytes:
    """The canonical JSON bytes of `obj` (sorted keys, no spaces, UTF-8) that hashes cover."""
    return _CANONICAL.encode(obj).encode("utf-8")


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
"""How envman writes a line (`log.write`); made once, not for each of 10,000 lines."""


REDACTED = "<redacted>"
"""A sensitive value in an entry written without a key: nothing of the value is kept."""


def fingerprint(value: Any, key: bytes | None) -> str:
    """A stand-in for a sensitive value in the log; nothing anyone can test guesses against.

    With a key (ENVMAN_AUDIT_KEY) it is `hmac-sha256:<64 hex>`: equal values give equal
    fingerprints, and nobody without the key can check a guess. Without a key it is
    `<redacted>`: an unkeyed hash of a low-entropy value (a port, a flag, a 4-digit PIN)
    is brute-forced in seconds by anyone who can read the log.
    """
    if key is None:
        return REDACTED
    # The prefix separates fingerprints from entry signatures made with the same key:
    # a sensitive value shaped like an entry must not yield a valid signature.
    data = canonical(value)
    return "hmac-sha256:" + hmac.new(key, b"envman-fingerprint\0" + data, "sha256").hexdigest()


def is_sealed(value: Any) -> bool:
    """Whether `value` in an entry stands in for a sensitive value (any envman version's form)."""
    return value == REDACTED or (
        isinstance(value, str) and value.startswith(("hmac-sha256:", "redacted:sha256:"))
    )


def key_from_environ(environ: Mapping[str, str]) -> bytes | None:
    """The signing key from ENVMAN_AUDIT_KEY (surrounding whitespace ignored), or None."""
    value = environ.get(KEY_VARIABLE)
    if value is None:
        return None
    if not value.strip():
        raise UsageError(
            f"{KEY_VARIABLE} is set but empty",
            hint="set it to a long random secret (e.g. `openssl rand -hex 32`), "
            "or unset it to write unsigned entries",
        )
    return value.strip().encode("utf-8")


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True)
class Change:
    """One changed value; sensitive values are already fingerprints (see `fingerprint`)."""

    path: str
    before: Any
    after: Any

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log."""

    id: str
    time: datetime
    actor: str
    action: str
    source: str | None
    target: str | None
    changes: tuple[Change, ...]
    reason: str | None
    flags: tuple[str, ...]
    git: GitInfo
    ci: CIInfo
    version: str
    prev: str
    hash: str
    sig: str | None = None
    data: dict[str, Any] | None = None
    """Action-specific extras, e.g. the files touched and their sha256 before and after."""

    def to_json(self) -> dict[str, Any]:
        """The entry as written (key order for humans; the hash uses sorted keys)."""
        obj: dict[str, Any] = {
            "id": self.id,
            "time": self.time.strftime(_TIME_FORMAT),
            "actor": self.actor,
            "action": self.action,
            "source": self.source,
            "target": self.target,
            "reason": self.reason,
            "flags": list(self.flags),
            "changes": [change.to_json() for change in self.changes],
        }
        if self.data is not None:
            obj["data"] = self.data
        obj["git"] = {"commit": self.git.commit, "branch": self.git.branch, "dirty": self.git.dirty}
        obj["ci"] = {"provider": self.ci.provider, "run_url": self.ci.run_url}
        obj |= {"version": self.version, "prev": self.prev, "hash": self.hash}
        if self.sig is not None:
            obj["sig"] = self.sig
        return obj


class _Malformed(Exception):
    """A line is not a well-formed entry; the message says why."""


def _parse_line(raw: bytes) -> tuple[AuditEntry, bytes]:
    """The entry on one line (without its newline) and the canonical bytes its hash covers."""
    obj, body = _checked_line(raw)
    return _entry_from_json(obj), body


def _checked_line(raw: bytes) -> tuple[dict[str, Any], bytes]:
    """The JSON object on one line, its shape checked (no entry built), and the canonical
    bytes its hash covers: what `verify` needs of each of 10,000 lines."""
    if not raw.strip():
        raise _Malformed("empty line")
    try:
        text = raw.decode("utf-8")
        obj = json.loads(text)
        # A line exactly as envman writes it holds no key twice (its object would print
        # shorter); any other line is read again, refusing duplicate keys one by one.
        if _COMPACT.encode(obj) != text:
            obj = json.loads(text, object_pairs_hook=_unique_keys)
    except UnicodeDecodeError as e:
        raise _Malformed(f"not valid UTF-8 at byte {e.start + 1}") from e
    except json.JSONDecodeError as e:
        raise _Malformed(f"not valid JSON ({e.msg} at column {e.colno})") from e
    _check_shape(obj)
    try:
        body = canonical({k: v for k, v in obj.items() if k not in ("hash", "sig")})
    except ValueError as e:  # a lone surrogate escape has no UTF-8 encoding
        raise _Malformed(f"not representable as canonical JSON ({e})") from e
    return obj, body


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = [k for k, _ in pairs]
        raise _Malformed(f"duplicate key {next(k for k in seen if seen.count(k) > 1)!r}")
    return obj


def _check_shape(obj: Any) -> None:
    """Raise _Malformed unless `obj` has the keys, types and formats of an entry."""
    if not isinstance(obj, dict):
        raise _Malformed("not a JSON object")
    if missing := _KEYS - obj.keys():
        raise _Malformed(f"missing key(s): {', '.join(sorted(missing))}")
    if unknown := obj.keys() - _SHAPE.keys():
        raise _Malformed(
            f"unknown key(s): {', '.join(sorted(unknown))} (written by a newer envman?)"
        )
    for key, value in obj.items():
        if not isinstance(value, _SHAPE[key]):
            raise _Malformed(f"`{key}` must be {_KINDS[_SHAPE[key]]}")
    for key in ("prev", "hash", "sig"):
        if key in obj and not _HEX64.fullmatch(obj[key]):
            raise _Malformed(f"`{key}` must be 64 lowercase hex digits")
    if not obj["id"] or not obj["action"]:
        raise _Malformed(f"`{'action' if obj['id'] else 'id'}` must not be empty")
    git, ci, flags = obj["git"], obj["ci"], obj["flags"]
    if (
        git.keys() != _GIT_KEYS
        or not isinstance(git["commit"], _OPT)
        or not isinstance(git["branch"], _OPT)
        or not isinstance(git["dirty"], (bool, type(None)))
    ):
        raise _Malformed("`git` must be {commit, branch: string or null, dirty: bool or null}")
    if (
        ci.keys() != _CI_KEYS
        or not isinstance(ci["provider"], _OPT)
        or not isinstance(ci["run_url"], _OPT)
    ):
        raise _Malformed("`ci` must be {provider, run_url: string or null}")
    if not all(isinstance(flag, str) for flag in flags):
        raise _Malformed("`flags` must be a list of strings")
    for change in obj["changes"]:
        if (
            not isinstance(change, dict)
            or change.keys() != _CHANGE_KEYS
            or not isinstance(change["path"], str)
        ):
            raise _Malformed("each change must be {path: string, before, after}")
    try:
        if not _TIME.fullmatch(obj["time"]):
            raise ValueError
        datetime.fromisoformat(obj["time"])
    except ValueError as e:
        raise _Malformed(f"`time` {obj['time']!r} is not like 2024-05-01T12:00:00Z (UTC)") from e


def _entry_from_json(obj: dict[str, Any]) -> AuditEntry:
    """The entry of an object `_check_shape` accepted."""
    return AuditEntry(
        id=obj["id"],
        time=datetime.fromisoformat(obj["time"]),
        actor=obj["actor"],
        action=obj["action"],
        source=obj["source"],
        target=obj["target"],
        changes=tuple(Change(c["path"], c["before"], c["after"]) for c in obj["changes"]),
        reason=obj["reason"],
        flags=tuple(obj["flags"]),
        git=GitInfo(**obj["git"]),
        ci=CIInfo(**obj["ci"]),
        version=obj["version"],
        prev=obj["prev"],
        hash=obj["hash"],
        sig=obj.get("sig"),
        data=obj.get("data"),
    )


def read_entries(log: Path) -> list[AuditEntry]:
    """Every entry of the log, oldest first; [] when it does not exist.

    Raises AuditError (file:line) on a malformed line. Hashes, chain and signatures
    are not checked here: that is `verify`'s job (in audit_verify).
    """
    entries = []
    with _open(log) as handle:
        for number, raw in enumerate(handle or (), start=1):
            line = raw.removesuffix(b"\n")
            if not line.strip():
                raise AuditError(f"{log}:{number}: empty line", hint=_HINT)
            try:
                entries.append(_parse_line(line)[0])
            except _Malformed as e:
                raise AuditError(f"{log}:{number}: {e}", hint=_HINT) from e
    return entries


@contextlib.contextmanager
def _open(log: Path) -> Iterator[BinaryIO | None]:
    """The log opened for binary reading, or None when it does not exist."""
    try:
        handle = log.open("rb")
    except FileNotFoundError:
        handle = None
    except OSError as e:
        raise AuditError(f"{log}: cannot read the audit log: {e.strerror}") from e
    if handle is None:
        yield None
        return
    with handle:
        yield handle
