"""The quick reading of an audit line exactly as envman writes it, for `audit verify`.

A log of 10,000 entries is 8 MB of JSON. Read with the standard library, checked in
Python and encoded again to hash it, it took a second; orjson reads and writes JSON about
five times faster and a compiled JSON Schema (jsonschema-rs) checks a shape in a few
microseconds. Every line that is not exactly as envman writes it takes the exact path
(`entry._checked_line`), which says what is wrong with it; a line read here is only
accepted when its hash (and signature, with a key) holds over the body found here.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import orjson

_TEXT = {"type": "string"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
SHAPE: dict[str, Any] = {
    "type": "object",
    "required": [
        "id", "time", "actor", "action", "source", "target", "reason", "flags", "changes",
        "git", "ci", "version", "prev", "hash",
    ],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "time": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"},
        "actor": _TEXT,
        "action": {"type": "string", "minLength": 1},
        "source": _TEXT_OR_NULL,
        "target": _TEXT_OR_NULL,
        "reason": _TEXT_OR_NULL,
        "flags": {"type": "array", "items": _TEXT},
        "changes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "before", "after"],
                "additionalProperties": False,
                "properties": {"path": _TEXT, "before": True, "after": True},
            },
        },
        "data": {"type": "object"},
        "git": {
            "type": "object",
            "required": ["commit", "branch", "dirty"],
            "additionalProperties": False,
            "properties": {
                "commit": _TEXT_OR_NULL,
                "branch": _TEXT_OR_NULL,
                "dirty": {"type": ["boolean", "null"]},
            },
        },
        "ci": {
            "type": "object",
            "required": ["provider", "run_url"],
            "additionalProperties": False,
            "properties": {"provider": _TEXT_OR_NULL, "run_url": _TEXT_OR_NULL},
        },
        "version": _TEXT,
        "prev": _HEX64,
        "hash": _HEX64,
        "sig": _HEX64,
    },
}  # fmt: skip
"""An entry's shape as a JSON Schema: never looser than `entry._check_shape` (a line it
rejects goes to `_check_shape`, which then says why, or accepts it after all)."""


@functools.cache
def _shape() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(SHAPE)


def quick_line(raw: bytes) -> tuple[dict[str, Any], bytes] | None:
    """The entry on a line exactly as envman writes it, and the canonical body its hash
    covers; None for any other line.

    "Exactly as envman writes it": orjson writes the object it reads back byte for byte,
    so the line holds no key twice and no other spelling. The body is cut from orjson's
    encoding with sorted keys: the top-level `hash` member is always followed by `id`, and
    `sig` by `source`, and nothing after either holds an object, so the last occurrence
    of each is the top-level one. orjson and the standard library may write a float
    differently, so the caller trusts the body only when the hash over it holds.
    """
    try:
        obj = orjson.loads(raw)
        if not isinstance(obj, dict) or orjson.dumps(obj) != raw or not _shape().is_valid(obj):
            return None
        datetime.fromisoformat(obj["time"])
        full = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except (ValueError, TypeError):  # orjson's errors, or a time that is not a real time
        return None
    for key in ("sig", "hash"):
        if key in obj:
            member = b'"' + key.encode() + b'":"' + obj[key].encode() + b'",'
            at = full.rfind(member)
            if at < 0:
                return None
            full = full[:at] + full[at + len(member) :]
    return obj, full
