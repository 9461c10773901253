"""The write-ahead journal: stopped at every step boundary, recovery ends old or new, with its entry.

A transaction stopped by the boundary hook (with its in-process undo disabled) leaves on
disk exactly what a SIGKILL at that boundary leaves: every write before it is complete
and fsynced, nothing after it has begun. tests/acceptance/test_kill_promotion.py kills
real processes at the same boundaries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from envman import audit, release
from envman.errors import EnvmanError, ExitCode, InputError, UnsafePathError
from envman.release import FileChange, Owned, journal

FILES = ("environments/production.toml", "wrangler.toml")
LOG = ".envman/audit.jsonl"
BEFORE = {FILES[0]: 'LOG_LEVEL = "warn"\n', FILES[1]: '[env.production.vars]\nLOG_LEVEL = "warn"\n'}
AFTER = {FILES[0]: 'LOG_LEVEL = "info"\n', FILES[1]: '[env.production.vars]\nLOG_LEVEL = "info"\n'}
BOUNDARIES = ("copies", "intent", "file:0", "file:1", "entry", "committed")
ROLLED_FORWARD = {"file:0", "file:1", "entry", "committed"}


class Killed(BaseException):
    """Stands for SIGKILL at a boundary: nothing after it runs, not even the undo."""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name, text in BEFORE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


@pytest.fixture
def owned(root: Path) -> Owned:
    return Owned.of(root, [*FILES, LOG])


@pytest.fixture(autouse=True)
def no_hook() -> Iterator[None]:
    yield
    release.set_boundary_hook(None)


def kill_at(monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    monkeypatch.setattr(journal, "undo", lambda owned, intent: None)

    def hook(name: str) -> None:
        if name == step:
            raise Killed(name)

    release.set_boundary_hook(hook)


def seal(root: Path, data: dict[str, Any]) -> audit.Sealed:
    return audit.prepare(
        root / LOG,
        action="promote",
        source="staging",
        target="production",
        changes=[audit.Change("vars.LOG_LEVEL", "warn", "info")],
        reason="test",
        flags=[],
        context=audit.Context(actor="tester"),
        key=None,
        data=data,
    )


def promote(root: Path, owned: Owned) -> audit.AuditEntry:
    changes = [FileChange(name, BEFORE[name], AFTER[name]) for name in FILES]
    with release.locked(root, log=root / LOG, owned=owned):
        return release.commit(owned, changes, log=root / LOG, entry=lambda d: seal(root, d))


def texts(root: Path) -> dict[str, str]:
    return {name: (root / name).read_text() for name in FILES}


def entries(root: Path) -> list[dict[str, Any]]:
    path = root / LOG
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def assert_consistent(root: Path, *, applied: bool) -> None:
    """Files wholly old or new, exactly one entry iff new, the log verifies, nothing pending."""
    assert texts(root) == (AFTER if applied else BEFORE)
    assert len(entries(root)) == (1 if applied else 0)
    assert audit.verify(root / LOG, None).ok
    assert not release.pending(root)


@pytest.mark.parametrize("step", BOUNDARIES)
def test_stopped_at_each_boundary_recovery_ends_old_or_new(
    root: Path, owned: Owned, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    kill_at(monkeypatch, step)
    with pytest.raises(Killed):
        promote(root, owned)
    release.set_boundary_hook(None)
    assert release.pending(root) == (step != "committed")
    done = release.recover(owned, root / LOG)
    assert len(done) == (0 if step == "committed" else 1)
    assert_consistent(root, applied=step in ROLLED_FORWARD)
    assert release.recover(owned, root / LOG) == []  # idempotent: nothing left to do


def test_a_completed_transaction_keeps_its_backup(root: Path, owned: Owned) -> None:
    entry = promote(root, owned)
    assert_consistent(root, applied=True)
    backup = release.backup_of(owned, (entry.data or {})["transaction"], source="test")
    assert backup is not None
    assert {name: text for name, (text, _, _) in backup.items()} == BEFORE


def test_a_torn_audit_line_is_completed_from_the_journal(
    root: Path, owned: Owned, monkeypatch: pytest.MonkeyPatch
) -> None:
    kill_at(monkeypatch, "file:1")
    with pytest.raises(Killed):
        promote(root, owned)
    (folder,) = (root / ".envman/transactions").iterdir()
    line = json.loads((folder / "manifest.json").read_text())["entry"]
    with (root / LOG).open("a") as log:  # the kill tore the append half way
        log.write(line[: len(line) // 2])
    assert not audit.verify(root / LOG, None).ok
    (done,) = release.recover(owned, root / LOG)
    assert "now recorded" in done
    assert_consistent(root, applied=True)


def test_a_torn_line_the_journal_did_not_write_is_never_dropped(
    root: Path, owned: Owned, monkeypatch: pytest.MonkeyPatch
) -> None:
    kill_at(monkeypatch, "file:1")
    with pytest.raises(Killed):
        promote(root, owned)
    (root / LOG).write_text('{"id": "a-someone-else')
    with pytest.raises(EnvmanError, match="not the entry an interrupted transaction"):
        release.recover(owned, root / LOG)
    assert (root / LOG).read_text() == '{"id": "a-someone-else'


@pytest.mark.parametrize("step", ["recover:file:1", "recover:entry"])
def test_recovery_stopped_half_way_is_recovered_in_turn(
    root: Path, owned: Owned, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    kill_at(monkeypatch, "file:0")
    with pytest.raises(Killed):
        promote(root, owned)
    kill_at(monkeypatch, step)
    with pytest.raises(Killed):
        release.recover(owned, root / LOG)
    release.set_boundary_hook(None)
    release.recover(owned, root / LOG)
    assert_consistent(root, applied=True)


def test_a_file_edited_after_the_kill_stops_recovery(
    root: Path, owned: Owned, monkeypatch: pytest.MonkeyPatch
) -> None:
    kill_at(monkeypatch, "file:0")
    with pytest.raises(Killed):
        promote(root, owned)
    (root / FILES[1]).write_text("edited by hand\n")
    with pytest.raises(InputError, match=r"wrangler\.toml changed since") as caught:
        release.recover(owned, root / LOG)
    assert caught.value.exit_code == ExitCode.UNREADABLE
    assert (root / FILES[1]).read_text() == "edited by hand\n"
    assert entries(root) == []


# --------------------------------------------------------------------------- hostile journals


def pending_journal(root: Path, owned: Owned, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A journal stopped after its first file: the one recovery would roll forward."""
    kill_at(monkeypatch, "file:0")
    with pytest.raises(Killed):
        promote(root, owned)
    release.set_boundary_hook(None)
    (folder,) = (root / ".envman/transactions").iterdir()
    return folder


