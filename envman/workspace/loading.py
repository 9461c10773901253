"""Loads envman.toml and the layered environment files (dynaconf) into located plain data.

Layering rule (docs/reference/configuration.md): `environments/base.toml`, when it exists, lies
under every `environments/<env>.toml`. Tables merge key by key (recursively); arrays
and scalars of the environment replace the base's whole. To remove an inherited key,
set it to the string `"@del"` in the environment file (dynaconf's delete token). The
string `"@none"` is a JSON null, which TOML cannot write (a JSON var of a wrangler.json
may hold one). Other dynaconf tokens (`@format`, `@read_file`, `@jinja`, …) are refused:
they would let a config file read environment variables or files into values envman prints.

Sealed from ambient configuration: dynaconf is given the data envman already read and
checked (never a path it would read again), and it runs with every `*DYNACONF*`
environment variable hidden, so `SETTINGS_FILE_FOR_DYNACONF`, `ENVIRONMENTS_FOR_DYNACONF`,
`LOADERS_FOR_DYNACONF` or a `.env` cannot change what a project declares. Keys that steer
dynaconf from inside a file (`dynaconf_include`, `dynaconf_merge`, `*_for_dynaconf`) are
refused with their location.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from envman.errors import InputError, UsageError
from envman.files import display_path, present
from envman.models import Source, did_you_mean, validated
from envman.parse import Document, Loc, copy_data, document_loc, load_document
from envman.project import PROJECT_FILE, Project, project_known_keys

BASE_LAYER = "base"
DELETE_TOKEN = "@del"
NULL_TOKEN = "@none"


@dataclass(frozen=True)
class EnvironmentFile:
    """One environment's declared config: the merged data and the layers it came from."""

    env: str
    data: dict[str, Any]
    layers: tuple[Document, ...]
    """Base first, the environment's own file last."""

    @property
    def document(self) -> Document:
        return self.layers[-1]

    def source(self, loc: Loc) -> Source:
        """Where `loc` was written: the environment's own file if it sets it, else the base."""
        for layer in reversed(self.layers):
            if _sets(layer.data, loc):
                return layer.source(loc)
        return self.document.source(loc)


def find_root(start: Path) -> Path:
    """The project root: the nearest folder upward holding envman.toml, else `start` itself."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if present(folder / PROJECT_FILE):
            return folder
    return start


def load_project(root: Path) -> tuple[Project, Document] | None:
    """Read and validate envman.toml; None when the project has none (zero-setup mode)."""
    path = root / PROJECT_FILE
    if not present(path):
        return None
    document = load_document(path, display_path(path, root))
    project, errors = validated(Project, document.data, known=project_known_keys(document.data))
    if project is None:
        lines = []
        for error in errors:
            where = document.source(error.loc)
            key = ".".join(str(p) for p in error.loc) or "(top level)"
            hint = f" ({error.hint})" if error.hint else ""
            lines.append(f"{where}: {key}: {error.message}{hint}")
        raise InputError(
            "invalid envman.toml:\n  " + "\n  ".join(lines),
            hint="see docs/reference/configuration.md for every key of envman.toml",
        )
    return project, document


def check_env_name(name: str, known: tuple[str, ...]) -> None:
    """Refuse an environment name given on the command line that the project does not have."""
    if name in known:
        return
    if "/" in name or "\\" in name or name in {".", ".."}:
        raise UsageError(f"environment name {name!r} must not contain a path separator")
    hint = did_you_mean(name, known)
    raise UsageError(
        f"unknown environment {name!r}; this project has: {', '.join(known) or 'none'}",
        hint=hint,
    )


def load_environment(
    root: Path, project: Project, env: str, read: dict[Path, Document] | None = None
) -> EnvironmentFile:
    """Load environments/<env>.toml over environments/base.toml, merged by dynaconf.

    `read` holds the layers already read in this run (the base layer is read once for
    all environments, not once each)."""
    folder = root / project.environments_dir
    own = folder / f"{env}.toml"
    if not present(own):
        raise InputError(
            f"environment {env!r} is listed in envman.toml but {display_path(own, root)} "
            "does not exist",
            file=display_path(own, root),
            hint=f"create it, or remove {env!r} from `environments` in envman.toml",
        )
    paths = [p for p in (folder / f"{BASE_LAYER}.toml", own) if present(p)]
    read = {} if read is None else read
    for path in paths:
        if path not in read:
            document = load_document(path, display_path(path, root))
            _refuse_tokens(document)  # before it is kept: a refused layer is never used
            read[path] = document
    layers = tuple(read[path] for path in paths)
    return EnvironmentFile(env=env, data=_merge(layers), layers=layers)


def _merge(layers: tuple[Document, ...]) -> dict[str, Any]:
    """The layers merged by dynaconf's merge (`object_merge`, what `Dynaconf.update` does
    with `merge_enabled`), from the data already read (never from the files again).

    A top-level key that one layer alone sets (in any case: dynaconf's keys are
    case-insensitive), holding no `@` token, has nothing to merge: its value is the data
    as read, which is what dynaconf would return for it. Only the other keys go through
    dynaconf, which is imported only when some key needs it. The merge function is called
    directly rather than through a Dynaconf instance: an instance runs its loaders, and
    copying one per environment made loading 100 environments take a second. Keys keep
    the order of their first appearance, spelt as the last layer spells them.
    """
    seen: dict[str, int] = {}
    spelling: dict[str, str] = {}
    for layer in layers:
        for key in layer.data:
            seen[key.lower()] = seen.get(key.lower(), 0) + 1
            spelling[key.lower()] = key
    alone = {
        key.lower(): _plain(value)
        for layer in layers
        for key, value in layer.data.items()
        if seen[key.lower()] == 1 and not _has_token(value)
    }
    rest = [{k: v for k, v in layer.data.items() if k.lower() not in alone} for layer in layers]
    merged = _layered(rest) if any(rest) else {}
    return {
        spelling[key]: alone[key] if key in alone else merged[key]
        for key in spelling
        if key in alone or key in merged
    }


def _has_token(value: Any) -> bool:
    """Whether `value` holds a string dynaconf would read as a token (`@del`, `@none`, …)."""
    if isinstance(value, str):
        return value.startswith("@")
    if isinstance(value, dict):
        return any(_has_token(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_token(v) for v in value)
    return False


def _layered(layers: list[dict[str, Any]]) -> dict[str, Any]:
    """The layers' data merged by dynaconf, keyed by lowercase key."""
    with _sealed():
        from dynaconf.utils import object_merge

        merged: dict[str, Any] = {}
        for layer in layers:
            for key, value in copy_data(layer).items():
                same = next((k for k in merged if k.lower() == key.lower()), None)
                if same is not None:
                    value = object_merge(merged.pop(same), value, full_path=[key])
                merged[key] = value
    wanted = {key.lower() for layer in layers for key in layer}
    data = {key.lower(): _plain(value) for key, value in merged.items() if key.lower() in wanted}
    # dynaconf appends arrays when merging; envman's rule is that an environment's
    # array replaces the base's whole (a list of KV namespaces is not additive): each
    # layer's arrays in turn, so the last layer that sets one wins.
    for layer in layers:
        _replace_arrays(data, layer)
    return _deleted(data)


