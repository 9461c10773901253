"""The audit entry format: parsed strictly with the bad line named, fingerprints, the key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from envman.audit import (
    fingerprint,
    key_from_environ,
    read_entries,
    verify,
)
from envman.errors import AuditError, UsageError
from tests.audit.entries import (
    KEY,
    lines,
    record,
    reseal,
    write_lines,
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"id": "a", "id": "b"}', "duplicate key 'id'"),
        ("{}", "missing key"),
        ("", "empty line"),
    ],
)
def test_read_entries_names_the_malformed_line(audit_log: Path, content: str, message: str) -> None:
    record(audit_log, 2)
    write_lines(audit_log, [lines(audit_log)[0], content, lines(audit_log)[1]])
    with pytest.raises(AuditError, match=message) as caught:
        read_entries(audit_log)
    assert f"{audit_log}:2: " in str(caught.value)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time", "2024-05-01 12:00:00", "`time`"),
        ("time", "2024-13-01T12:00:00Z", "`time` '2024-13-01T12:00:00Z' is not like"),
        ("prev", "ABC", "`prev` must be 64 lowercase hex"),
        ("flags", "--yes", "`flags` must be a list"),
        ("git", {"commit": None}, "`git` must be {commit, branch"),
        ("git", [], "`git` must be an object"),
        ("changes", [{"path": "x"}], r"each change must be \{path"),
        ("extra", 1, "unknown key"),
        ("action", "", "`action` must not be empty"),
        ("source", 3, "`source` must be a string or null"),
    ],
)
def test_a_wrong_shape_is_malformed(audit_log: Path, field: str, value: Any, message: str) -> None:
    record(audit_log, 1)
    obj = json.loads(lines(audit_log)[0]) | {field: value}
    write_lines(audit_log, [reseal(obj)])
    with pytest.raises(AuditError, match=message):
        read_entries(audit_log)
    result = verify(audit_log, None)
    assert result.first_bad == 1
    assert result.problem is not None and result.problem.startswith("malformed entry: ")


def test_a_missing_log_is_empty_and_valid(audit_log: Path) -> None:
    assert read_entries(audit_log) == []
    assert verify(audit_log, KEY) == verify(audit_log, None)
    assert verify(audit_log, None).ok and verify(audit_log, None).count == 0


def test_key_from_environ() -> None:
    assert key_from_environ({}) is None
    assert key_from_environ({"ENVMAN_AUDIT_KEY": " s3cret\n"}) == b"s3cret"
    with pytest.raises(UsageError, match="set but empty"):
        key_from_environ({"ENVMAN_AUDIT_KEY": ""})


# --------------------------------------------------------------------------- fingerprints


@pytest.mark.parametrize("value", ["hunter2", "sk_live_" + "a" * 24, 8080, {"token": "abc"}])
def test_fingerprints_hide_the_value(value: Any) -> None:
    keyed, unkeyed = fingerprint(value, KEY), fingerprint(value, None)
    other = fingerprint(value, b"other")
    for text in (keyed, other, unkeyed):
        assert str(value) not in text and json.dumps(value) not in text
    assert keyed.startswith("hmac-sha256:") and len(keyed) == len("hmac-sha256:") + 64
    assert unkeyed == "<redacted>"  # no unkeyed hash: a short value would be brute-forced
    assert keyed != other
    assert fingerprint(value, KEY) == keyed  # deterministic: "changed or not" stays visible
    assert fingerprint([value], KEY) != keyed


def test_a_keyed_fingerprint_is_never_a_valid_signature(audit_log: Path) -> None:
    # A sensitive value shaped like an entry body must not yield that body's signature.
    (entry,) = record(audit_log, 1, key=KEY)
    body = {k: v for k, v in entry.to_json().items() if k not in ("hash", "sig")}
    assert fingerprint(body, KEY).removeprefix("hmac-sha256:") != entry.sig
