"""The files envman owns in a project: every path it writes is confined to them first.

envman writes only what it owns: each environment's own file named by envman.toml, the
wrangler file, the audit log, and its state under `.envman/`. A path that comes from
data (an audit entry, a transaction journal, a plan) is confined before it is used:
relative, without `..`, one of those names, and, with symlinks followed, still one of
them, inside the project root and outside `.git/`. Anything else is refused with
UnsafePathError (exit 3), naming where the path came from.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from envman.errors import UnsafePathError

STATE_DIR = ".envman"
"""envman's own folder in a project: audit log (by default), lock, transactions, state."""
_HINT = "envman writes only the environment files, the wrangler file and .envman/; "
_HINT += "the path came from the data named above: check it, and restore it from git history"


@dataclass(frozen=True)
class Owned:
    """The project root (resolved) and the names, relative to it, of the files envman writes.

    Every file under `.envman/` is owned too (envman's own state).
    """

    root: Path
    files: frozenset[str]
    given: Path | None = None
    """The root as the caller spelt it, to accept absolute paths built on it."""

    @classmethod
    def of(cls, root: Path, files: Iterable[str | Path]) -> Owned:
        """The owned set of `root`: `files` (relative or under root) plus `.envman/`.

        A name that is absolute outside `root`, or climbs out with `..`, is not owned:
        writing it is refused later, where the message can say which write it was.
        """
        real, given = Path(os.path.realpath(root)), root.absolute()
        names = set()
        for file in files:
            name = _relative(file, real, given)
            normal = _normal(name) if name is not None else None
            if normal is not None:
                names.add(normal)
        return cls(real, frozenset(names), given)

    def owns(self, name: str) -> bool:
        """Whether the normalised relative `name` is one of the files envman writes."""
        return name in self.files or name.startswith(STATE_DIR + "/")

    def confine(self, path: str | Path, *, source: str) -> Path:
        """The real path to write for `path`, or UnsafePathError saying why not and whence."""
        raw = _relative(path, self.root, self.given)
        if raw is None:
            raise UnsafePathError(
                f"{source}: {str(path)!r} is an absolute path outside the project", hint=_HINT
            )
        name = _normal(raw)
        if name is None:
            raise UnsafePathError(
                f"{source}: {raw!r} is not a plain relative path inside the project "
                "(empty, `..`, or a NUL byte)",
                hint=_HINT,
            )
        if not self.owns(name):
            raise UnsafePathError(
                f"{source}: {name!r} is not a file envman writes "
                f"(it writes {', '.join(sorted(self.files))} and .envman/)",
                hint=_HINT,
            )
        real = Path(os.path.realpath(self.root / name))
        try:
            actual = real.relative_to(self.root).as_posix()
        except ValueError:
            raise UnsafePathError(
                f"{source}: {name!r} leads outside the project (to {real}) through a symbolic link",
                hint=_HINT,
            ) from None
        if actual == ".git" or actual.startswith(".git/"):
            raise UnsafePathError(f"{source}: {name!r} leads into .git/ ({actual})", hint=_HINT)
        if not self.owns(actual):
            raise UnsafePathError(
                f"{source}: {name!r} is a symbolic link to {actual}, which envman does not write",
                hint=_HINT,
            )
        return real

    def state(self, *parts: str, source: str = "envman") -> Path:
        """The real path of `.envman/<parts>`, confined like any other write."""
        return self.confine("/".join((STATE_DIR, *parts)), source=source)


def state_path(root: Path, *parts: str) -> Path:
    """`.envman/<parts>` of `root`, confined: for writers that need no other owned file."""
    return Owned.of(root, ()).state(*parts)


def _relative(path: str | Path, root: Path, given: Path | None) -> str | None:
    """`path` relative to the project root, or None when it is absolute and outside it."""
    if not Path(path).is_absolute():
        return os.fspath(path)
    for base in (root, given):
        if base is None:
            continue
        try:
            return Path(path).relative_to(base).as_posix()
        except ValueError:
            continue
    return None


def _normal(name: str) -> str | None:
    """`name` without `.` parts, or None when it is empty, climbs with `..` or holds NUL."""
    if not name or "\0" in name:
        return None
    parts = PurePosixPath(name).parts
    if not parts or ".." in parts or PurePosixPath(name).is_absolute():
        return None
    return PurePosixPath(*parts).as_posix()
