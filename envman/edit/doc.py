"""The document model both editors share: value spans, path locations, comma-list splices."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from envman.errors import InputError
from envman.parse import TomlPair

Path = tuple[str | int, ...]
_MISSING: Final = object()
_SPACES = re.compile(r"[ \t]*")

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


def _list_changes(old: list[Any], new: list[Any]) -> Sequence[tuple[str, int, int, int, int]]:
    """difflib's opcodes from `old` to `new`, elements compared by their JSON."""
    matcher = difflib.SequenceMatcher(
        a=[_canon(v) for v in old], b=[_canon(v) for v in new], autojunk=False
    )
    return matcher.get_opcodes()


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


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


@dataclass(frozen=True)
class _Splice:
    """New text for text[start:end], made from what text holds at the spans in `reads`
    (which include start:end): it stays right while no other change touches them."""

    start: int
    end: int
    text: str
    reads: tuple[tuple[int, int], ...]


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
    kv: TomlPair | None = None
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
    trail: re.Pattern[str]  # the rest of a line when it holds only blanks and comments
    pad: str  # inside braces around the first member of an empty inline table


_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


class _Unwritable(ValueError):
    """A value the target format cannot hold (TOML has no null, JSON no infinity)."""

    def __init__(self, value: Any) -> None:
        super().__init__(repr(value))
        self.non_finite = isinstance(value, float) and not math.isfinite(value)


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

    def replacement(self, loc: _Loc, value: Any) -> _Splice:
        """The splice that writes `value` over the value at `loc` (a kv or an item)."""
        raise NotImplementedError

    def replace(self, loc: _Loc, value: Any) -> str:
        return self.apply(self.replacement(loc, value))

    def addition(self, path: Path, value: Any) -> _Splice | None:
        """The splice `add(path, value)` makes, when it is one that other splices of the
        same text can be made beside; None when it is not (or not known to be)."""
        return None

    def removal(self, loc: _Loc) -> _Splice | None:
        """The splice `delete(loc)` makes, when it is one that other splices of the same
        text can be made beside; None when it is not (or not known to be)."""
        return None

    def apply(self, change: _Splice) -> str:
        return self.text[: change.start] + change.text + self.text[change.end :]

    def nl_span(self) -> tuple[int, int]:
        """The span `self.nl` is read from: up to the first line break, or all of a one-line text."""
        first = self.text.find("\n")
        return (0, first + 1) if first >= 0 else (0, len(self.text))

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
