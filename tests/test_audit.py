"""Tests of the hash-chained audit log: append, read, verify, tampering, queries."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envman import __version__
from envman.audit import (
    GENESIS,
    AuditEntry,
    Change,
    append,
    find,
    fingerprint,
    key_from_environ,
    query,
    read_entries,
    verify,
)
from envman.audit.provenance import CIInfo, Context, GitInfo
from envman.errors import AuditError, UsageError

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


@pytest.fixture
def audit_log(tmp_path: Path) -> Path:
    return tmp_path / ".envman" / "audit.jsonl"


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


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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


# --------------------------------------------------------------------------- performance


def test_verify_streams_ten_thousand_entries_quickly(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    record(log, 1, key=KEY)
    template = {k: v for k, v in json.loads(lines(log)[0]).items() if k not in ("hash", "sig")}
    content, prev = [], GENESIS
    for i in range(10_000):
        body = template | {"id": f"a-20240501120000-{i:06x}", "prev": prev}
        payload = canonical_bytes(body)
        prev = hashlib.sha256(payload).hexdigest()
        sig = hmac.new(KEY, payload, "sha256").hexdigest()
        content.append(json.dumps(body | {"hash": prev, "sig": sig}))
    write_lines(log, content)
    result = verify(log, KEY)  # timed in bench/run.py, never here
    assert (result.ok, result.count, result.head) == (True, 10_000, prev)


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
