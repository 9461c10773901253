"""Change values in TOML and JSONC text so that every other byte stays identical."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from envman.bindings import MODELLED
from envman.edit.batch import _quick, _Splices
from envman.edit.doc import (
    _MISSING,
    Path,
    _Doc,
    _get,
    _list_changes,
    _same,
    _show,
    _start,
    _Unwritable,
)
from envman.edit.jsonc import _JsoncDoc
from envman.edit.render import _toml_chunks
from envman.edit.toml import _TomlDoc
from envman.errors import InputError

# How it works: the text is located into nodes that know their character spans (TOML by
# envman.parse's tree-sitter scan, JSONC from envman.parse's spans), one primitive change is
# spliced into the text, the text is scanned again, and so on. The common changes
# (values replaced in place, `key = value` lines added to or deleted from a [table]) are
# the exception (envman.edit.batch): they are computed on one scan and spliced in
# together, so that a run of them costs one scan, not one each. Every other byte is
# never touched; the result is parsed at the end and must hold exactly the intended data.
# tomlkit only renders new TOML values (envman.edit.render): its document model re-flows
# text around the tables it edits (line endings, super-tables, dotted keys), which spans
# avoid.

_Make = Callable[[str], "_Doc"]


class _Delete:
    """The type of DELETE."""

    def __repr__(self) -> str:
        return "DELETE"


DELETE: Final = _Delete()
"""An `Edit.value` that removes the key, member or binding entry at the path."""


@dataclass(frozen=True)
class Edit:
    """Set `path` (an envman path, bindings by name) to `value` (wrangler's shape), or DELETE it.

    For a keyed binding (`("kv_namespaces", "CACHE")`) the value is the entry without
    its naming key, e.g. `{"id": "abc"}`.
    """

    path: tuple[str, ...]
    value: Any


def edit_toml(
    text: str,
    edits: Sequence[Edit],
    *,
    section: tuple[str, ...] = (),
    filename: str = "<toml>",
    null: str | None = None,
) -> str:
    """Apply `edits` to the environment at `section` of TOML `text`; return the new text.

    TOML has no null: with `null`, each JSON null inside an edit's value is written as
    that string (the environment files' `"@none"`); without, it is an InputError.
    """
    if null is not None:
        edits = [e if e.value is DELETE else Edit(e.path, _nulls_as(e.value, null)) for e in edits]
    return _edit(text, edits, section, _TomlDoc, filename)


def edit_jsonc(
    text: str, edits: Sequence[Edit], *, section: tuple[str, ...] = (), filename: str = "<jsonc>"
) -> str:
    """Apply `edits` to the environment at `section` of JSON-with-comments `text`."""
    return _edit(text, edits, section, _JsoncDoc, filename)


def dumps_toml(data: Mapping[str, Any], *, null: str | None = None) -> str:
    """A fresh TOML document for `data` in wrangler's usual style (tables, [[arrays]]).

    TOML has no null: with `null`, each JSON null in `data` is written as that string
    (the environment files' `"@none"`); without, a null is an InputError.
    """
    try:
        chunks = _toml_chunks((), _nulls_as(dict(data), null) if null is not None else dict(data))
    except _Unwritable as e:
        raise InputError(f"cannot write {e} as TOML") from e
    return "\n\n".join(chunks) + "\n" if chunks else ""


def _nulls_as(value: Any, null: str) -> Any:
    if isinstance(value, dict):
        return {k: _nulls_as(v, null) for k, v in value.items()}
    if isinstance(value, list):
        return [_nulls_as(v, null) for v in value]
    return null if value is None else value


# --------------------------------------------------------------------------- the driver


def _edit(
    text: str, edits: Sequence[Edit], section: tuple[str, ...], kind: type[_Doc], filename: str
) -> str:
    cache: dict[str, _Doc] = {}

    def make(source: str) -> _Doc:  # each text is parsed once, however many steps look at it
        if source not in cache:
            cache.clear()
            cache[source] = kind(source, filename)
        return cache[source]

    doc = make(text)
    if section and not isinstance(_get(doc.data, section), dict):
        found = doc.find(section)
        raise doc.error(
            f"`{_show(section)}` is {'not a table' if found else 'not in this file'}, "
            "so that environment cannot be edited here",
            _start(found) if found else None,
            hint=f"add a `{_show(section)}` table to the file first",
        )
    expected = copy.deepcopy(doc.data)
    pending = _Splices()  # changes computed on make(text), to splice in together
    spliced: list[tuple[str, ...]] = []  # the paths of the pending changes
    for edit in edits:
        value = edit.value if edit.value is DELETE else _json(edit.value)
        try:
            if pending and edit.path and _needs_current(tuple(edit.path), spliced):
                text = pending.apply(text)  # planned on the data with the pending changes
                spliced.clear()
            mode, path, value = _plan(make(text).data, section, Edit(edit.path, value), filename)
            if _quick(make(text), mode, path, value, pending):
                spliced.append(tuple(edit.path))
            else:
                text = _run(make, pending.apply(text), mode, path, value)
                spliced.clear()
        except _Unwritable as e:
            why = ": JSON has no infinite or NaN number" if e.non_finite else ""
            raise InputError(
                f"cannot write {e} at `{_show(edit.path)}`{why}",
                file=filename,
                hint="write a finite number, or a string" if why else None,
            ) from e
        _apply_data(expected, mode, path, value)
    text = pending.apply(text)
    try:
        result = make(text).data  # scanned too: the result must be editable again
    except InputError as e:
        result = e
    if not _same(result, expected):
        where = (
            f" at `{_show(_first_difference(result, expected))}`"
            if isinstance(result, dict)
            else ""
        )
        raise InputError(
            f"editing produced text that does not read back as intended{where}; nothing was written",
            file=filename,
            hint="this is a bug in envman: please report it; edit the file by hand meanwhile",
        )
    return text


def _json(value: Any) -> Any:
    """A plain copy of a JSON value: tuples become lists, mappings dicts."""
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def _plan(data: Any, section: tuple[str, ...], edit: Edit, filename: str) -> tuple[str, Path, Any]:
    """What one edit does on `data`: ("set" | "delete" | "append" | "noop", file path, value)."""
    path: tuple[str, ...] = tuple(edit.path)
    if not path:
        raise InputError("an edit needs a path", file=filename)
    keyed = _keyed(path)
    if keyed is None:
        return ("delete" if edit.value is DELETE else "set", (*section, *path), edit.value)
    list_rel, key, name, rest = keyed
    list_path = (*section, *list_rel)
    entries = _get(data, list_path)
    index = _entry_index(entries, key, name) if isinstance(entries, list) else None
    if index is not None:
        target: Path = (*list_path, index, *rest)
        if edit.value is DELETE:
            return ("delete", target, None)
        return ("set", target, edit.value if rest else _entry(key, name, edit.value, filename))
    if edit.value is DELETE:
        return ("noop", list_path, None)
    if rest:
        raise InputError(f"no `{_show(list_rel)}` entry named {name!r} to edit", file=filename)
    return ("append", list_path, _entry(key, name, edit.value, filename))


def _needs_current(path: tuple[str, ...], spliced: list[tuple[str, ...]]) -> bool:
    """Whether the edit of `path` must be planned on the text with the pending changes in:
    a binding is found by name in the current data, and an edit of a table (or inside a
    value) a pending change lies in (or around) would be planned without it."""
    if _keyed(path) is not None:
        return True
    return any(
        len(other) != len(path) and other[: len(path)] == path[: len(other)] for other in spliced
    )


def _keyed(path: tuple[str, ...]) -> tuple[tuple[str, ...], str, str, tuple[str, ...]] | None:
    """(list path, naming key, name, rest) when `path` names a binding entry by name."""
    for kind in MODELLED:
        depth = kind.path.count(".") + 1
        if kind.single or len(path) <= depth or ".".join(path[:depth]) != kind.path:
            continue
        if len(kind.wrangler) > depth and path[depth] == kind.wrangler[-1]:
            return None  # `durable_objects.bindings...`: already in wrangler's own shape
        return kind.wrangler, kind.naming, path[depth], path[depth + 1 :]
    return None


def _entry_index(entries: list[Any], key: str, name: str) -> int | None:
    if name.startswith("#") and name[1:].isdigit():
        return int(name[1:]) if int(name[1:]) < len(entries) else None
    return next(
        (i for i, e in enumerate(entries) if isinstance(e, dict) and e.get(key) == name), None
    )


def _entry(key: str, name: str, value: Any, filename: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"the new value of binding {name!r} must be a table/object", file=filename)
    if value.get(key, name) != name:
        raise InputError(
            f"binding {name!r} cannot be renamed to {value[key]!r} by an edit", file=filename
        )
    return {key: name, **{k: v for k, v in value.items() if k != key}}


def _run(make: _Make, text: str, mode: str, path: Path, value: Any) -> str:
    if mode == "set":
        return _set(make, text, path, value)
    if mode == "delete":
        return _delete(make, text, path)
    if mode == "append":
        doc = make(text)
        entries = _get(doc.data, path)
        if entries is _MISSING:
            return _set(make, text, path, [value])
        loc = doc.find(path)
        if loc is None or not isinstance(entries, list) or not loc.is_list:
            raise doc.error(f"`{_show(path)}` is not a list", _start(loc) if loc else None)
        return doc.insert(loc, len(entries), value)
    return text


def _set(make: _Make, text: str, path: Path, value: Any) -> str:
    doc = make(text)
    current = _get(doc.data, path)
    if _same(current, value):
        return text
    loc = doc.find(path)
    if loc is None:
        return doc.add(path, value)
    if isinstance(value, dict) and isinstance(current, dict) and loc.is_table:
        for key in [k for k in current if k not in value]:
            text = _delete(make, text, (*path, key))
        for key, item in value.items():
            text = _set(make, text, (*path, key), item)
        return text
    if (
        isinstance(value, list)
        and isinstance(current, list)
        and loc.is_list
        and (value or loc.node)
    ):
        return _set_list(make, text, path, current, value)
    if loc.kind in ("kv", "item"):
        return doc.replace(loc, value)
    return make(doc.delete(loc)).add(path, value)


def _set_list(make: _Make, text: str, path: Path, old: list[Any], new: list[Any]) -> str:
    """Change a list element by element, so that unchanged elements (and comments) stay."""
    for tag, i1, i2, j1, j2 in reversed(_list_changes(old, new)):
        common = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        if tag == "equal":
            continue
        for index in range(i2 - 1, i1 + common - 1, -1):
            text = _delete(make, text, (*path, index))
        for offset, item in enumerate(new[j1 + common : j2]):
            doc = make(text)
            loc = doc.find(path)
            assert loc is not None
            text = doc.insert(loc, i1 + common + offset, item)
        for offset in range(common):
            text = _set(make, text, (*path, i1 + offset), new[j1 + offset])
    return text


def _delete(make: _Make, text: str, path: Path) -> str:
    doc = make(text)
    loc = doc.find(path)
    if loc is None:
        return text
    text = doc.delete(loc)
    parent = path[:-1]
    if _get(make(text).data, parent) is _MISSING:
        # The last [[element]] or dotted key took its array or table with it: an empty
        # one says "none here", where a missing one would say "not managed here".
        text = make(text).add(parent, [] if isinstance(path[-1], int) else {})
    return text


def _apply_data(data: Any, mode: str, path: Path, value: Any) -> None:
    """What `mode` does to plain data: the reference the edited text must read back as."""
    if mode == "noop" or (mode == "delete" and _get(data, path) is _MISSING):
        return
    if mode == "append" and isinstance(_get(data, path), list):
        _get(data, path).append(copy.deepcopy(value))
        return
    parent = data
    for part in path[:-1]:
        parent = parent.setdefault(part, {}) if isinstance(parent, dict) else parent[part]
    if mode == "delete":
        del parent[path[-1]]
        return
    parent[path[-1]] = copy.deepcopy([value] if mode == "append" else value)


# --------------------------------------------------------------------------- small helpers


def _first_difference(a: Any, b: Any, path: Path = ()) -> Path:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            if not _same(a.get(key, _MISSING), b.get(key, _MISSING)):
                return _first_difference(a.get(key), b.get(key), (*path, key))
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            if not _same(x, y):
                return _first_difference(x, y, (*path, index))
    return path
