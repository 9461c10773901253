"""Change values in TOML and JSONC text so that every other byte stays identical."""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from envman.errors import InputError
from envman.models import KEYED_LISTS

# How it works: the text is scanned into nodes that know their character spans (TOML by
# the scanner below, JSONC from envman.jsonc's spans), one primitive change is spliced
# into the text, the text is scanned again, and so on. Every other byte is never
# touched; the result is parsed at the end and must hold exactly the intended data.
# tomlkit only renders new TOML values: its document model re-flows text around the
# tables it edits (line endings, super-tables, dotted keys), which spans avoid.

Path = tuple[str | int, ...]
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
    text: str, edits: Sequence[Edit], *, section: tuple[str, ...] = (), filename: str = "<toml>"
) -> str:
    """Apply `edits` to the environment at `section` of TOML `text`; return the new text."""
    return _edit(text, edits, section, lambda t: _TomlDoc(t, filename), filename)


def edit_jsonc(
    text: str, edits: Sequence[Edit], *, section: tuple[str, ...] = (), filename: str = "<jsonc>"
) -> str:
    """Apply `edits` to the environment at `section` of JSON-with-comments `text`."""
    return _edit(text, edits, section, lambda t: _JsoncDoc(t, filename), filename)


def dumps_toml(data: Mapping[str, Any]) -> str:
    """A fresh TOML document for `data` in wrangler's usual style (tables, [[arrays]])."""
    try:
        chunks = _toml_chunks((), dict(data))
    except _Unwritable as e:
        raise InputError(f"cannot write {e} as TOML") from e
    return "\n\n".join(chunks) + "\n" if chunks else ""


# --------------------------------------------------------------------------- the driver

_MISSING: Final = object()
_AOT_PATHS = {
    *((k,) for k in KEYED_LISTS),
    ("durable_objects", "bindings"),
    ("queues", "producers"),
    ("queues", "consumers"),
    ("migrations",),
}


def _edit(
    text: str, edits: Sequence[Edit], section: tuple[str, ...], new: _Make, filename: str
) -> str:
    cache: dict[str, _Doc] = {}

    def make(source: str) -> _Doc:  # each text is parsed once, however many steps look at it
        if source not in cache:
            cache.clear()
            cache[source] = new(source)
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
    for edit in edits:
        value = edit.value if edit.value is DELETE else _json(edit.value)
        try:
            mode, path, value = _plan(make(text).data, section, Edit(edit.path, value), filename)
            text = _run(make, text, mode, path, value)
        except _Unwritable as e:
            raise InputError(f"cannot write {e} at `{_show(edit.path)}`", file=filename) from e
        _apply_data(expected, mode, path, value)
    try:
        result = make(text).data
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


def _keyed(path: tuple[str, ...]) -> tuple[tuple[str, ...], str, str, tuple[str, ...]] | None:
    """(list path, naming key, name, rest) when `path` names a binding entry by name."""
    if path[0] in KEYED_LISTS and len(path) >= 2:
        return path[:1], KEYED_LISTS[path[0]], path[1], path[2:]
    if path[0] == "durable_objects" and len(path) >= 2 and path[1] != "bindings":
        return ("durable_objects", "bindings"), "name", path[1], path[2:]
    if path[0] == "queues" and len(path) >= 3 and path[1] in ("producers", "consumers"):
        return path[:2], "binding" if path[1] == "producers" else "queue", path[2], path[3:]
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
    matcher = difflib.SequenceMatcher(
        a=[_canon(v) for v in old], b=[_canon(v) for v in new], autojunk=False
    )
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
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


def _get(data: Any, path: Path) -> Any:
    node = data
    for part in path:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return _MISSING
    return node


