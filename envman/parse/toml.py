"""Locate a TOML text: tomllib's data, with tree-sitter's span of every header, key and value."""

from __future__ import annotations

import gc
import re
import tomllib
from bisect import bisect_right
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from envman.errors import InputError
from envman.parse.toml_located import Loc, TomlHeader, TomlItem, TomlPair, TomlScan, TomlValue

if TYPE_CHECKING:
    from tree_sitter import Language, Node, Parser

# tomllib reads the data (and says what is wrong with a text); the tree-sitter TOML
# grammar says where each part of it is written. Messages take their positions and the
# editor its spans from the same scan, so they cannot disagree about where a key is.

TOML_TRAIL = re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r?\n|\Z)")
"""The rest of a line after a TOML statement or value: blanks, a comment, the line break."""
_STRINGS = {'"""': "mlbasic", "'''": "mlliteral", '"': "basic", "'": "literal"}
# NamedTuples made by tuple.__new__, which skips their Python-level constructor: the
# scan makes one for each value of a file, and that constructor was a fifth of its time.
_new = tuple.__new__
_SCALARS = frozenset(
    (
        "integer",
        "float",
        "boolean",
        "offset_date_time",
        "local_date_time",
        "local_date",
        "local_time",
    )
)


def read_toml(text: str, filename: str) -> TomlScan:
    """tomllib's data of `text`, located; invalid TOML is an InputError at its line and column."""
    data = toml_data(text, filename)
    return replace(_scan(text), data=data)


def toml_data(text: str, filename: str) -> dict[str, Any]:
    """tomllib's data of `text` (not located); invalid TOML is a located InputError."""
    with _without_gc():
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            line, column = _error_position(e, text)
            message = str(e).split(" (at ")[0]
            raise InputError(
                f"invalid TOML: {message}", file=filename, line=line, column=column
            ) from e


def toml_positions(text: str) -> dict[Loc, tuple[int, int]]:
    """Where each key path of `text` is written (see `TomlScan.positions`)."""
    return scan_toml(text).positions


def scan_toml(text: str) -> TomlScan:
    """Locate the headers, keys and values of `text` (without its data). Never raises: on
    text it does not follow it keeps what it found before and says where it stopped.

    A text is scanned once however often it is located (the editor and the messages of
    one run look at the same texts; the result is shared: never modify it)."""
    return _scan(text) if len(text) > _CACHED_TEXT else _scanned(text)


_CACHED_TEXT = 1_000_000
"""The longest text (in characters) whose scan is kept for the next look at it."""


@lru_cache(maxsize=64)
def _scanned(text: str) -> TomlScan:
    return _scan(text)


def _scan(text: str) -> TomlScan:
    scanner = _Scanner(text)
    with _without_gc():
        try:
            scanner.document()
        except (_Unfollowed, RecursionError):
            scanner.stopped = scanner.at_statement
        positions = scanner.positions()
    return TomlScan(
        text=text,
        headers=tuple(scanner.headers),
        pairs=tuple(scanner.pairs),
        positions=positions,
        stopped=scanner.stopped,
    )


@contextmanager
def _without_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector. Reading a file makes a few objects for each key
    and value, none in a reference cycle; the collector walking them again and again as
    they pile up took a third of the time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _parser() -> Parser:
    """A tree-sitter parser of TOML (one per scan: a parser is not safe to share)."""
    from tree_sitter import Parser  # here: imported once a TOML file is read, not at start-up

    return Parser(_language())


@cache
def _language() -> Language:
    import tree_sitter
    import tree_sitter_toml

    return tree_sitter.Language(tree_sitter_toml.language())


