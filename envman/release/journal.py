"""Write-ahead journals of file transactions: written before any file, recovered after a crash.

A transaction lives in `.envman/transactions/<id>/`: a copy of each file's text before
(`<i>.txt`) and after (`<i>.next.txt`), then `manifest.json`, the journal (version 2):

    {"version": 2, "id": "<16 hex>", "state": "pending" | "committed",
     "files": {"environments/production.toml":
               {"before": "<sha256>", "after": "<sha256>", "backup": "0.txt", "next": "0.next.txt"}},
     "entry_id": "a-20240501120000-1a2b3c", "entry": "<the audit line, exactly as appended>"}

Order of a transaction: copies, journal (`pending`: the intent is durable), each file
replaced, the audit line appended, journal marked `committed`. Recovery of a pending
journal, under the project lock (each step idempotent, so a recovery killed half way
is recovered in turn):

- a file that is neither its before nor its after text: refused (exit 3), nothing written;
- the audit log records the transaction, or some file already has its after text: roll
  forward (write the after copies, cut a torn last line that is the start of the entry
  and append the entry if absent, mark committed);
- no file changed yet and no entry: discard the journal (nothing was written).

Every path in a journal is confined to what envman owns (`owned.Owned`) before use; a
journal that is malformed or points elsewhere is refused with exit 3, never followed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envman.errors import EnvmanError, InputError, UnsafePathError
from envman.files import atomic_write, present, read_bytes
from envman.release.owned import STATE_DIR, Owned

if TYPE_CHECKING:  # the audit log is read and written only when a transaction is recovered
    from envman import audit

TRANSACTIONS = "transactions"
MANIFEST = "manifest.json"
VERSION = 2
TXID = re.compile(r"[0-9a-f]{16}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_COPY = re.compile(r"[0-9]{1,6}\.(next\.)?txt")

_hook: Callable[[str], None] | None = None


def set_boundary_hook(hook: Callable[[str], None] | None) -> None:
    """Call `hook(name)` at each step boundary of a transaction and of recovery (tests only).

    Names: `copies`, `intent`, `file:<i>`, `entry`, `committed`, and in recovery
    `recover:file:<i>`, `recover:entry`. A test kills its process from the hook to
    leave exactly that state behind.
    """
    global _hook
    _hook = hook


def boundary(name: str) -> None:
    """A step of a transaction is complete and durable: the test hook may act here."""
    if _hook is not None:
        _hook(name)


@dataclass(frozen=True)
class FileChange:
    """One file's text before and after; `name` is its path relative to the project root."""

    name: str
    before: str
    after: str


@dataclass(frozen=True)
class Record:
    """One file of a journal: digests of its texts and the names of their copies."""

    name: str
    before: str
    after: str
    backup: str
    next: str | None


@dataclass(frozen=True)
class Journal:
    """A transaction's journal as read back (or about to be written)."""

    id: str
    state: str
    files: tuple[Record, ...]
    entry: audit.Sealed | None
    """The audit entry it appends; None in a version 1 journal (undo only)."""
    version: int = VERSION

    def to_json(self) -> dict[str, Any]:
        files = {
            r.name: {"before": r.before, "after": r.after, "backup": r.backup} for r in self.files
        }
        for r in self.files:
            if r.next is not None:
                files[r.name]["next"] = r.next
        obj: dict[str, Any] = {
            "version": self.version,
            "id": self.id,
            "state": self.state,
            "files": files,
        }
        if self.entry is not None:
            obj |= {"entry_id": self.entry.entry.id, "entry": self.entry.line.decode()}
        return obj