def _same(a: Any, b: Any) -> bool:
    """Equality that tells 1, 1.0 and True apart, as a file does."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


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


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _nest(parts: Path, value: Any) -> Any:
    for part in reversed(parts):
        value = {part: value}
    return value


def _show(path: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _line_start(text: str, pos: int) -> int:
    return text.rfind("\n", 0, pos) + 1


def _starts_line(text: str, pos: int) -> bool:
    return not text[_line_start(text, pos) : pos].strip(" \t")


def _indent(text: str, pos: int) -> str:
    start = _line_start(text, pos)
    return text[start : start + len(text[start:pos]) - len(text[start:pos].lstrip(" \t"))]


def _content_end(text: str, start: int, end: int) -> int:
    """The end of the last non-blank line in text[start:end]."""
    while end > start:
        line = _line_start(text, end - 1)
        if text[line:end].strip():
            return end
        end = line
    return start


def _merge(cuts: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted, with overlapping or touching ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(cuts):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _cut(text: str, cuts: list[tuple[int, int]]) -> str:
    """`text` without the spans in `cuts`, which may overlap."""
    for start, end in reversed(_merge(cuts)):
        text = text[:start] + text[end:]
    return text


# --------------------------------------------------------------------------- nodes and lists


@dataclass
class _Node:
    """A value written in the text: its span, and its items when it is an array or a table."""

    start: int
    end: int
    kind: str  # "table", "array", "scalar", or a TOML string style: basic, literal, mlbasic, mlliteral
    seq: _Seq | None = None


@dataclass
class _Item:
    """A member (key = value) or element of a comma-separated array or inline table/object."""

    start: int
    key: tuple[str, ...] | None
    node: _Node
    comma: int | None
    sep: str = ""


@dataclass
class _Seq:
    open: int
    close: int
    items: list[_Item]


@dataclass
class _Loc:
    """Where a path is written: an item of a comma list, a TOML `key = value` line, a
    TOML table or array of tables (made of [headers] and dotted keys), or the root."""

    kind: str
    path: Path
    node: _Node | None = None
    seq: _Seq | None = None
    index: int = -1
    kv: _KV | None = None
    owner: int | None = None

    @property
    def is_table(self) -> bool:
        return self.kind in ("table", "root") or (
            self.node is not None and self.node.kind == "table"
        )

    @property
    def is_list(self) -> bool:
        return self.kind == "aot" or (self.node is not None and self.node.kind == "array")


def _start(loc: _Loc) -> int | None:
    if loc.seq is not None:
        return loc.seq.items[loc.index].start
    if loc.kv is not None:
        return loc.kv.key_start
    return loc.node.start if loc.node is not None else None


def _descend(node: _Node, path: Path, done: int) -> _Loc | None:
    """Follow path[done:] into the arrays and inline tables written inside `node`."""
    seq: _Seq | None = None
    index = -1
    for part in path[done:]:
        if node.seq is None:
            return None
        items = node.seq.items
        if node.kind == "table" and isinstance(part, str):
            found = next((i for i, item in enumerate(items) if item.key == (part,)), None)
        elif node.kind == "array" and isinstance(part, int) and 0 <= part < len(items):
            found = part
        else:
            found = None
        if found is None:
            return None
        seq, index, node = node.seq, found, items[found].node
    return _Loc("item", path, node=node, seq=seq, index=index)


@dataclass(frozen=True)
class _Syntax:
    skip: re.Pattern[str]  # blanks, line breaks and comments
    trail: re.Pattern[str]  # the rest of a line when it holds only blanks and comments
    pad: str  # inside braces around the first member of an empty inline table


_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


class _Unwritable(ValueError):
    """A value the target format cannot hold (TOML has no null)."""


class _Doc:
    """A parsed text that can answer where a path is written and splice one change in."""

    syntax: _Syntax
    data: Any

    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.filename = filename
        first = text.find("\n")
        self.nl = "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"
        # The indentation unit: that of the first indented key or string (not of a comment).
        found = re.search(r'^([ \t]+)["\w]', _BLOCK_COMMENT.sub("", text), re.MULTILINE)
        self.unit = found.group(1) if found else "  "

    def error(self, message: str, offset: int | None, hint: str | None = None) -> InputError:
        if offset is None:
            return InputError(message, file=self.filename, hint=hint)
        line = self.text.count("\n", 0, offset) + 1
        column = offset - _line_start(self.text, offset) + 1
        return InputError(message, file=self.filename, line=line, column=column, hint=hint)

    def not_table(self, path: Path, loc: _Loc) -> InputError:
        value = _get(self.data, path)
        kinds = (
            (bool, "a boolean"),
            (str, "a string"),
            (list, "a list"),
            (int | float, "a number"),
        )
        kind = next((name for t, name in kinds if isinstance(value, t)), "a value")
        return self.error(
            f"`{_show(path)}` is {kind}, not a table, so keys cannot be added to it",
            _start(loc),
            hint=f"change `{_show(path)}` into a table by hand, then run again",
        )

    def find(self, path: Path) -> _Loc | None:
        raise NotImplementedError

    def add(self, path: Path, value: Any) -> str:
        raise NotImplementedError

    def replace(self, loc: _Loc, value: Any) -> str:
        raise NotImplementedError

    def delete(self, loc: _Loc) -> str:
        raise NotImplementedError

    def insert(self, loc: _Loc, index: int, value: Any) -> str:
        raise NotImplementedError

    # ------------------------------------------------------------ comma lists

    def seq_delete(self, seq: _Seq, k: int) -> str:
        """Remove item k with exactly one separating comma, and its line when it has one."""
        text, items = self.text, seq.items
        item = items[k]
        end = item.comma + 1 if item.comma is not None else item.node.end
        tail = self.syntax.trail.match(text, end)
        previous = items[k - 1].comma if k > 0 else None
        if _starts_line(text, item.start) and tail is not None:  # the item has its own line(s)
            cuts = [(_line_start(text, item.start), tail.end())]
            if item.comma is None and previous is not None:
                cuts.append((previous, previous + 1))
        elif item.comma is not None and tail is None:  # more follows on the line: "a, b" -> "b"
            cuts = [(item.start, _SPACES.match(text, end).end())]  # type: ignore[union-attr]
        elif item.comma is not None:  # the comma ends the line: take the blanks before the item
            before = item.start
            while before > 0 and text[before - 1] in " \t":
                before -= 1
            cuts = [(before, end)]
        elif previous is not None:  # the last item: "a, b" -> "a"
            cuts = [(previous, item.node.end)]
        else:
            cuts = [(item.start, item.node.end)]
        new = _cut(text, cuts)
        if len(items) == 1:
            close = seq.close - sum(e - s for s, e in cuts)
            if not new[seq.open + 1 : close].strip():
                new = new[: seq.open + 1] + new[close:]
        return new

    def seq_insert(self, seq: _Seq, k: int, make: Callable[[str, bool], str], expand: bool) -> str:
        """Insert `make(indent, on_its_own_line)` as item k, laid out like its siblings."""
        text, nl, items = self.text, self.nl, seq.items
        if not items:
            interior = text[seq.open + 1 : seq.close]
            if interior.strip() and _starts_line(text, seq.close):  # only comments inside
                at = _line_start(text, seq.close)
                indent = _indent(text, seq.close) + self.unit
                return text[:at] + indent + make(indent, True) + nl + text[at:]
            if expand or "\n" in interior:
                base = _indent(text, seq.open)
                indent = base + self.unit
                body = nl + indent + make(indent, True) + nl + base
            else:
                pad = " " if interior.strip() else self.syntax.pad if text[seq.open] == "{" else ""
                body = interior.rstrip(" \t") + pad + make("", False) + pad
            return text[: seq.open + 1] + body + text[seq.close :]
        if k < len(items):
            item = items[k]
            if _starts_line(text, item.start):
                at = _line_start(text, item.start)
                indent = _indent(text, item.start)
                return text[:at] + indent + make(indent, True) + "," + nl + text[at:]
            return text[: item.start] + make("", False) + ", " + text[item.start :]
        last = items[-1]
        anchor = last.comma + 1 if last.comma is not None else last.node.end
        tail = self.syntax.trail.match(text, anchor)
        if _starts_line(text, last.start) and tail is not None and tail.end() <= seq.close:
            indent = _indent(text, last.start)
            eol = tail.end() - (2 if text.endswith("\r\n", 0, tail.end()) else 1)
            comma, trailing = ("", ",") if last.comma is not None else (",", "")
            return (
                text[: last.node.end]
                + comma
                + text[last.node.end : eol]
                + nl
                + indent
                + make(indent, True)
                + trailing
                + text[eol:]
            )
        if last.comma is not None:
            return text[: last.comma + 1] + " " + make("", False) + "," + text[last.comma + 1 :]
        return text[: last.node.end] + ", " + make("", False) + text[last.node.end :]


# --------------------------------------------------------------------------- TOML

_TOML = _Syntax(
    skip=re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*"),
    trail=re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r?\n|\Z)"),
    pad=" ",
)
_SPACES = re.compile(r"[ \t]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"(?:[^"\\\r\n]|\\.)*"')
_LITERAL = re.compile(r"'[^'\r\n]*'")
_SCALAR = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}[^\s,\]}#]*|[^\s,\]}#]+")


@dataclass
class _Header:
    line: int  # start of the header's line
    end: int  # after its line break
    path: Path  # with the index of each array-of-tables element
    aot: bool
    raw: str  # `[[ env.production.kv_namespaces ]]` as written
    lead: int = 0  # start of the comment block attached above it
    stop: int = 0  # where the next table's lead begins
    body: int = 0  # end of its own lines (see _TomlDoc._body_end)


@dataclass
class _KV:
    line: int
    key_start: int
    parts: tuple[str, ...]
    path: Path
    node: _Node
    end: int  # after the line break
    owner: int  # index of the header whose body holds it; -1 for the root
    sep: str


class _TomlDoc(_Doc):
    """A TOML text as headers and `key = value` lines with spans."""

    syntax = _TOML

    def __init__(self, text: str, filename: str) -> None:
        super().__init__(text, filename)
        try:
            self.data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            at = re.search(r" \(at line (\d+), column (\d+)\)", str(e))
            message = f"invalid TOML: {str(e)[: at.start()] if at else e}"
            line, column = (int(at[1]), int(at[2])) if at else (None, None)
            raise InputError(message, file=filename, line=line, column=column) from e
        self.headers: list[_Header] = []
        self.kvs: list[_KV] = []
        self._scan()

    # ------------------------------------------------------------ scanning

    def _scan(self) -> None:
        text, n = self.text, len(self.text)
        pos, owner = 0, -1
        table: Path = ()
        counts: dict[Path, int] = {}
        last_end = 0
        while pos < n:
            p = self._spaces(pos)
            if p >= n:
                break
            if text[p] in "\r\n#":
                pos = self._eol(p)
                continue
            if text[p] == "[":
                aot = text.startswith("[[", p)
                parts, q = self._key(p + 1 + aot)
                close = "]]" if aot else "]"
                q = self._spaces(q)
                if not text.startswith(close, q):
                    raise self.error("malformed table header", p)
                table = self._resolve(parts, aot, counts)
                end = self._eol(q + len(close))
                lead = self._lead(pos, last_end)
                self.headers.append(_Header(pos, end, table, aot, text[p : q + len(close)], lead))
                owner = len(self.headers) - 1
            else:
                parts, q = self._key(p)
                v = self._spaces(self._spaces(q) + 1)
                node = self._value(v)
                end = self._eol(node.end)
                self.kvs.append(_KV(pos, p, parts, (*table, *parts), node, end, owner, text[q:v]))
            pos = last_end = end
        for i, header in enumerate(self.headers):
            header.stop = self.headers[i + 1].lead if i + 1 < len(self.headers) else n
        self.root_stop = self.headers[0].lead if self.headers else n
        floors = {-1: 0, **{i: h.end for i, h in enumerate(self.headers)}}
        for kv in self.kvs:
            floors[kv.owner] = kv.end
        for i, header in enumerate(self.headers):
            header.body = self._body_end(floors[i], header.stop)
        self.root_body = self._body_end(floors[-1], self.root_stop)

    def _body_end(self, floor: int, stop: int) -> int:
        """The end of a table's own lines: its last statement and the comments glued to it.

        A comment paragraph after a blank line at the end of a table is left out: it
        introduces what follows (`# Staging`), or is commented-out text; new tables go
        before it and a deleted table leaves it.
        """
        text = self.text
        end = _content_end(text, floor, stop)
        while end > floor:
            paragraph = end
            while paragraph > floor and text[_line_start(text, paragraph - 1) : paragraph].strip():
                paragraph = _line_start(text, paragraph - 1)
            if paragraph == floor:
                break
            end = _content_end(text, floor, paragraph)
        return max(end, floor)

    def _spaces(self, pos: int) -> int:
        return _SPACES.match(self.text, pos).end()  # type: ignore[union-attr]  # `*` always matches

    def _eol(self, pos: int) -> int:
        match = _TOML.trail.match(self.text, pos)
        if match is None:
            raise self.error("unexpected text after a value", pos)
        return match.end()

    def _lead(self, line: int, floor: int) -> int:
        """Start of the comment lines right above a header (not glued to the content before)."""
        start = line
        while start > floor:
            previous = _line_start(self.text, start - 1)
            if not self.text[previous:start].lstrip().startswith("#"):
                break
            start = previous
        return line if start == floor and floor > 0 else start

    def _key(self, pos: int) -> tuple[tuple[str, ...], int]:
        """A dotted key at `pos`: its parts and the end of its last part."""
        text, parts = self.text, []
        while True:
            pos = self._spaces(pos)
            match = (
                _BASIC.match(text, pos) or _LITERAL.match(text, pos) or _BARE_KEY.match(text, pos)
            )
            if match is None:
                raise self.error("expected a key", pos)
            token = match.group()
            if token[0] == '"':
                token = tomllib.loads(f"k = {token}")["k"]
            elif token[0] == "'":
                token = token[1:-1]
            parts.append(token)
            after = self._spaces(match.end())
            if not text.startswith(".", after):
                return tuple(parts), match.end()
            pos = after + 1

    def _value(self, pos: int) -> _Node:
        text = self.text
        for quote, kind in (('"""', "mlbasic"), ("'''", "mlliteral")):
            if text.startswith(quote, pos):
                return _Node(pos, self._multiline_end(pos, quote), kind)
        if text.startswith(("[", "{"), pos):
            return self._seq_node(pos)
        for pattern, kind in ((_BASIC, "basic"), (_LITERAL, "literal"), (_SCALAR, "scalar")):
            match = pattern.match(text, pos)
            if match is not None:
                return _Node(pos, match.end(), kind)
        raise self.error("expected a value", pos)

    def _multiline_end(self, pos: int, quote: str) -> int:
        text, i = self.text, pos + 3
        while True:
            if quote == '"""' and text.startswith("\\", i):
                i += 2
                continue
            if text.startswith(quote, i):
                end = i + 3
                while end < min(len(text), i + 5) and text[end] == quote[0]:
                    end += 1  # up to two quotes may end the content
                return end
            if i >= len(text):
                raise self.error("unterminated multi-line string", pos)
            i += 1

    def _seq_node(self, pos: int) -> _Node:
        text = self.text
        is_table = text[pos] == "{"
        closer = "}" if is_table else "]"
        items: list[_Item] = []
        q = pos + 1
        while True:
            q = _TOML.skip.match(text, q).end()  # type: ignore[union-attr]
            if text.startswith(closer, q):
                break
            start, key, sep = q, None, ""
            if is_table:
                key, key_end = self._key(q)
                q = self._spaces(self._spaces(key_end) + 1)
                sep = text[key_end:q]
            node = self._value(q)
            q = _TOML.skip.match(text, node.end).end()  # type: ignore[union-attr]
            comma = q if text.startswith(",", q) else None
            if comma is not None:
                q += 1
            elif not text.startswith(closer, q):
                raise self.error(f"expected ',' or '{closer}'", q)
            items.append(_Item(start, key, node, comma, sep))
        return _Node(pos, q + 1, "table" if is_table else "array", _Seq(pos, q, items))

    @staticmethod
    def _resolve(parts: tuple[str, ...], aot: bool, counts: dict[Path, int]) -> Path:
        """A header's path with the index of the current element of each array of tables."""
        out: list[str | int] = []
        for i, part in enumerate(parts):
            out.append(part)
            if (not aot or i < len(parts) - 1) and tuple(out) in counts:
                out.append(counts[tuple(out)] - 1)
        if aot:
            index = counts.get(tuple(out), 0)
            counts[tuple(out)] = index + 1
            out.append(index)
        return tuple(out)

    def _table_of(self, kv: _KV) -> Path:
        return self.headers[kv.owner].path if kv.owner >= 0 else ()

    # ------------------------------------------------------------ finding

    def find(self, path: Path) -> _Loc | None:
        n = len(path)
        for kv in self.kvs:
            if kv.path == path:
                return _Loc("kv", path, node=kv.node, kv=kv)
            if len(kv.path) < n and path[: len(kv.path)] == kv.path:
                return _descend(kv.node, path, len(kv.path))
        headers = [i for i, h in enumerate(self.headers) if h.path[:n] == path]
        dotted = [kv for kv in self.kvs if kv.path[:n] == path and len(self._table_of(kv)) < n]
        if path and not headers and not dotted:
            return None
        if any(self.headers[i].aot and len(self.headers[i].path) == n + 1 for i in headers):
            return _Loc("aot", path)
        own = next((i for i in headers if self.headers[i].path == path), None if path else -1)
        return _Loc("table", path, owner=own, kv=dotted[-1] if dotted else None)

    # ------------------------------------------------------------ changing

    def render(self, value: Any, old: _Node | None = None) -> str:
        if old is None:
            return _toml_value(value)
        return _toml_value(value, old.kind, self.text[old.start : old.end], self.nl)

    def replace(self, loc: _Loc, value: Any) -> str:
        assert loc.node is not None
        node = loc.node
        return self.text[: node.start] + self.render(value, node) + self.text[node.end :]

    def add(self, path: Path, value: Any) -> str:
        size = len(path) - 1
        while (loc := self.find(path[:size])) is None:
            size -= 1
        prefix, key, member = path[:size], path[size], _nest(path[size + 1 :], value)
        if loc.kind == "aot" or not isinstance(key, str) or not loc.is_table:
            raise self.not_table(prefix, loc)
        if loc.node is not None:  # an inline table
            assert loc.node.seq is not None
            seq = loc.node.seq
            sep = next((item.sep for item in seq.items), " = ")
            like = seq.items[-1].node if seq.items else None
            line = f"{_toml_key(key)}{sep}{self.render(member, like)}"
            return self.seq_insert(seq, len(seq.items), lambda _i, _m: line, expand=False)
        child = (*prefix, key)
        if loc.owner is None and loc.kv is not None:
            # A table made by dotted keys (`observability.enabled = true`): more dotted
            # keys beside them, one per leaf, in the file's own style.
            last = [kv for kv in self.kvs if kv.owner == loc.kv.owner and kv.path[:size] == prefix]
            rel = child[len(self._table_of(last[-1])) :]
            return self._line_after(last[-1], rel, member)
        if _table_style(child, member) or _aot_style(child, member):
            return self._insert_block(self._anchor(prefix), _toml_chunks(prefix, {key: member}))
        if loc.owner is not None:
            kvs = [kv for kv in self.kvs if kv.owner == loc.owner]
            if kvs:
                return self._line_after(kvs[-1], (key,), member)
            line = f"{_toml_key(key)} = {self.render(member)}"
            if loc.owner >= 0:
                return self._insert_line(self.headers[loc.owner].end, line)
            at = self.root_stop  # a root without keys: above the first table, a blank line between
            if at < len(self.text):
                return self.text[:at] + line + self.nl + self.nl + self.text[at:]
            return self._insert_line(at, line)
        # a table that only exists through its sub-tables: give it its own header
        return self._insert_block(self._anchor(prefix), _toml_chunks(prefix, {key: member}))

    def _line_after(self, kv: _KV, rel: Path, value: Any) -> str:
        """`rel = value` on a new line after `kv`, indented like it; a table as dotted leaves
        when `kv` itself is a dotted key."""
        indent = self.text[kv.line : kv.key_start]
        leaves = list(_leaves(rel, value)) if len(kv.parts) > 1 else [(rel, value)]
        lines = [f"{indent}{_dotted(path)}{kv.sep}{self.render(leaf)}" for path, leaf in leaves]
        return self._insert_line(kv.end, self.nl.join(lines))

    def _insert_line(self, at: int, line: str) -> str:
        text = self.text
        if at == len(text) and text and not text.endswith("\n"):
            return text + self.nl + line
        return text[:at] + line + self.nl + text[at:]

    def _anchor(self, prefix: Path) -> int:
        """Where a new table under `prefix` goes: after the last table of `prefix`."""
        for n in range(len(prefix), -1, -1):
            mine = [
                h
                for h in self.headers
                if h.path[:n] == prefix[:n] and (n or h.path[:1] != ("env",))
            ]
            if mine:
                return mine[-1].body
        return self.root_body

    def _insert_block(self, at: int, chunks: list[str]) -> str:
        text, nl = self.text, self.nl
        block = "\n\n".join(chunks).replace("\n", nl)
        before, after = text[:at], text[at:]
        lead = "" if not before else nl if before.endswith("\n") else nl + nl
        if not after:
            return before + lead + block + ("" if before and not before.endswith("\n") else nl)
        blank_next = not after.split("\n", 1)[0].strip()
        return before + lead + block + nl + ("" if blank_next else nl) + after

    def insert(self, loc: _Loc, index: int, value: Any) -> str:
        if loc.node is not None and loc.node.kind == "array":
            assert loc.node.seq is not None
            items = loc.node.seq.items  # a new element is written like its neighbour
            rendered = self.render(value, items[min(index, len(items) - 1)].node if items else None)
            return self.seq_insert(loc.node.seq, index, lambda _i, _m: rendered, expand=False)
        if loc.kind != "aot":
            raise self.error(f"`{_show(loc.path)}` is not a list", _start(loc))
        if not isinstance(value, dict):
            raise self.error(f"`{_show(loc.path)}` holds tables; cannot add {value!r}", None)
        n = len(loc.path)
        elements = [i for i, h in enumerate(self.headers) if h.aot and h.path[:-1] == loc.path]
        model = self.headers[elements[-1]]
        kvs = [kv for kv in self.kvs if kv.owner == elements[-1]]
        indent = self.text[kvs[0].line : kvs[0].key_start] if kvs else ""
        chunks = _toml_chunks(loc.path, value, element=True, header=model.raw, indent=indent)
        if index < len(elements):
            at = self.headers[elements[index]].lead
            block = (self.nl + self.nl).join(c.replace("\n", self.nl) for c in chunks)
            return self.text[:at] + block + self.nl + self.nl + self.text[at:]
        extent = [h for h in self.headers if h.path[: n + 1] == model.path]
        return self._insert_block(extent[-1].body, chunks)

    def delete(self, loc: _Loc) -> str:
        if loc.kind == "item":
            assert loc.seq is not None
            return self.seq_delete(loc.seq, loc.index)
        if loc.kind == "kv":
            assert loc.kv is not None
            return self._apply_cuts([self._kv_cut(loc.kv)], region=False)
        if loc.kind == "root":
            raise self.error("cannot delete the whole document", 0)
        n = len(loc.path)
        cuts = [self._region_cut(h) for h in self.headers if h.path[:n] == loc.path]
        for kv in self.kvs:
            if kv.path[:n] == loc.path and not any(s <= kv.line < e for s, e in cuts):
                cuts.append((kv.line, kv.end))
        return self._apply_cuts(cuts, region=True)

    def _kv_cut(self, kv: _KV) -> tuple[int, int]:
        """A key's line; for the only top-level key also the blank line that an insertion
        put between it and the first table."""
        end = kv.end
        if [k for k in self.kvs if k.owner == -1] == [kv]:
            gap = self.text[end : self.root_stop]
            end = self.root_stop if not gap.strip() and gap.count("\n") == 1 else end
        return kv.line, end

    def _region_cut(self, header: _Header) -> tuple[int, int]:
        """A table's lines (with the comments attached above it) and the one blank line
        above them, mirroring what an insertion writes; at the top of the file, the blank
        lines below instead."""
        text = self.text
        start, end = header.lead, header.body
        if not text[:start].strip():
            while end < header.stop and not text[end : text.find("\n", end) + 1 or None].strip():
                end = text.find("\n", end) + 1 or len(text)
            return start, end
        above = _line_start(text, start - 1)
        return (above if not text[above:start].strip() else start), end

    def _apply_cuts(self, cuts: list[tuple[int, int]], *, region: bool) -> str:
        text, n = self.text, len(self.text)
        cuts = _merge(cuts)
        start = next((s for s, e in cuts if e == n), None)
        if start is None:
            return _cut(text, cuts)
        # The cut reached the end of the file: drop the blank lines left before it, and
        # keep the file's choice of ending with a line break or not.
        head = _cut(text[:start], [(s, e) for s, e in cuts if e <= start])
        if region:
            head = head[: _content_end(head, 0, len(head))]
        if not text.endswith("\n"):
            head = head.removesuffix("\n").removesuffix("\r")
        return head


