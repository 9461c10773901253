"""Verifying the audit log: tampering of every kind found at its line, signatures, queries."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envman.audit import (
    GENESIS,
    find,
    query,
    read_entries,
    verify,
)
from envman.errors import AuditError, UsageError
from tests.audit.entries import (
    KEY,
    START,
    Clock,
    canonical_bytes,
    lines,
    record,
    reseal,
    write_lines,
)
from tests.properties import examples

# --------------------------------------------------------------------------- tampering


def _edit(content: list[str]) -> list[str]:
    obj = json.loads(content[2]) | {"reason": "nobody will notice"}
    return [*content[:2], json.dumps(obj), *content[3:]]


def _edit_and_rehash(content: list[str]) -> list[str]:
    obj = json.loads(content[2]) | {"reason": "nobody will notice"}
    return [*content[:2], reseal(obj), *content[3:]]


def _forge(content: list[str]) -> list[str]:
    obj = json.loads(content[1]) | {"reason": "forged", "prev": "f" * 64}
    return [*content[:2], reseal(obj), *content[2:]]


@pytest.mark.parametrize(
    ("tamper", "first_bad", "message"),
    [
        (_edit, 3, "hash does not match"),
        (_edit_and_rehash, 4, "`prev` does not match the hash of the entry on line 3"),
        (lambda c: c[:2] + c[3:], 3, "`prev` does not match"),
        (lambda c: c[1:], 1, "not 64 zeros"),
        (lambda c: [c[0], c[2], c[1], *c[3:]], 2, "`prev` does not match"),
        (_forge, 3, "`prev` does not match"),
        (lambda c: [*c[:3], c[2], *c[3:]], 4, "`prev` does not match"),
        (lambda c: [*c, ""], 6, "empty line"),
        (lambda c: [*c[:2], "{oops", *c[2:]], 3, "malformed entry: not valid JSON"),
    ],
    ids=[
        "edit",
        "edit-rehash",
        "remove",
        "remove-first",
        "swap",
        "forged-insert",
        "duplicate",
        "empty-line",
        "garbage",
    ],
)
def test_verify_names_the_first_bad_line(
    audit_log: Path, tamper: Callable[[list[str]], list[str]], first_bad: int, message: str
) -> None:
    record(audit_log, 5)
    write_lines(audit_log, tamper(lines(audit_log)))
    result = verify(audit_log, None)
    assert not result.ok
    assert result.first_bad == first_bad
    assert result.problem is not None and message in result.problem


def test_an_edit_is_one_problem_not_a_cascade(audit_log: Path) -> None:
    record(audit_log, 5)
    write_lines(audit_log, _edit(lines(audit_log)))
    result = verify(audit_log, None)
    assert [(p.line, p.message.split(":")[0]) for p in result.problems] == [
        (3, "hash does not match the entry's content")
    ]
    assert result.entry_id == read_entries(audit_log)[2].id


def test_a_torn_last_line_is_reported_and_blocks_append(audit_log: Path) -> None:
    record(audit_log, 3)
    raw = audit_log.read_bytes()
    audit_log.write_bytes(raw[:-40])
    result = verify(audit_log, None)
    assert (result.ok, result.first_bad, result.count) == (False, 3, 3)
    assert result.problem is not None and "incomplete last line" in result.problem
    with pytest.raises(AuditError, match=r"audit\.jsonl:3: the last line is incomplete"):
        record(audit_log, 1)
    assert audit_log.read_bytes() == raw[:-40]  # not repaired, not appended to


def test_a_malformed_last_line_blocks_append(audit_log: Path) -> None:
    record(audit_log, 2)
    write_lines(audit_log, [*lines(audit_log), "{}"])
    with pytest.raises(AuditError, match=r"audit\.jsonl:3: the last entry is malformed"):
        record(audit_log, 1)


def test_a_duplicate_id_is_reported(audit_log: Path) -> None:
    record(audit_log, 2)
    content = lines(audit_log)
    first, last = json.loads(content[0]), json.loads(content[1])
    forged = reseal(first | {"prev": last["hash"], "reason": "again"})
    write_lines(audit_log, [*content, forged])
    result = verify(audit_log, None)
    assert result.first_bad == 3
    assert result.problem == f"duplicate id {first['id']} (also on line 1)"


def test_time_going_backwards_is_only_noted(audit_log: Path) -> None:
    record(audit_log, 2, clock=Clock())
    record(audit_log, 1, clock=Clock(START - timedelta(days=1)))
    result = verify(audit_log, None)
    assert result.ok
    assert any(note.startswith("line 3: time goes backwards") for note in result.notes)


# --------------------------------------------------------------------------- signatures


def test_entries_are_signed_with_the_key(audit_log: Path) -> None:
    entries = record(audit_log, 3, key=KEY)
    for entry, line in zip(entries, lines(audit_log), strict=True):
        obj = json.loads(line)
        body = {k: v for k, v in obj.items() if k not in ("hash", "sig")}
        assert entry.sig == obj["sig"] == hmac.new(KEY, canonical_bytes(body), "sha256").hexdigest()
    assert verify(audit_log, KEY).ok
    assert verify(audit_log, KEY).signed == 3


def test_the_wrong_key_fails_on_the_first_entry(audit_log: Path) -> None:
    record(audit_log, 3, key=KEY)
    result = verify(audit_log, b"another key")
    assert (result.ok, result.first_bad) == (False, 1)
    assert result.problem is not None and "signature does not match" in result.problem


def test_without_the_key_the_chain_is_still_checked(audit_log: Path) -> None:
    record(audit_log, 3, key=KEY)
    result = verify(audit_log, None)
    assert result.ok
    assert result.notes == ("3 entries are signed; set ENVMAN_AUDIT_KEY to check the signatures",)
    write_lines(audit_log, lines(audit_log)[:1] + lines(audit_log)[2:])
    assert verify(audit_log, None).first_bad == 2


def test_a_changed_signature_is_caught(audit_log: Path) -> None:
    record(audit_log, 3, key=KEY)
    content = lines(audit_log)
    obj = json.loads(content[1])
    obj["sig"] = ("0" if obj["sig"][0] != "0" else "1") + obj["sig"][1:]
    write_lines(audit_log, [content[0], json.dumps(obj), content[2]])
    result = verify(audit_log, KEY)
    assert result.first_bad == 2
    assert result.problem is not None and "signature does not match" in result.problem


def test_a_forger_without_the_key_cannot_append(audit_log: Path) -> None:
    record(audit_log, 2, key=KEY)
    last = json.loads(lines(audit_log)[-1])
    forged = reseal(last | {"prev": last["hash"], "id": "a-x", "reason": "forged"}, b"guess")
    write_lines(audit_log, [*lines(audit_log), forged])
    assert verify(audit_log, None).ok  # a well-formed unsigned chain: why the key matters
    assert verify(audit_log, KEY).first_bad == 3


def test_unsigned_entries_fail_when_a_key_is_given(audit_log: Path) -> None:
    record(audit_log, 2)
    result = verify(audit_log, KEY)
    assert result.first_bad == 1
    assert result.problem == "entry is not signed, but a key was given"


# --------------------------------------------------------------------------- property


@pytest.fixture(scope="module")
def chains(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, list[str]]:
    """An 8-entry chain, signed (True) and unsigned (False), as lines."""
    result = {}
    for signed in (True, False):
        log = tmp_path_factory.mktemp("chain") / "audit.jsonl"
        record(log, 8, key=KEY if signed else None)
        result[signed] = lines(log)
    return result


def _different(field: str, value: Any) -> Any:
    if field == "time":
        return (datetime.fromisoformat(value) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    if field in ("hash", "prev", "sig"):
        return ("0" if value[0] != "0" else "1") + value[1:]
    if isinstance(value, bool):
        return not value
    if isinstance(value, str):
        return value + "x"
    if isinstance(value, list):
        return [*value, "x"]
    if isinstance(value, dict):
        return {key: _different(key, item) for key, item in value.items()}
    return "x" if value is None else value + 1


@settings(max_examples=examples(2))  # cheap, and many kinds of mutation to cover
@given(data=st.data())
def test_any_single_mutation_is_detected(
    chains: dict[bool, list[str]], tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    signed = data.draw(st.booleans(), label="signed")
    chain = list(chains[signed][: data.draw(st.integers(1, 8), label="length")])
    n = len(chain)
    kind = data.draw(st.sampled_from(["edit", "remove", "swap", "insert", "duplicate"]))
    index = st.integers(0, n - 1)
    if kind == "edit":
        i = data.draw(index)
        obj = json.loads(chain[i])
        field = data.draw(st.sampled_from(sorted(obj)), label="field")
        chain[i] = json.dumps(obj | {field: _different(field, obj[field])})
    elif kind == "remove":
        # Removing the newest entries leaves a valid chain; only git or a pinned head shows it.
        if n < 2:
            return
        del chain[data.draw(st.integers(0, n - 2))]
    elif kind == "swap":
        if n < 2:
            return
        i, j = data.draw(st.lists(index, min_size=2, max_size=2, unique=True))
        chain[i], chain[j] = chain[j], chain[i]
    elif kind == "insert":
        # The strongest forger without the key: own hash right, prev linked to its predecessor.
        # Unsigned, a forged entry appended at the end is undetectable, so insert before it.
        at = data.draw(st.integers(0, n if signed else n - 1), label="at")
        template = json.loads(chain[data.draw(index, label="template")])
        prev = json.loads(chain[at - 1])["hash"] if at else GENESIS
        forged = template | {"prev": prev, "reason": "forged", "id": "a-forged"}
        chain.insert(at, reseal(forged, b"not the key" if signed else None))
    else:
        chain.insert(data.draw(st.integers(0, n), label="at"), chain[data.draw(index)])
    log = tmp_path_factory.getbasetemp() / "mutated.jsonl"
    write_lines(log, chain)
    assert not verify(log, KEY if signed else None).ok


# --------------------------------------------------------------------------- long logs


def test_verify_follows_a_long_chain_across_read_chunks(tmp_path: Path) -> None:
    """Hundreds of entries, several 64 KiB reads: counted, chained, a late break located.

    How fast 10,000 entries verify is measured by bench/audit_verify.py, not here.
    """
    log = tmp_path / "audit.jsonl"
    record(log, 1, key=KEY)
    template = {k: v for k, v in json.loads(lines(log)[0]).items() if k not in ("hash", "sig")}
    content, prev = [], GENESIS
    for i in range(400):
        body = template | {"id": f"a-20240501120000-{i:06x}", "prev": prev}
        payload = canonical_bytes(body)
        prev = hashlib.sha256(payload).hexdigest()
        sig = hmac.new(KEY, payload, "sha256").hexdigest()
        content.append(json.dumps(body | {"hash": prev, "sig": sig}))
    assert sum(len(line) + 1 for line in content) > 3 * 64 * 1024
    write_lines(log, content)
    result = verify(log, KEY)
    assert (result.ok, result.count, result.head) == (True, 400, prev)
    content[350] = content[350].replace('"reason":', '"reason": "edited", "was":')
    write_lines(log, content)
    broken = verify(log, KEY)
    assert not broken.ok and broken.first_bad == 351


# --------------------------------------------------------------------------- query and find


def test_query_filters_by_env_time_and_action(audit_log: Path) -> None:
    entries = record(audit_log, 6)  # minutes 0..5; dev→staging on even, staging→prod on odd
    assert query(entries) == entries
    assert query(entries, env="production") == entries[1::2]
    assert query(entries, env="staging") == entries
    assert query(entries, env="development") == entries[0::2]
    assert query(entries, since=START + timedelta(minutes=4)) == entries[4:]
    assert query(entries, since=datetime(2024, 5, 1, 12, 4)) == entries[4:]  # naive is UTC
    assert query(entries, action="rollback") == [entries[0], entries[3]]
    assert query(entries, env="production", action="rollback") == [entries[3]]
    assert query(entries, env="qa") == []


def test_find_by_id_or_unique_prefix(audit_log: Path) -> None:
    entries = record(audit_log, 3)
    assert find(entries, entries[1].id) == entries[1]
    assert find(entries, entries[2].id[:-3]) == entries[2]
    with pytest.raises(UsageError, match="matches 3 audit entries"):
        find(entries, "a-2024")
    with pytest.raises(UsageError, match="no audit entry"):
        find(entries, "a-1999")
    with pytest.raises(UsageError, match="no audit entry"):
        find(entries, "")


# --------------------------------------------------------------------------- the cost of a line


def test_verify_builds_no_entry_and_hashes_each_line_once(
    audit_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each line is checked as plain JSON data: no AuditEntry, one SHA-256 (one HMAC)."""
    record(audit_log, 20, key=KEY)
    built: list[object] = []
    hashed: list[bytes] = []
    signed: list[bytes] = []

    def no_entry(*args: object, **kwargs: object) -> object:
        built.append(args)
        raise AssertionError("verify built an AuditEntry")

    def sha256(data: bytes) -> Any:
        hashed.append(data)
        return hashlib.sha256(data)

    def hmac_new(key: bytes, data: bytes, digest: str) -> Any:
        signed.append(data)
        return hmac.new(key, data, digest)

    entry_module = importlib.import_module("envman.audit.entry")
    verify_module = importlib.import_module("envman.audit.verify")  # `verify` is the function
    monkeypatch.setattr(entry_module, "AuditEntry", no_entry)
    monkeypatch.setattr(verify_module, "hashlib", SimpleNamespace(sha256=sha256))
    monkeypatch.setattr(
        verify_module, "hmac", SimpleNamespace(new=hmac_new, compare_digest=hmac.compare_digest)
    )
    result = verify(audit_log, KEY)
    assert (result.ok, result.count, result.signed) == (True, 20, 20)
    assert (built, len(hashed), len(signed)) == ([], 20, 20)