def sha256(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- writing


def begin(owned: Owned, txid: str, changes: Sequence[FileChange], entry: audit.Sealed) -> Journal:
    """Write the copies, then the pending journal: from here on recovery can roll forward."""
    source = f"transaction {txid}"
    folder = owned.state(TRANSACTIONS, txid, source=source)
    folder.mkdir(parents=True)
    records = []
    for i, change in enumerate(changes):
        owned.confine(change.name, source=source)
        atomic_write(folder / f"{i}.txt", change.before)
        atomic_write(folder / f"{i}.next.txt", change.after)
        records.append(
            Record(
                change.name,
                sha256(change.before),
                sha256(change.after),
                f"{i}.txt",
                f"{i}.next.txt",
            )
        )
    boundary("copies")
    journal = Journal(txid, "pending", tuple(records), entry)
    _write(owned, journal)
    boundary("intent")
    return journal


def mark_committed(owned: Owned, journal: Journal) -> None:
    _write(owned, replace(journal, state="committed"))


def undo(owned: Owned, journal: Journal) -> None:
    """Put back every file that already has its after text, then forget the transaction."""
    for record in journal.files:
        path = owned.confine(record.name, source=f"transaction {journal.id}")
        if _digest(path) == record.after:
            atomic_write(path, read_copy(owned, journal, record.backup, record.before))
    discard(owned, journal.id)


def discard(owned: Owned, txid: str) -> None:
    shutil.rmtree(owned.state(TRANSACTIONS, txid, source=f"transaction {txid}"))


def _write(owned: Owned, journal: Journal) -> None:
    text = json.dumps(journal.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write(owned.state(TRANSACTIONS, journal.id, MANIFEST), text)


# --------------------------------------------------------------------------- reading


def load(owned: Owned, txid: str) -> Journal | None:
    """The journal of transaction `txid`; None when there is none (or it never began)."""
    found = _read(owned, txid)
    return None if found is None else _parse(owned, txid, *found)


def _read(owned: Owned, txid: str) -> tuple[Any, str] | None:
    """The manifest's JSON and its name for messages; None when it does not exist."""
    where = f"{STATE_DIR}/{TRANSACTIONS}/{txid}/{MANIFEST}"
    path = owned.state(TRANSACTIONS, txid, MANIFEST, source=where)
    if not present(path):
        return None
    try:
        return json.loads(read_bytes(path, where)), where
    except (ValueError, RecursionError) as e:
        raise InputError(f"malformed transaction journal: {e}", file=where, hint=_HINT) from e


_HINT = (
    "envman never follows a journal it cannot check: compare the files with the copies in "
    "that folder (<i>.txt before, <i>.next.txt after), fix them, then delete the folder"
)


def _parse(owned: Owned, txid: str, obj: Any, where: str) -> Journal:
    def bad(message: str) -> InputError:
        return InputError(f"malformed transaction journal: {message}", file=where, hint=_HINT)

    if not isinstance(obj, dict):
        raise bad("not a JSON object")
    if obj.get("id") != txid:
        raise bad(f"its id {obj.get('id')!r} is not its folder's name")
    if obj.get("state") not in ("pending", "committed"):
        raise bad(f"unknown state {obj.get('state')!r}")
    version = obj.get("version", 1)
    if version not in (1, VERSION):
        raise bad(f"version {version!r} (written by a newer envman?)")
    files = obj.get("files")
    if not isinstance(files, dict):
        raise bad("`files` is not an object")
    records = []
    for name, info in files.items():
        owned.confine(name, source=where)
        if not isinstance(info, dict):
            raise bad(f"the record of {name} is not an object")
        digests = [info.get("before"), info.get("after")]
        if not all(isinstance(d, str) and _HEX64.fullmatch(d) for d in digests):
            raise bad(f"the digests of {name} are not SHA-256")
        copies = (
            [info.get("backup"), info.get("next")] if version == VERSION else [info.get("backup")]
        )
        if not all(isinstance(c, str) and _COPY.fullmatch(c) for c in copies):
            raise bad(f"the copies of {name} are not named like <i>.txt and <i>.next.txt")
        records.append(
            Record(name, info["before"], info["after"], info["backup"], info.get("next"))
        )
    entry = None
    if version == VERSION:
        from envman import audit

        line = obj.get("entry")
        if not isinstance(line, str):
            raise bad("`entry` is not the audit line")
        try:
            entry = audit.parse_sealed(line.encode("utf-8"))
        except (EnvmanError, UnicodeEncodeError) as e:
            raise bad(str(e)) from e
        data = entry.entry.data or {}
        if data.get("transaction") != txid or obj.get("entry_id") != entry.entry.id:
            raise bad("its audit entry records another transaction")
    return Journal(txid, obj["state"], tuple(records), entry, version)


def _digest(path: Path) -> str:
    """The SHA-256 of a file's bytes; of "" when it does not exist (a file the change creates)."""
    if not present(path):
        return sha256(b"")
    return sha256(read_bytes(path))


def read_copy(owned: Owned, journal: Journal, name: str, digest: str) -> str:
    where = f"{STATE_DIR}/{TRANSACTIONS}/{journal.id}/{name}"
    raw = read_bytes(owned.state(TRANSACTIONS, journal.id, name, source=where), where)
    if sha256(raw) != digest:
        raise InputError(
            "the copy does not match the digest its journal recorded", file=where, hint=_HINT
        )
    return raw.decode("utf-8")


# --------------------------------------------------------------------------- recovery


def pending(root: Path) -> bool:
    """Whether recovery has anything to do in `root`: cheap, no lock, nothing written."""
    try:
        children = list(os.scandir(root / STATE_DIR / TRANSACTIONS))
    except OSError:
        return False
    for child in children:
        if not TXID.fullmatch(child.name) or not (child.is_dir() or child.is_symlink()):
            continue
        try:
            obj = json.loads(Path(child.path, MANIFEST).read_bytes())
        except (OSError, ValueError, RecursionError):
            return True  # begun and never journaled, or malformed: recovery deals with it
        if not isinstance(obj, dict) or obj.get("state") != "committed":
            return True
    return False


def recover(owned: Owned, log: Path) -> list[str]:
    """Finish or discard every interrupted transaction; what was done, one line each.

    Must run under the project lock. Refuses (exit 3) a journal it cannot follow safely.
    """
    base = owned.state(TRANSACTIONS)
    if not base.is_dir():
        return []
    done: list[str] = []
    for folder in sorted(base.iterdir()):
        if not TXID.fullmatch(folder.name):
            continue  # not a transaction envman wrote: never followed
        if folder.is_symlink():
            raise UnsafePathError(
                f"{STATE_DIR}/{TRANSACTIONS}/{folder.name} is a symbolic link, not a transaction",
                hint="remove it; envman keeps its transactions in real folders",
            )
        if not folder.is_dir():
            continue
        found = _read(owned, folder.name)
        if found is None:  # interrupted before its journal was written: nothing was touched
            discard(owned, folder.name)
            done.append(
                f"recovered: removed transaction {folder.name}, interrupted before it changed anything"
            )
        elif not (isinstance(found[0], dict) and found[0].get("state") == "committed"):
            done.append(_recover(owned, log, _parse(owned, folder.name, *found)))
    return done


def _recover(owned: Owned, log: Path, journal: Journal) -> str:
    from envman import audit

    source = f"transaction {journal.id}"
    paths = [owned.confine(r.name, source=source) for r in journal.files]
    states = []
    for record, path in zip(journal.files, paths, strict=True):
        digest = _digest(path)
        states.append(
            "before" if digest == record.before else "after" if digest == record.after else ""
        )
    what = journal.entry.entry.action if journal.entry else "change"
    changed = [r.name for r, s in zip(journal.files, states, strict=True) if not s]
    if changed:
        raise InputError(
            f"an interrupted {what} ({source}) can be neither finished nor undone: "
            f"{', '.join(changed)} changed since (neither its old nor its new text)",
            file=f"{STATE_DIR}/{TRANSACTIONS}/{journal.id}/{MANIFEST}",
            hint=_HINT,
        )
    logged = audit.recorded(log, journal.id)
    if journal.entry is None:  # version 1: the entry was not journaled, so only undo
        if logged:
            mark_committed(owned, journal)
            return f"recovered: finished an interrupted {what} ({source}, audit entry {logged})"
        undo(owned, journal)
        return f"recovered: undid an interrupted {what} ({source})"
    if not logged and "after" not in states:
        discard(owned, journal.id)
        return f"recovered: discarded an interrupted {what} ({source}) that had changed nothing"
    written = 0
    for i, (record, path, state) in enumerate(zip(journal.files, paths, states, strict=True)):
        if state == "before":
            atomic_write(path, read_copy(owned, journal, record.next or "", record.after))
            written += 1
            boundary(f"recover:file:{i}")
    if not logged:
        audit_log = owned.confine(log, source="the audit log")
        audit.complete_torn_tail(audit_log, journal.entry.line)
        audit.write(audit_log, journal.entry)
        boundary("recover:entry")
    mark_committed(owned, journal)
    entry = journal.entry.entry.id
    return (
        f"recovered: finished an interrupted {what} ({source}): wrote {written} of "
        f"{len(paths)} files, audit entry {entry} {'was already' if logged else 'now'} recorded"
    )
