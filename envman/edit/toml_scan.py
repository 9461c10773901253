"""Scan TOML text into [headers] and `key = value` lines that know their spans."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from envman.edit.doc import (
    _SPACES,
    Path,
    _content_end,
    _descend,
    _Doc,
    _Item,
    _line_start,
    _Loc,
    _Node,
    _Seq,
    _Syntax,
)
from envman.edit.render import _BARE_KEY
from envman.errors import InputError

_TOML = _Syntax(
    skip=re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*"),
    trail=re.compile(r"[ \t]*(?:#[^\r\n]*)?(?:\r?\n|\Z)"),
    pad=" ",
)
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
    body: int = 0  # end of its own lines (see _TomlScan._body_end)


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


class _TomlScan(_Doc):
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
        self._first_kv: dict[Path, int] = {}
        self.last_kv: dict[int, int] = {}  # header index (-1: the root) -> its last kv's index
        for i, kv in enumerate(self.kvs):
            self._first_kv.setdefault(kv.path, i)
            self.last_kv[kv.owner] = i
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
        # The first `key = value` line that writes `path` or a value that holds it.
        firsts = [i for k in range(1, n + 1) if (i := self._first_kv.get(path[:k])) is not None]
        if firsts:
            kv = self.kvs[min(firsts)]
            if kv.path == path:
                return _Loc("kv", path, node=kv.node, kv=kv)
            return _descend(kv.node, path, len(kv.path))
        headers = [i for i, h in enumerate(self.headers) if h.path[:n] == path]
        dotted = [kv for kv in self.kvs if kv.path[:n] == path and len(self._table_of(kv)) < n]
        if path and not headers and not dotted:
            return None
        if any(self.headers[i].aot and len(self.headers[i].path) == n + 1 for i in headers):
            return _Loc("aot", path)
        own = next((i for i in headers if self.headers[i].path == path), None if path else -1)
        return _Loc("table", path, owner=own, kv=dotted[-1] if dotted else None)
