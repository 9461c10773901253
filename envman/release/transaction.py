"""Writes a set of file changes atomically under the project lock, with backups and recovery.

A change is a transaction in `.envman/transactions/<id>/`: a manifest and the text of
every file before the change. Files are replaced one by one (each with an atomic
rename), then the audit entry is appended, then the manifest is marked committed.
If the audit entry cannot be written, the files are put back. If the process dies
half way (SIGKILL, power loss), the next envman command that takes the lock finds
the pending manifest: when the audit log holds the transaction's entry it is rolled
forward (marked committed), otherwise every file is restored from the backup. So
each file is always wholly old or wholly new, and the files agree with the log.
Committed backups let `envman rollback` restore the last promotion byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envman.errors import AuditError, EnvmanError
from envman.files import atomic_write, project_lock

STATE_DIR = ".envman"
TRANSACTIONS = "transactions"
GITIGNORE = "lock\ntransactions/\n"


@dataclass(frozen=True)
class FileChange:
    """One file's text before and after; `name` is its path relative to the project root."""

    name: str
    before: str
    after: str


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@contextmanager
def locked(root: Path, *, log: Path, wait: float = 30.0) -> Iterator[None]:
    """Hold the project lock, after finishing or undoing any interrupted transaction."""
    _ignore_file(root)
    with project_lock(root, wait=wait):
        recover(root, log=log)
        yield


def commit(
    root: Path,
    changes: list[FileChange],
    *,
    write_entry: Callable[[dict[str, Any]], str],
) -> str:
    """Apply `changes`, then `write_entry(data)` (returns the audit entry id); all or nothing.

    Must be called inside `locked()`. `data` holds the transaction id and the files'
    hashes, for the audit entry. Returns the audit entry id.
    """
    txid = secrets.token_hex(8)
    folder = root / STATE_DIR / TRANSACTIONS / txid
    folder.mkdir(parents=True)
    files = {
        change.name: {
            "before": sha256(change.before),
            "after": sha256(change.after),
            "backup": f"{i}.txt",
        }
        for i, change in enumerate(changes)
    }
    for change in changes:
        atomic_write(folder / str(files[change.name]["backup"]), change.before)
    _write_manifest(folder, {"id": txid, "state": "pending", "files": files})
    data = {
        "transaction": txid,
        "files": {n: {"before": f["before"], "after": f["after"]} for n, f in files.items()},
    }
    try:
        for change in changes:
            atomic_write(root / change.name, change.after)
        entry_id = write_entry(data)
    except BaseException as e:
        _restore(root, folder, files)
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(e, EnvmanError):
            raise
        if isinstance(e, OSError):
            raise AuditError(f"could not write the change, nothing was changed: {e}") from e
        raise
    _write_manifest(folder, {"id": txid, "state": "committed", "entry": entry_id, "files": files})
    return entry_id


def recover(root: Path, *, log: Path) -> list[str]:
    """Finish or undo interrupted transactions; returns what was done, one line each."""
    base = root / STATE_DIR / TRANSACTIONS
    if not base.is_dir():
        return []
    done: list[str] = []
    logged = _logged_transactions(log)
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        manifest = _read_manifest(folder)
        if manifest is None:
            shutil.rmtree(folder, ignore_errors=True)
            continue
        if manifest.get("state") == "committed":
            continue
        if manifest.get("id") in logged:
            manifest["state"] = "committed"
            manifest["entry"] = logged[manifest["id"]]
            _write_manifest(folder, manifest)
            done.append(f"finished interrupted transaction {manifest['id']}")
        else:
            _restore(root, folder, manifest.get("files", {}))
            shutil.rmtree(folder, ignore_errors=True)
            done.append(f"undid interrupted transaction {manifest.get('id')}")
    return done


def backup_of(root: Path, txid: str) -> dict[str, tuple[str, str, str]] | None:
    """name -> (before text, before sha, after sha) of a committed transaction, if kept."""
    folder = root / STATE_DIR / TRANSACTIONS / txid
    manifest = _read_manifest(folder)
    if manifest is None or manifest.get("state") != "committed":
        return None
    result: dict[str, tuple[str, str, str]] = {}
    for name, info in manifest.get("files", {}).items():
        path = folder / str(info["backup"])
        if not path.is_file():
            return None
        result[name] = (path.read_text(encoding="utf-8"), info["before"], info["after"])
    return result


def _restore(root: Path, folder: Path, files: dict[str, Any]) -> None:
    for name, info in files.items():
        backup = folder / str(info["backup"])
        if not backup.is_file():
            continue
        text = backup.read_text(encoding="utf-8")
        target = root / name
        current = target.read_text(encoding="utf-8") if target.is_file() else None
        if current != text:
            atomic_write(target, text)


def _logged_transactions(log: Path) -> dict[str, str]:
    """transaction id -> audit entry id, for every entry that records one."""
    if not log.is_file():
        return {}
    found: dict[str, str] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        data = entry.get("data") if isinstance(entry, dict) else None
        if isinstance(data, dict) and isinstance(data.get("transaction"), str):
            found[data["transaction"]] = str(entry.get("id"))
    return found


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    atomic_write(folder / "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _ignore_file(root: Path) -> None:
    """Keep the lock and the backups out of git; the audit log is meant to be committed."""
    path = root / STATE_DIR / ".gitignore"
    if not path.exists():
        atomic_write(path, GITIGNORE)