def _leaves(path: Path, value: Any) -> Iterator[tuple[Path, Any]]:
    """(path, value) of each non-table value inside `value`, for dotted keys."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _leaves((*path, key), item)
    else:
        yield path, value


def _toml_chunks(
    path: Path, table: dict[str, Any], *, element: bool = False, header: str = "", indent: str = ""
) -> list[str]:
    """`table` as TOML blocks (a header and its keys, then its sub-tables), joined by blank lines."""
    lines: list[str] = []
    children: list[tuple[Path, Any]] = []
    for key, value in table.items():
        child = (*path, key)
        if not element and (_table_style(child, value) or _aot_style(child, value)):
            children.append((child, value))
        else:
            lines.append(f"{indent}{_toml_key(key)} = {_toml_value(value)}")
    chunks: list[str] = []
    if element or (path and (lines or not children)):
        head = header or (f"[[{_dotted(path)}]]" if element else f"[{_dotted(path)}]")
        chunks.append("\n".join([head, *lines]))
    elif lines:
        chunks.append("\n".join(lines))
    for child, value in children:
        if isinstance(value, dict):
            chunks += _toml_chunks(child, value)
        else:
            for entry in value:
                chunks += _toml_chunks(child, entry, element=True)
    return chunks


def _section_rel(path: Path) -> Path:
    return path[2:] if path[:1] == ("env",) and len(path) >= 2 else path


def _table_style(path: Path, value: Any) -> bool:
    """Whether a table value is written as a [header] table rather than an inline one."""
    if not isinstance(value, dict) or not all(isinstance(p, str) for p in path):
        return False
    rel = _section_rel(path)
    return not (rel[:1] == ("vars",) and len(rel) > 1)


def _aot_style(path: Path, value: Any) -> bool:
    """Whether a list is written as [[array.of.tables]] (the binding lists) rather than inline."""
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) for v in value)
        and all(isinstance(p, str) for p in path)
        and _section_rel(path) in _AOT_PATHS
    )


def _toml_key(key: str | int) -> str:
    import tomlkit

    if isinstance(key, int) or not _BARE_KEY.fullmatch(key):
        return tomlkit.string(str(key)).as_string()
    return key


def _plain(char: str) -> bool:
    """Whether a TOML literal string can hold `char` as it is."""
    return char == "\t" or " " <= char != "\x7f"


def _dotted(path: Path) -> str:
    return ".".join(_toml_key(p) for p in path)


def _toml_value(value: Any, kind: str = "", old: str = "", nl: str = "\n") -> str:
    """`value` written as TOML; a string keeps the old literal/multi-line style when it can."""
    import tomlkit

    if isinstance(value, str):
        if kind == "literal" and "'" not in value and all(_plain(c) for c in value):
            return f"'{value}'"
        if kind in ("mlbasic", "mlliteral") and "\n" in value:
            # A line break right after the opening quotes is not part of the value.
            first = nl if old[3:4] in ("\r", "\n") or value.startswith("\n") else ""
            if (
                kind == "mlliteral"
                and "'''" not in value
                and all(_plain(c) or c == "\n" for c in value)
            ):
                return "'''" + first + value.replace("\n", nl) + "'''"
            body = "".join(
                c if _plain(c) and c not in '"\\' else "\n" if c == "\n" else f"\\u{ord(c):04x}"
                for c in value
            )
            return '"""' + first + body.replace("\n", nl) + '"""'
        return tomlkit.string(value).as_string()
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return tomlkit.item(value).as_string()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        pad = " " if value and old.startswith("{ ") else ""  # `{ a = 1 }` like its neighbour
        members = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + pad + members + pad + "}"
    raise _Unwritable(repr(value))


# --------------------------------------------------------------------------- JSONC

_JSONC = _Syntax(
    skip=re.compile(r"(?:\s+|//[^\r\n]*|/\*.*?\*/)*", re.DOTALL),
    trail=re.compile(r"[ \t]*(?:(?://[^\r\n]*|/\*[^\r\n]*?\*/)[ \t]*)*(?:\r?\n|\Z)"),
    pad="",
)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


class _JsoncDoc(_Doc):
    """A JSONC text as a tree of nodes, built from envman.jsonc's spans and key positions."""

    syntax = _JSONC

    def __init__(self, text: str, filename: str) -> None:
        from envman.jsonc import parse

        super().__init__(text, filename)
        parsed = parse(text, filename)
        self.data = parsed.data
        self.spans = parsed.spans
        self.positions = parsed.positions
        self.bom = 1 if text.startswith("\ufeff") else 0
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.root = self._node((), self.data)

    def _node(self, path: Path, value: Any) -> _Node:
        start, end = self.spans[path]
        if isinstance(value, dict):
            children: list[tuple[str | int, Any]] = list(value.items())
        elif isinstance(value, list):
            children = list(enumerate(value))
        else:
            return _Node(start, end, "scalar")
        text, items = self.text, []
        for key, child in children:
            node = self._node((*path, key), child)
            begin, sep = node.start, ""
            if isinstance(key, str):
                line, column = self.positions[(*path, key)]
                begin = self.starts[line - 1] + column - 1 + (self.bom if line == 1 else 0)
                token = _JSON_STRING.match(text, begin)
                sep = text[token.end() : node.start] if token else ": "
                sep = sep if "/" not in sep else ": "
            after = _JSONC.skip.match(text, node.end).end()  # type: ignore[union-attr]
            comma = after if text.startswith(",", after) else None
            items.append(_Item(begin, (key,) if isinstance(key, str) else None, node, comma, sep))
        items.sort(key=lambda item: item.start)
        kind = "table" if isinstance(value, dict) else "array"
        return _Node(start, end, kind, _Seq(start, end - 1, items))

    def find(self, path: Path) -> _Loc | None:
        return _descend(self.root, path, 0) if path else _Loc("root", (), node=self.root)

    def render(self, value: Any, indent: str, multiline: bool, like: str = "") -> str:
        """JSON for `value`: on several lines, indented like the file, when its place is."""
        if isinstance(value, float) and not math.isfinite(value):
            raise _Unwritable(repr(value))
        nested = isinstance(value, list) and any(isinstance(v, dict | list) and v for v in value)
        if multiline and ((isinstance(value, dict) and value) or nested):
            inner = indent + self.unit
            if isinstance(value, dict):
                parts = [
                    f"{inner}{json.dumps(k, ensure_ascii=False)}: {self.render(v, inner, True)}"
                    for k, v in value.items()
                ]
            else:
                parts = [inner + self.render(v, inner, True) for v in value]
            brackets = "{}" if isinstance(value, dict) else "[]"
            body = ("," + self.nl).join(parts)
            return brackets[0] + self.nl + body + self.nl + indent + brackets[1]
        flat = json.dumps(value, ensure_ascii=False)
        if isinstance(value, dict) and value and like.startswith("{ ") and like.endswith(" }"):
            flat = "{ " + flat[1:-1] + " }"
        return flat

    def _owner_start(self, loc: _Loc) -> int:
        return loc.seq.items[loc.index].start if loc.seq is not None else 0

    def replace(self, loc: _Loc, value: Any) -> str:
        assert loc.node is not None
        text, node = self.text, loc.node
        owner = self._owner_start(loc)
        multiline = "\n" in text[node.start : node.end] or _starts_line(text, owner)
        rendered = self.render(value, _indent(text, owner), multiline, text[node.start : node.end])
        return text[: node.start] + rendered + text[node.end :]

    def add(self, path: Path, value: Any) -> str:
        size = len(path) - 1
        while (loc := self.find(path[:size])) is None:
            size -= 1
        key, member = path[size], _nest(path[size + 1 :], value)
        if (
            loc.node is None
            or loc.node.seq is None
            or loc.node.kind != "table"
            or not isinstance(key, str)
        ):
            raise self.not_table(path[:size], loc)
        seq = loc.node.seq
        sep = next((item.sep for item in seq.items), ": ")
        name = json.dumps(key, ensure_ascii=False)
        expand = _starts_line(self.text, self._owner_start(loc))
        return self.seq_insert(
            seq, len(seq.items), lambda ind, ml: name + sep + self.render(member, ind, ml), expand
        )

    def insert(self, loc: _Loc, index: int, value: Any) -> str:
        if loc.node is None or loc.node.seq is None or loc.node.kind != "array":
            raise self.error(f"`{_show(loc.path)}` is not a list", _start(loc))
        seq, text = loc.node.seq, self.text
        like = text[seq.items[-1].node.start : seq.items[-1].node.end] if seq.items else ""
        # An empty array opens onto lines of its own only for a table or a list; ["a"] stays flat.
        expand = (
            _starts_line(text, self._owner_start(loc))
            and bool(value)
            and isinstance(value, dict | list)
        )
        return self.seq_insert(
            seq,
            index,
            lambda ind, ml: self.render(value, ind, ml and ("\n" in like or not like), like),
            expand,
        )

    def delete(self, loc: _Loc) -> str:
        if loc.seq is None:
            raise self.error("cannot delete the whole document", 0)
        return self.seq_delete(loc.seq, loc.index)
