"""A JSONC text as a tree of spans (from envman.jsonc) that splices one change in."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from envman.edit.doc import (
    Path,
    _descend,
    _Doc,
    _indent,
    _Item,
    _line_start,
    _Loc,
    _nest,
    _Node,
    _Seq,
    _show,
    _Splice,
    _start,
    _starts_line,
    _Syntax,
    _Unwritable,
)

_SKIP = re.compile(r"(?:\s+|//[^\r\n]*|/\*.*?\*/)*", re.DOTALL)  # blanks and comments
_JSONC = _Syntax(
    trail=re.compile(r"[ \t]*(?:(?://[^\r\n]*|/\*[^\r\n]*?\*/)[ \t]*)*(?:\r?\n|\Z)"),
    pad="",
)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


class _JsoncDoc(_Doc):
    """A JSONC text as a tree of nodes, built from envman.jsonc's spans and key positions."""

    syntax = _JSONC

    def __init__(self, text: str, filename: str) -> None:
        from envman.parse import parse_text

        super().__init__(text, filename)
        parsed = parse_text(text, filename, jsonc=True)
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
            after = _SKIP.match(text, node.end).end()  # type: ignore[union-attr]
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
            raise _Unwritable(value)
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

    def replacement(self, loc: _Loc, value: Any) -> _Splice:
        assert loc.node is not None
        text, node = self.text, loc.node
        owner = self._owner_start(loc)
        multiline = "\n" in text[node.start : node.end] or _starts_line(text, owner)
        rendered = self.render(value, _indent(text, owner), multiline, text[node.start : node.end])
        # It reads its owner's line up to the value; laid out on several lines, also the
        # file's indent unit and line break, which any other change might alter.
        reads = (0, len(text)) if "\n" in rendered else (_line_start(text, owner), node.end)
        return _Splice(node.start, node.end, rendered, (reads,))

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
