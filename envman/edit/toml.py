"""Splice one change into a located TOML text: replace, add, insert or delete at its spans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from envman.edit.doc import (
    Path,
    _content_end,
    _cut,
    _descend,
    _Doc,
    _Item,
    _line_start,
    _Loc,
    _merge,
    _nest,
    _Node,
    _Seq,
    _show,
    _Splice,
    _start,
    _Syntax,
)
from envman.edit.render import (
    _aot_style,
    _dotted,
    _table_style,
    _toml_chunks,
    _toml_key,
    _toml_value,
)
from envman.parse import TOML_TRAIL, TomlPair, TomlValue, parse_text, scan_toml

_TOML = _Syntax(trail=TOML_TRAIL, pad=" ")


class _TomlDoc(_Doc):
    """A TOML text located by envman.parse, that splices one change in at the spans of its
    values, headers and `key = value` lines."""

    syntax = _TOML

    def __init__(self, text: str, filename: str) -> None:
        super().__init__(text, filename)
        # The data as the rest of envman reads the file (parsed once, however often it is
        # read: a promotion validates the texts it writes); the spans from one scan of it.
        data = parse_text(text, filename, jsonc=False).data
        scan = scan_toml(text)
        if scan.stopped is not None:  # text tomllib reads and the TOML grammar does not
            raise self.error(
                "envman cannot follow the TOML here to edit it", scan.stopped,
                hint="edit the file by hand, and please report the file's shape as a bug",
            )  # fmt: skip
        self.data = data
        self.headers = scan.headers
        self.kvs = scan.pairs
        self._first_kv: dict[Path, int] = {}
        self.last_kv: dict[int, int] = {}  # header index (-1: the root) -> its last kv's index
        for i, kv in enumerate(self.kvs):
            self._first_kv.setdefault(kv.path, i)
            self.last_kv[kv.owner] = i
        # Where each table's lines end: `stops` where the next table's comments begin,
        # `bodies` after its last statement and the comments glued to it.
        n, headers = len(text), self.headers
        self.stops = [
            headers[i + 1].lead if i + 1 < len(headers) else n for i in range(len(headers))
        ]
        self.root_stop = headers[0].lead if headers else n
        floors = {-1: 0, **{i: h.end for i, h in enumerate(headers)}}
        for kv in self.kvs:
            floors[kv.owner] = kv.end
        self.bodies = [self._body_end(floors[i], self.stops[i]) for i in range(len(headers))]
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

    def _table_of(self, kv: TomlPair) -> Path:
        return self.headers[kv.owner].path if kv.owner >= 0 else ()

    def find(self, path: Path) -> _Loc | None:
        n = len(path)
        # The first `key = value` line that writes `path` or a value that holds it.
        firsts = [i for k in range(1, n + 1) if (i := self._first_kv.get(path[:k])) is not None]
        if firsts:
            kv = self.kvs[min(firsts)]
            if kv.path == path:
                return _Loc("kv", path, node=_node(kv.value), kv=kv)
            return _descend(_node(kv.value), path, len(kv.path))
        headers = [i for i, h in enumerate(self.headers) if h.path[:n] == path]
        dotted = [kv for kv in self.kvs if kv.path[:n] == path and len(self._table_of(kv)) < n]
        if path and not headers and not dotted:
            return None
        if any(self.headers[i].aot and len(self.headers[i].path) == n + 1 for i in headers):
            return _Loc("aot", path)
        own = next((i for i in headers if self.headers[i].path == path), None if path else -1)
        return _Loc("table", path, owner=own, kv=dotted[-1] if dotted else None)

    def render(self, value: Any, old: _Node | None = None) -> str:
        if old is None:
            return _toml_value(value)
        return _toml_value(value, old.kind, self.text[old.start : old.end], self.nl)

    def replacement(self, loc: _Loc, value: Any) -> _Splice:
        assert loc.node is not None
        node = loc.node
        rendered = self.render(value, node)
        # A multi-line string is written with the file's line break, read from its first line.
        reads = (node.start, node.end), *([self.nl_span()] if "\n" in rendered else [])
        return _Splice(node.start, node.end, rendered, reads)

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
            return self.apply(self._line_after(last[-1], rel, member))
        if _table_style(child, member) or _aot_style(child, member):
            return self._insert_block(self._anchor(prefix), _toml_chunks(prefix, {key: member}))
        if loc.owner is not None:
            kvs = [kv for kv in self.kvs if kv.owner == loc.owner]
            if kvs:
                return self.apply(self._line_after(kvs[-1], (key,), member))
            line = f"{_toml_key(key)} = {self.render(member)}"
            if loc.owner >= 0:
                return self._insert_line(self.headers[loc.owner].end, line)
            at = self.root_stop  # a root without keys: above the first table, a blank line between
            if at < len(self.text):
                return self.text[:at] + line + self.nl + self.nl + self.text[at:]
            return self._insert_line(at, line)
        # a table that only exists through its sub-tables: give it its own header
        return self._insert_block(self._anchor(prefix), _toml_chunks(prefix, {key: member}))

    def addition(self, path: Path, value: Any) -> _Splice | None:
        """What `add` writes when that is a `key = value` line after the last one of a
        [table]; None otherwise."""
        loc, key = self.find(path[:-1]), path[-1]
        if loc is None or loc.kind != "table" or loc.owner is None or not isinstance(key, str):
            return None
        last = self.kvs[self.last_kv[loc.owner]] if loc.owner in self.last_kv else None
        if last is None or loc.owner < 0 or _table_style(path, value) or _aot_style(path, value):
            return None
        if len(last.parts) > 1:  # a new table would be written as dotted leaves
            return None
        change = self._line_after(last, (key,), value)
        # It copies the indent and separator of the line before (as a line added after it
        # will copy them from it) and writes the file's line break.
        reads = ((last.line, last.value.start), (last.value.end, last.end), self.nl_span())
        return _Splice(change.start, change.end, change.text, reads)

    def removal(self, loc: _Loc) -> _Splice | None:
        """What `delete` cuts when that is one `key = value` line of a [table] (the table
        stays) other than the file's last line; None otherwise."""
        kv = loc.kv
        if loc.kind != "kv" or kv is None or kv.owner < 0 or len(kv.parts) > 1:
            return None
        if kv.end >= len(self.text):  # the end of the file has rules of its own (_apply_cuts)
            return None
        return _Splice(kv.line, kv.end, "", ((kv.line, kv.end),))

    def _line_after(self, kv: TomlPair, rel: Path, value: Any) -> _Splice:
        """`rel = value` on a new line after `kv`, indented like it; a table as dotted leaves
        when `kv` itself is a dotted key."""
        indent = self.text[kv.line : kv.key_start]
        leaves = list(_leaves(rel, value)) if len(kv.parts) > 1 else [(rel, value)]
        lines = [f"{indent}{_dotted(path)}{kv.sep}{self.render(leaf)}" for path, leaf in leaves]
        return self._line_insertion(kv.end, self.nl.join(lines))

    def _insert_line(self, at: int, line: str) -> str:
        return self.apply(self._line_insertion(at, line))

    def _line_insertion(self, at: int, line: str) -> _Splice:
        text = self.text
        if at == len(text) and text and not text.endswith("\n"):
            return _Splice(at, at, self.nl + line, ())
        return _Splice(at, at, line + self.nl, ())

    def _anchor(self, prefix: Path) -> int:
        """Where a new table under `prefix` goes: after the last table of `prefix`."""
        for n in range(len(prefix), -1, -1):
            mine = [
                i
                for i, h in enumerate(self.headers)
                if h.path[:n] == prefix[:n] and (n or h.path[:1] != ("env",))
            ]
            if mine:
                return self.bodies[mine[-1]]
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
        extent = [i for i, h in enumerate(self.headers) if h.path[: n + 1] == model.path]
        return self._insert_block(self.bodies[extent[-1]], chunks)

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
        cuts = [self._region_cut(i) for i, h in enumerate(self.headers) if h.path[:n] == loc.path]
        for kv in self.kvs:
            if kv.path[:n] == loc.path and not any(s <= kv.line < e for s, e in cuts):
                cuts.append((kv.line, kv.end))
        return self._apply_cuts(cuts, region=True)

    def _kv_cut(self, kv: TomlPair) -> tuple[int, int]:
        """A key's line; for the only top-level key also the blank line that an insertion
        put between it and the first table."""
        end = kv.end
        if [k for k in self.kvs if k.owner == -1] == [kv]:
            gap = self.text[end : self.root_stop]
            end = self.root_stop if not gap.strip() and gap.count("\n") == 1 else end
        return kv.line, end

    def _region_cut(self, index: int) -> tuple[int, int]:
        """A table's lines (with the comments attached above it) and the one blank line
        above them, mirroring what an insertion writes; at the top of the file, the blank
        lines below instead."""
        text, stop = self.text, self.stops[index]
        start, end = self.headers[index].lead, self.bodies[index]
        if not text[:start].strip():
            while end < stop and not text[end : text.find("\n", end) + 1 or None].strip():
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


def _node(value: TomlValue) -> _Node:
    """The editor's node of a located value (arrays and inline tables with their items)."""
    if not value.items and value.kind not in ("array", "table"):
        return _Node(value.start, value.end, value.kind)
    items = [_Item(i.start, i.key, _node(i.value), i.comma, i.sep) for i in value.items]
    return _Node(value.start, value.end, value.kind, _Seq(value.start, value.end - 1, items))
