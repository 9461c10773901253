"""A parsed config file: its data plus where each key path is written (and its value's span)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from envman.bindings import NAMING_KEYS
from envman.errors import InputError
from envman.files import MAX_DEPTH, read_text
from envman.models import Source
from envman.parse.toml import toml_data, toml_positions

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Document:
    """A parsed file: plain data plus the (line, column) of each key path, 1-based.

    `positions` maps a key path such as ("env", "staging", "kv_namespaces", 0, "id")
    to where that key (or array element) is written. `spans` maps a path to the
    (start, end) character offsets of its value in `text` (JSONC; the editor takes
    TOML's from `read_toml`), for span edits. A `locator` finds the positions from `text`
    when they are first needed instead (TOML): a run without findings never needs one.
    """

    path: str
    text: str
    data: dict[str, Any]
    positions: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    spans: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    format: str = "toml"
    duplicates: tuple[tuple[Loc, tuple[int, int]], ...] = ()
    """JSONC keys that a later one of the same path overrode (the last wins), with positions."""
    locator: Callable[[str], dict[Loc, tuple[int, int]]] | None = field(
        default=None, repr=False, compare=False
    )

    @cached_property
    def located(self) -> dict[Loc, tuple[int, int]]:
        """`positions`, or what the `locator` finds in `text` (once, on first use)."""
        if self.locator is None:
            return self.positions
        return {**self.locator(self.text), **self.positions}

    def error(self, loc: Loc, message: str, *, hint: str | None = None) -> InputError:
        """An InputError about `loc`, at its best-known position (`source`)."""
        where = self.source(loc)
        return InputError(message, file=where.file, line=where.line, column=where.column, hint=hint)

    def source(self, loc: Loc = ()) -> Source:
        """The best-known location of `loc`: its own position, else its nearest parent's.

        `loc` may name bindings by name, as WorkerConfig does (`("kv_namespaces",
        "CACHE", "id")`); it is translated to the list index the file uses.
        """
        loc = document_loc(self.data, tuple(loc))
        while loc:
            position = self.located.get(loc)
            if position is not None:
                return Source(file=self.path, line=position[0], column=position[1])
            loc = loc[:-1]
        return Source(file=self.path)


def copy_data(value: Any) -> Any:
    """A copy of parsed data (tables, arrays, scalars): new dicts and lists, the same scalars.

    What `copy.deepcopy` gives for a file's data (which holds no shared or cyclic parts),
    five times faster: a large project copies its data several times on the way to a
    WorkerConfig.
    """
    if isinstance(value, dict):
        return {k: copy_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_data(v) for v in value]
    return value


def document_loc(data: Any, loc: Loc) -> Loc:
    """Translate a WorkerConfig path (bindings by name) into the file's own path (list indexes).

    `("kv_namespaces", "CACHE", "id")` becomes `("kv_namespaces", 0, "id")` when the first
    entry has `binding = "CACHE"`; `("durable_objects", "DO")` goes through `bindings`.
    Parts that cannot be followed are kept as they are, so the caller still gets the
    nearest known parent.
    """
    result: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part not in node and isinstance(node.get("bindings"), list):
            result.append("bindings")
            node = node["bindings"]
        if isinstance(node, list) and isinstance(part, str):
            index = _entry_index(node, part)
            if index is None:
                return tuple(result)
            result.append(index)
            node = node[index]
            continue
        result.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(result)


def _entry_index(entries: list[Any], name: str) -> int | None:
    if name.startswith("#") and name[1:].isdigit():
        index = int(name[1:])
        return index if index < len(entries) else None
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and any(entry.get(key) == name for key in NAMING_KEYS):
            return index
    return None


def parse_toml(text: str, shown: str) -> Document:
    """Parse TOML text into a located Document; syntax errors become located InputErrors."""
    try:
        data = toml_data(text, shown)
    except RecursionError as e:  # tomllib recurses once per nested array or inline table
        line, column = _deep_point(text)
        raise _too_deep(shown, line, column) from e
    document = Document(path=shown, text=text, data=data, locator=toml_positions, format="toml")
    _check_depth(document)
    return document


def parse_jsonc(text: str, shown: str) -> Document:
    """Parse JSON with comments and trailing commas into a located Document."""
    from envman.parse.jsonc import parse

    parsed = parse(text, shown)
    document = Document(
        path=shown,
        text=text,
        data=parsed.data,
        positions=parsed.positions,
        spans=parsed.spans,
        format="jsonc",
        duplicates=parsed.duplicates,
    )
    _check_depth(document)
    return document


def _check_depth(document: Document) -> None:
    """Refuse data nested deeper than MAX_DEPTH (dotted TOML keys nest without recursion).

    The containers alone are walked, with their depth: a file of 10,000 values is checked
    without a path per value. Only data that is too deep is walked again, with paths, to
    say where.
    """
    data = document.data
    containers: list[tuple[int, Any]] = [(0, data)] if isinstance(data, dict | list) else []
    push = containers.append
    while containers:
        depth, node = containers.pop()
        children = node.values() if isinstance(node, dict) else node
        if depth == MAX_DEPTH and children:
            _locate_too_deep(document)
        for child in children:  # a loop, and a tuple for isinstance: twice a generator's speed
            if isinstance(child, (dict, list)):
                push((depth + 1, child))


def _locate_too_deep(document: Document) -> None:
    """Raise the located error for the first value found deeper than MAX_DEPTH."""
    stack: list[tuple[Loc, Any]] = [((), document.data)]
    while stack:
        loc, node = stack.pop()
        if len(loc) > MAX_DEPTH:
            where = document.source(loc)
            raise _too_deep(document.path, where.line, where.column)
        if isinstance(node, dict):
            stack.extend(((*loc, key), value) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend(((*loc, index), value) for index, value in enumerate(node))


def _too_deep(shown: str, line: int | None, column: int | None) -> InputError:
    return InputError(
        f"tables or arrays nested deeper than {MAX_DEPTH} levels",
        file=shown,
        line=line,
        column=column,
        hint="no Workers configuration nests this deep; the file is probably generated by mistake",
    )


def _deep_point(text: str) -> tuple[int | None, int | None]:
    """Roughly where brackets first nest deeper than MAX_DEPTH (strings and comments skipped)."""
    depth, line, column, quote, comment = 0, 1, 0, "", False
    for char in text:
        column += 1
        if char == "\n":
            line, column, comment = line + 1, 0, False
        elif comment:
            continue
        elif quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            comment = True
        elif char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line, column
        elif char in "]}":
            depth -= 1
    return None, None


def load_document(path: Path, shown: str | None = None) -> Document:
    """Read and parse a .toml, .json or .jsonc file into a Document."""
    shown = shown or str(path)
    document = parse_text(read_text(path, shown), shown, jsonc=path.suffix in {".json", ".jsonc"})
    if not isinstance(document.data, dict):
        raise InputError("the top level must be a table/object", file=shown, line=1, column=1)
    return document


def parse_text(text: str, shown: str, *, jsonc: bool) -> Document:
    """The Document of a file's text, parsed once however often the same text is read.

    base.toml lies under every environment file, and a promotion validates its result in
    a scratch copy of the project: the text of each file is parsed once all the same.
    Documents are never changed after parsing (their data is copied before any edit).
    A text over a megabyte is parsed each time, so that the cache stays small.
    """
    if len(text) > _CACHED_TEXT:
        return parse_jsonc(text, shown) if jsonc else parse_toml(text, shown)
    return _parsed(jsonc, text, shown)


_CACHED_TEXT = 1_000_000
"""The longest text (in characters) whose Document is kept for the next read of it."""


@lru_cache(maxsize=128)
def _parsed(jsonc: bool, text: str, shown: str) -> Document:
    return parse_jsonc(text, shown) if jsonc else parse_toml(text, shown)