class _Unfollowed(Exception):
    """The scanner met text it does not follow; the caller keeps what was found."""


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.source = text.encode("utf-8", "surrogatepass")
        self.headers: list[TomlHeader] = []
        self.pairs: list[TomlPair] = []
        self.offsets: dict[Loc, int] = {}
        self.array_lengths: dict[Loc, int] = {}  # [[array]] path -> elements so far
        self.stopped: int | None = None
        self.at_statement = 0  # where the statement being read starts
        self.last_end = 0  # where the last statement (and its line) ended
        if len(self.source) == len(text):
            self.char: Callable[[int], int] = int  # ASCII: a byte offset is a character offset
        else:
            self.byte_starts = [0, *(m.end() for m in re.finditer(b"\n", self.source))]
            self.char_starts = [0, *(m.end() for m in re.finditer("\n", text))]
            self.char = self._char

    def _char(self, offset: int) -> int:
        """The character offset of the UTF-8 byte `offset` (tree-sitter counts bytes)."""
        row = bisect_right(self.byte_starts, offset) - 1
        start = self.byte_starts[row]
        return self.char_starts[row] + len(self.source[start:offset].decode("utf-8", "replace"))

    def positions(self) -> dict[Loc, tuple[int, int]]:
        """The 1-based (line, column) of each located path."""
        text = self.text
        bom = 1 if text.startswith("\ufeff") else 0  # not a column anyone can see
        starts = [0, *(m.end() for m in re.finditer("\n", text))]
        result: dict[Loc, tuple[int, int]] = {}
        for loc, offset in self.offsets.items():
            line = bisect_right(starts, offset)
            result[loc] = (line, offset - starts[line - 1] + 1 - (bom if line == 1 else 0))
        return result

    # ------------------------------------------------------------------ statements

    def document(self) -> None:
        root = _parser().parse(self.source).root_node
        for node in root.children:
            kind = node.type
            if kind == "comment":
                continue
            self.at_statement = self.char(node.start_byte)
            if kind == "pair" and not node.has_error:
                self.pair(node, (), -1)
            elif kind in ("table", "table_array_element"):
                self.table(node, kind == "table_array_element")
            else:
                raise _Unfollowed

    def table(self, node: Node, aot: bool) -> None:
        """A header and the statements of its table."""
        children = node.children
        if len(children) < 3 or any(c.has_error for c in children[:3]):
            raise _Unfollowed
        char, text = self.char, self.text
        start, close = char(node.start_byte), char(children[2].end_byte)
        path = self.header_path(self.key(children[1]), aot, start)
        end = self.line_end(close)
        line = text.rfind("\n", 0, start) + 1
        lead = self.lead(line)
        self.headers.append(TomlHeader(line, end, path, aot, text[start:close], lead))
        self.last_end = end
        owner = len(self.headers) - 1
        for child in children[3:]:
            if child.type == "comment":
                continue
            self.at_statement = char(child.start_byte)
            if child.type != "pair" or child.has_error:
                raise _Unfollowed
            self.pair(child, path, owner)

    def pair(self, node: Node, table: Loc, owner: int) -> None:
        key_start, key_end, parts, path, value = self.assignment(node, table)
        text = self.text
        end = self.line_end(value.end)
        line = text.rfind("\n", 0, key_start) + 1
        sep = text[key_end : value.start]
        self.pairs.append(_new(TomlPair, (line, key_start, parts, path, value, end, owner, sep)))
        self.last_end = end

    def assignment(
        self, node: Node, table: Loc
    ) -> tuple[int, int, tuple[str, ...], Loc, TomlValue]:
        """`key = value` in `table`: the key's span, its parts, its path and its value."""
        children = node.children
        if len(children) < 3:
            raise _Unfollowed
        key, value_node = children[0], children[2]
        char = self.char
        key_end = char(key.end_byte)
        if key.type == "bare_key":  # the common case, read without building a list of parts
            key_start = char(key.start_byte)
            parts: tuple[str, ...] = (self.text[key_start:key_end],)
            path: Loc = (*table, *parts)
            self.offsets[path] = key_start
        else:
            keys = self.key(key)
            key_start, parts = keys[0][1], tuple(name for name, _ in keys)
            path = self.locate_keys(table, keys)
        return key_start, key_end, parts, path, self.value(value_node, path)

    def line_end(self, pos: int) -> int:
        """After the line break that ends the statement ending at `pos` (or the text's end)."""
        match = TOML_TRAIL.match(self.text, pos)
        if match is None:
            raise _Unfollowed
        return match.end()

    def lead(self, line: int) -> int:
        """The start of the comment lines right above the header at `line`; a comment block
        right below the statement before belongs to that statement instead."""
        text, floor, start = self.text, self.last_end, line
        while start > floor:
            previous = text.rfind("\n", 0, start - 1) + 1
            if not text[previous:start].lstrip().startswith("#"):
                break
            start = previous
        return line if start == floor and floor > 0 else start

    # ------------------------------------------------------------------ keys

    def key(self, node: Node) -> list[tuple[str, int]]:
        """The parts of a (dotted) key, unescaped, each with its offset."""
        if node.type == "dotted_key":
            return [part for child in node.named_children for part in self.key(child)]
        raw = node.text.decode("utf-8", "surrogatepass") if node.text is not None else ""
        if node.type == "quoted_key":
            if raw.startswith("'"):
                raw = raw[1:-1]
            elif "\\" in raw:
                try:
                    raw = tomllib.loads(f"k = {raw}")["k"]
                except tomllib.TOMLDecodeError as e:  # an escape tomllib refuses
                    raise _Unfollowed from e
            else:
                raw = raw[1:-1]
        elif node.type != "bare_key":
            raise _Unfollowed
        return [(raw, self.char(node.start_byte))]

    def header_path(self, keys: list[tuple[str, int]], aot: bool, bracket: int) -> Loc:
        """The table a header opens, each of its keys located; counts [[array]] elements."""
        offsets = self.offsets
        resolved: Loc = ()
        for index, (key, offset) in enumerate(keys):
            resolved = (*resolved, key)
            last = index == len(keys) - 1
            if last and aot:
                offsets.setdefault(resolved, offset)
                count = self.array_lengths.get(resolved, 0)
                self.array_lengths[resolved] = count + 1
                resolved = (*resolved, count)
                offsets[resolved] = bracket
            elif last:
                offsets[resolved] = offset  # the explicit header beats an implicit mention
            else:
                offsets.setdefault(resolved, offset)
                count = self.array_lengths.get(resolved, 0)
                if count:  # a key through an array of tables means its latest element
                    resolved = (*resolved, count - 1)
        return resolved

    def locate_keys(self, base: Loc, keys: list[tuple[str, int]]) -> Loc:
        path = base
        offsets = self.offsets
        for key, offset in keys[:-1]:
            path = (*path, key)
            offsets.setdefault(path, offset)
        key, offset = keys[-1]
        path = (*path, key)
        offsets[path] = offset
        return path

    # ------------------------------------------------------------------ values

    def value(self, node: Node, path: Loc) -> TomlValue:
        kind = node.type
        start, end = self.char(node.start_byte), self.char(node.end_byte)
        if kind == "string":
            head = self.text[start : start + 3]
            style = _STRINGS.get(head) or _STRINGS.get(head[:1])
            if style is None:
                raise _Unfollowed
            return _new(TomlValue, (start, end, style, ()))
        if kind in _SCALARS:
            return _new(TomlValue, (start, end, "scalar", ()))
        if kind == "array":
            return _new(TomlValue, (start, end, "array", self.elements(node, path)))
        if kind == "inline_table":
            return _new(TomlValue, (start, end, "table", self.members(node, path)))
        raise _Unfollowed

    def elements(self, node: Node, path: Loc) -> tuple[TomlItem, ...]:
        items: list[TomlItem] = []
        value: TomlValue | None = None
        for child in node.children:
            kind = child.type
            if kind in ("[", "]", "comment"):
                continue
            if kind == ",":
                if value is None:
                    raise _Unfollowed
                items.append(
                    _new(TomlItem, (value.start, None, value, self.char(child.start_byte), ""))
                )
                value = None
                continue
            if value is not None:
                raise _Unfollowed
            element = (*path, len(items))
            self.offsets[element] = self.char(child.start_byte)
            value = self.value(child, element)
        if value is not None:
            items.append(_new(TomlItem, (value.start, None, value, None, "")))
        return tuple(items)

    def members(self, node: Node, path: Loc) -> tuple[TomlItem, ...]:
        items: list[TomlItem] = []
        member: tuple[int, tuple[str, ...], TomlValue, str] | None = None
        for child in node.children:
            kind = child.type
            if kind in ("{", "}", "comment"):
                continue
            if kind == ",":
                if member is None:
                    raise _Unfollowed
                items.append(_new(TomlItem, (*member[:3], self.char(child.start_byte), member[3])))
                member = None
                continue
            if kind != "pair" or member is not None:
                raise _Unfollowed
            key_start, key_end, parts, _, value = self.assignment(child, path)
            member = (key_start, parts, value, self.text[key_end : value.start])
        if member is not None:
            items.append(_new(TomlItem, (*member[:3], None, member[3])))
        return tuple(items)


def _error_position(error: tomllib.TOMLDecodeError, text: str) -> tuple[int | None, int | None]:
    # Python 3.14 adds lineno/colno; before that they are only in the message.
    line = getattr(error, "lineno", None)
    column = getattr(error, "colno", None)
    if line is None:
        match = re.search(r"\(at line (\d+), column (\d+)\)", str(error))
        if match:
            line, column = int(match[1]), int(match[2])
        elif "at end of document" in str(error):
            lines = text.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
    return line, column