def test_a_duplicate_key_in_a_line_written_as_envman_writes_is_refused(audit_log: Path) -> None:
    """The quick reading of a line in envman's own format still refuses a key given twice."""
    record(audit_log, 3)
    content = lines(audit_log)
    assert content[1].startswith('{"id":') and ", " not in content[1][:40]  # envman's format
    content[1] = content[1].replace('"reason":', '"reason":"first","reason":', 1)
    write_lines(audit_log, content)
    result = verify(audit_log, None)
    assert result.first_bad == 2
    assert result.problem == "malformed entry: duplicate key 'reason'"


# --------------------------------------------------------------------------- the quick reading

_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=examples(2))
@given(before=_JSON_VALUES, after=_JSON_VALUES, reason=st.text(), data=_JSON_VALUES)
def test_the_quick_reading_agrees_with_the_exact_one(
    before: Any, after: Any, reason: str, data: Any
) -> None:
    """A line as envman writes it is read quickly or not at all: never with another body
    than the exact reading's (floats, big integers, escapes, any Unicode). (verify would
    still take the exact reading if it were: it trusts a quick body only when the hash holds.)"""
    from envman.audit.entry import _checked_line
    from envman.audit.quick import quick_line

    body: dict[str, Any] = {
        "id": "a-1", "time": "2026-01-01T00:00:00Z", "actor": "me", "action": "promote",
        "source": "staging", "target": "production", "reason": reason, "flags": [],
        "changes": [{"path": "vars.X", "before": before, "after": after}],
        "data": {"extra": data}, "git": {"commit": None, "branch": None, "dirty": None},
        "ci": {"provider": None, "run_url": None}, "version": "0.1.0", "prev": GENESIS,
    }  # fmt: skip
    try:
        payload = canonical_bytes(body)
    except ValueError:  # a lone surrogate: envman refuses to record it at all
        return
    sealed = {**body, "hash": hashlib.sha256(payload).hexdigest()}
    sealed["sig"] = hmac.new(KEY, payload, "sha256").hexdigest()
    raw = json.dumps(sealed, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    exact = _checked_line(raw)
    assert exact[1] == payload
    quick = quick_line(raw)
    assert quick is None or quick == (exact[0], payload)


@settings(max_examples=examples(4))
@given(
    key=st.sampled_from(
        ["id", "time", "actor", "action", "source", "target", "reason", "flags", "changes",
         "data", "git", "ci", "version", "prev", "hash", "sig", "extra"]
    ),
    value=_JSON_VALUES,
)  # fmt: skip
def test_the_shape_schema_is_never_looser_than_the_shape_check(key: str, value: Any) -> None:
    """What the compiled schema of envman.audit.quick accepts, the exact check accepts."""
    from envman.audit.entry import _check_shape, _Malformed
    from envman.audit.quick import _shape

    obj: dict[str, Any] = {
        "id": "a-1", "time": "2026-01-01T00:00:00Z", "actor": "me", "action": "promote",
        "source": None, "target": None, "reason": None, "flags": [], "changes": [],
        "git": {"commit": None, "branch": None, "dirty": None},
        "ci": {"provider": None, "run_url": None}, "version": "0.1.0", "prev": GENESIS,
        "hash": GENESIS,
    }  # fmt: skip
    obj[key] = value
    if _shape().is_valid(obj):
        try:
            _check_shape(obj)
        except _Malformed as e:
            assert "`time`" in str(e), e  # a real date is checked after the schema, in quick_line


def test_a_log_of_floats_verifies(audit_log: Path) -> None:
    """orjson writes 1e16 where json writes 1e+16: such lines take the exact reading."""
    record(audit_log, 2)
    content = lines(audit_log)
    obj = json.loads(content[1])
    obj["changes"] = [{"path": "vars.X", "before": 1e16, "after": 0.1}]
    obj["prev"] = json.loads(content[0])["hash"]
    content[1] = reseal(obj)
    write_lines(audit_log, content)
    result = verify(audit_log, None)
    assert (result.ok, result.count) == (True, 2), result.problem