def _deleted(data: dict[str, Any]) -> dict[str, Any]:
    """`data` without the keys whose value is `@del` (dynaconf's token: remove what a lower
    layer set), at any depth."""
    return {
        key: _deleted(value) if isinstance(value, dict) else value
        for key, value in data.items()
        if value != DELETE_TOKEN
    }


def _replace_arrays(merged: dict[str, Any], layer: dict[str, Any]) -> None:
    for key, value in layer.items():
        target_key = key.lower() if key.lower() in merged and key not in merged else key
        if isinstance(value, list):
            merged[target_key] = _plain(value)
        elif isinstance(value, dict) and isinstance(merged.get(target_key), dict):
            _replace_arrays(merged[target_key], value)


@contextmanager
def _sealed() -> Iterator[None]:
    """Hide every environment variable dynaconf would read while it runs; restore them after.

    dynaconf reads its own settings (`*_FOR_DYNACONF`, `DYNACONF_*`) and prefixed values
    from the environment on every construction, and they beat explicit arguments.
    """
    hidden = {
        name: value
        for name, value in os.environ.items()
        if "DYNACONF" in name.upper() or name.upper().startswith("ENVMAN_LAYER")
    }
    for name in hidden:
        del os.environ[name]
    try:
        yield
    finally:
        os.environ.update(hidden)


def _plain(value: Any) -> Any:
    """dynaconf's boxes and lists back to plain dicts and lists; `"@none"` to None everywhere."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return None if value == NULL_TOKEN else value


def _refuse_tokens(document: Document) -> None:
    """Refuse dynaconf's tokens (but `@del`) and its directive keys, located in the file.

    A file with no directive key and no string but `@none` that starts with `@` (nearly
    every file) is passed by `_suspect` without a path per value; any other is walked
    with paths, to say where.
    """
    if not _suspect(document.data):
        return
    for loc, value in _walk(document.data):
        key = str(loc[-1]).lower() if loc and isinstance(loc[-1], str) else ""
        if key.startswith("dynaconf") or key.endswith("_for_dynaconf"):
            raise document.error(
                loc,
                f"{'.'.join(map(str, loc))}: {loc[-1]!r} is a dynaconf directive; envman "
                "does not let environment files include files or change how layers merge",
                hint="remove it: base.toml lies under every environment file, tables merge "
                "and arrays replace (docs/reference/configuration.md)",
            )
        if (
            isinstance(value, str)
            and value.startswith("@")  # every token does: dynaconf loads only for these
            and value != NULL_TOKEN
            and value.split(" ", 1)[0] in _tokens()
        ):
            raise document.error(
                loc,
                f"{'.'.join(map(str, loc))}: {value.split(' ', 1)[0]!r} is a dynaconf token "
                "envman does not allow in environment files",
                hint=f"only {DELETE_TOKEN!r} (it removes an inherited key) and {NULL_TOKEN!r} "
                "(a JSON null) are supported",
            )


def _suspect(value: Any) -> bool:
    """Whether `value` holds a key or a string `_refuse_tokens` must look at closely."""
    if isinstance(value, dict):
        for key, child in value.items():
            lowered = key.lower() if isinstance(key, str) else ""
            if lowered.startswith("dynaconf") or lowered.endswith("_for_dynaconf"):
                return True
            if isinstance(child, str):
                if child.startswith("@") and child != NULL_TOKEN:
                    return True
            elif isinstance(child, (dict, list)) and _suspect(child):
                return True
        return False
    if isinstance(value, list):
        return any(_suspect(child) for child in value)
    return isinstance(value, str) and value.startswith("@") and value != NULL_TOKEN


@functools.cache
def _tokens() -> frozenset[str]:
    """dynaconf's tokens but `@del`."""
    from dynaconf.utils.parse_conf import converters

    return frozenset(token for token in converters if token != DELETE_TOKEN)


def _walk(value: Any, loc: Loc = ()) -> Iterator[tuple[Loc, Any]]:
    yield loc, value
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(child, (*loc, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _walk(child, (*loc, index))


def _sets(data: Any, loc: Loc) -> bool:
    node = data
    for part in document_loc(data, loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return False
    return True