def rewrite(folder: Path, change: Any) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("name", "change", "error"),
    [
        ("not json", None, "malformed transaction journal"),
        (
            "a file outside the project",
            lambda m: m["files"].update({"../outside.txt": m["files"].pop(FILES[1])}),
            "not a plain relative path",
        ),
        (
            "a file in .git",
            lambda m: m["files"].update({".git/hooks/pre-commit": m["files"].pop(FILES[1])}),
            "not a file envman writes",
        ),
        (
            "an absolute path",
            lambda m: m["files"].update({"/tmp/evil": m["files"].pop(FILES[1])}),
            "absolute path outside the project",
        ),
        (
            "a copy named with a path",
            lambda m: m["files"][FILES[1]].update({"next": "../../../../etc/passwd"}),
            "copies of wrangler.toml",
        ),
        ("another id", lambda m: m.update({"id": "0" * 16}), "not its folder's name"),
        ("an entry of another transaction", lambda m: m.update({"entry": "{}"}), "entry"),
    ],
)
def test_a_journal_it_cannot_check_is_refused_never_followed(
    root: Path,
    owned: Owned,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    change: Any,
    error: str,
) -> None:
    folder = pending_journal(root, owned, monkeypatch)
    if change is None:
        (folder / "manifest.json").write_text("{not json")
    else:
        rewrite(folder, change)
    state = texts(root)
    with pytest.raises((InputError, UnsafePathError), match=error) as caught:
        release.recover(owned, root / LOG)
    assert caught.value.exit_code == ExitCode.UNREADABLE
    assert texts(root) == state and entries(root) == []
    assert not (root.parent / "outside.txt").exists()


def test_a_copy_that_is_a_symlink_out_of_the_project_is_never_read(
    root: Path, owned: Owned, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = pending_journal(root, owned, monkeypatch)
    secret = root.parent / "system-file"
    secret.write_text('LOG_LEVEL = "info"\n[env.production.vars]\nLOG_LEVEL = "info"\n')
    (folder / "1.next.txt").unlink()
    (folder / "1.next.txt").symlink_to(secret)
    with pytest.raises(UnsafePathError, match=r"1\.next\.txt"):
        release.recover(owned, root / LOG)
    assert (root / FILES[1]).read_text() == BEFORE[FILES[1]]


def test_a_copy_that_does_not_match_its_digest_is_refused(
    root: Path, owned: Owned, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = pending_journal(root, owned, monkeypatch)
    (folder / "1.next.txt").write_text("attacker's text\n")
    with pytest.raises(InputError, match="does not match the digest"):
        release.recover(owned, root / LOG)
    assert (root / FILES[1]).read_text() == BEFORE[FILES[1]]


def test_a_journal_folder_that_is_a_symlink_is_refused(root: Path, owned: Owned) -> None:
    (root / ".envman/transactions").mkdir(parents=True)
    (root / "elsewhere").mkdir()
    (root / ".envman/transactions/0123456789abcdef").symlink_to(root / "elsewhere")
    assert release.pending(root)
    with pytest.raises(UnsafePathError, match="symbolic link"):
        release.recover(owned, root / LOG)


def test_a_transaction_id_from_an_entry_must_be_one(owned: Owned) -> None:
    for txid in ("../../etc", "/tmp/x", "0123", 7):
        with pytest.raises(UnsafePathError, match="audit entry a-1"):
            release.backup_of(owned, txid, source="audit entry a-1")


@pytest.mark.parametrize("logged", [False, True])
def test_a_version_1_journal_is_finished_or_undone(root: Path, owned: Owned, logged: bool) -> None:
    """What an older envman left: copies of the old texts only, no journaled entry."""
    folder = root / ".envman/transactions/0123456789abcdef"
    folder.mkdir(parents=True)
    files = {}
    for i, name in enumerate(FILES):
        (folder / f"{i}.txt").write_text(BEFORE[name])
        (root / name).write_text(AFTER[name])
        files[name] = {
            "before": release.sha256(BEFORE[name]),
            "after": release.sha256(AFTER[name]),
            "backup": f"{i}.txt",
        }
    manifest = {"id": folder.name, "state": "pending", "files": files}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    if logged:
        audit.write(root / LOG, seal(root, {"transaction": folder.name}))
    (done,) = release.recover(owned, root / LOG)
    assert ("finished" if logged else "undid") in done
    assert_consistent(root, applied=logged)
    if logged:
        assert json.loads((folder / "manifest.json").read_text())["version"] == 1
        backup = release.backup_of(owned, folder.name, source="test")
        assert backup is not None and backup[FILES[0]][0] == BEFORE[FILES[0]]
