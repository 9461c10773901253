"""Writes file changes and their audit entry as one journaled transaction, under the project lock.

`commit` journals the intent (both texts of every file and the exact audit line) before
it touches a file (see `journal`), so whatever moment a process dies at, the next
envman command finishes the change with its entry or finds nothing changed: each file
is wholly old or wholly new, and the files agree with the log. Every path written is
confined to the files envman owns (`owned.Owned`). Committed transactions keep their
copies, so `envman rollback` can restore the last promotion byte for byte.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envman.errors import AuditError, EnvmanError, UnsafePathError
from envman.files import atomic_write, present, project_lock
from envman.release import journal
from envman.release.journal import TXID, FileChange, sha256
from envman.release.owned import Owned

if TYPE_CHECKING:  # the audit log is written only when a transaction commits (see commit)
    from envman import audit

GITIGNORE = "lock\ntransactions/\n"


@contextmanager
def locked(
    root: Path, *, log: Path, owned: Owned | None = None, wait: float = 30.0
) -> Iterator[list[str]]:
    """Hold the project lock, after finishing or undoing any interrupted transaction.

    Yields what recovery did, one line each. `owned` defaults to `.envman/` and `log`
    only: a journal naming any other file is then refused rather than followed.
    """
    owned = owned or Owned.of(root, [log])
    _ignore_file(owned)
    with project_lock(root, wait=wait):
        yield journal.recover(owned, log)


def reading(root: Path, *, wait: float = 30.0) -> AbstractContextManager[bool]:
    """Hold the project lock shared while reading files a transaction may be replacing.

    A reader then sees every file as it was before a transaction or after it, never a
    mix. Yields False when the project has no lock file yet (nothing was ever written).
    """
    return project_lock(root, wait=wait, shared=True)


def commit(
    owned: Owned,
    changes: Sequence[FileChange],
    *,
    log: Path,
    entry: Callable[[dict[str, Any]], audit.Sealed],
) -> audit.AuditEntry:
    """Apply `changes` and append the entry `entry(data)` seals; all or nothing.

    Must be called inside `locked()`. `data` holds the transaction id and the files'
    sha256 before and after, for the entry. If a file or the entry cannot be written,
    the files are put back and the error raised; if the process dies, recovery finishes.
    """
    from envman import audit  # here: a command that only reads never loads the audit code

    txid = secrets.token_hex(8)
    data = {
        "transaction": txid,
        "files": {c.name: {"before": sha256(c.before), "after": sha256(c.after)} for c in changes},
    }
    paths = [owned.confine(c.name, source=f"transaction {txid}") for c in changes]
    audit_log = owned.confine(log, source="the audit log")
    sealed = entry(data)
    intent = journal.begin(owned, txid, changes, sealed)
    try:
        for i, (change, path) in enumerate(zip(changes, paths, strict=True)):
            atomic_write(path, change.after)
            journal.boundary(f"file:{i}")
        audit.write(audit_log, sealed)
        journal.boundary("entry")
    except BaseException as e:
        journal.undo(owned, intent)
        if isinstance(e, EnvmanError):
            raise
        if isinstance(e, OSError):
            raise AuditError(f"could not write the change, nothing was changed: {e}") from e
        raise
    journal.mark_committed(owned, intent)
    journal.boundary("committed")
    return sealed.entry


def backup_of(owned: Owned, txid: Any, *, source: str) -> dict[str, tuple[str, str, str]] | None:
    """name -> (before text, before sha, after sha) of a committed transaction, if kept.

    `txid` comes from an audit entry (`source` names it): anything but a transaction id
    is refused (UnsafePathError), as is a journal naming a file envman does not own.
    """
    if not isinstance(txid, str) or not TXID.fullmatch(txid):
        raise UnsafePathError(
            f"{source}: transaction {txid!r} is not a transaction id (16 hex digits)",
            hint="the entry was not written by envman: `envman audit verify`",
        )
    kept = journal.load(owned, txid)
    if kept is None or kept.state != "committed":
        return None
    result: dict[str, tuple[str, str, str]] = {}
    for record in kept.files:
        copy = owned.state("transactions", txid, record.backup, source=source)
        if not present(copy):
            return None
        text = journal.read_copy(owned, kept, record.backup, record.before)
        result[record.name] = (text, record.before, record.after)
    return result


def _ignore_file(owned: Owned) -> None:
    """Keep the lock, the backups and local state out of git; the audit log is committed."""
    path = owned.state(".gitignore")
    if not present(path):
        atomic_write(path, GITIGNORE)
