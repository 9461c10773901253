"""Locate where each key path of a TOML document is written, for messages that point at lines."""

from __future__ import annotations

import contextlib
import re
from bisect import bisect_right

Loc = tuple[str | int, ...]

# tomllib does the real parsing; this scanner only walks the same grammar to find keys.
# It trusts its input to be valid TOML and, on anything it does not follow, stops and
# returns what it has found so far rather than guess.

_BLANK = re.compile(r"(?:[ \t]+|#[^\n]*|\r?\n)*")
_SPACE = re.compile(r"[ \t]*")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_BASIC = re.compile(r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"')
_LITERAL = re.compile(r"'[^'\n]*'")
# Numbers, booleans, dates and times; a date and a time may be separated by one space.
_SCALAR = re.compile(r"[0-9A-Za-z_+\-.:]+(?: [0-9][0-9A-Za-z_+\-.:]*)?")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|x([0-9a-fA-F]{2})|(.))")
_SIMPLE_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
_SIMPLE_ESCAPES["e"] = "\x1b"  # TOML 1.1, read by newer tomllib versions


class _Unfollowed(Exception):
    """The scanner met text it does not follow; the caller keeps what was found."""


def toml_positions(text: str) -> dict[Loc, tuple[int, int]]:
    """Map each key path of the TOML `text` to the 1-based (line, column) of its key.

    Paths are those of `tomllib.loads(text)`: strings for keys, integers for array
    indexes. A table header locates its table at the header's last key and each
    `[[array]]` element at the header's opening bracket; an array element of a value
    is located at the element. Never raises: on text it cannot follow (which tomllib
    would reject anyway) it returns the positions found before that point.
    """
    scanner = _Scanner(text)
    with contextlib.suppress(_Unfollowed, RecursionError):
        scanner.document()
    return scanner.positions()


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.bom = 1 if text.startswith("\ufeff") else 0
        self.offsets: dict[Loc, int] = {}
        self.array_lengths: dict[Loc, int] = {}  # [[array]] path -> elements so far

    def positions(self) -> dict[Loc, tuple[int, int]]:
        text, bom = self.text, self.bom
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        result: dict[Loc, tuple[int, int]] = {}
        for loc, offset in self.offsets.items():
            line = bisect_right(starts, offset)
            result[loc] = (line, offset - starts[line - 1] + 1 - (bom if line == 1 else 0))
        return result

    # ------------------------------------------------------------------ statements

    def document(self) -> None:
        text, n = self.text, len(self.text)
        table: Loc = ()
        pos = self.bom
        while True:
            pos = _BLANK.match(text, pos).end()  # type: ignore[union-attr]  # `*` always matches
            if pos >= n:
                return
            if text[pos] == "[":
                table, pos = self.header(pos)
            else:
                pos = self.key_value(pos, table)
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            if pos < n and text[pos] not in "#\r\n":
                raise _Unfollowed

    def header(self, pos: int) -> tuple[Loc, int]:
        """Read `[a.b]` or `[[a.b]]` at `pos`; return the table it opens and where it ends."""
        text = self.text
        is_array = text.startswith("[[", pos)
        keys, end = self.dotted_key(pos + (2 if is_array else 1))
        closer = "]]" if is_array else "]"
        if not text.startswith(closer, end):
            raise _Unfollowed
        offsets = self.offsets
        resolved: Loc = ()
        for index, (key, offset) in enumerate(keys):
            resolved = (*resolved, key)
            last = index == len(keys) - 1
            if last and is_array:
                offsets.setdefault(resolved, offset)
                count = self.array_lengths.get(resolved, 0)
                self.array_lengths[resolved] = count + 1
                resolved = (*resolved, count)
                offsets[resolved] = pos
            elif last:
                offsets[resolved] = offset  # the explicit header beats an implicit mention
            else:
                offsets.setdefault(resolved, offset)
                count = self.array_lengths.get(resolved, 0)
                if count:  # a key through an array of tables means its latest element
                    resolved = (*resolved, count - 1)
        return resolved, end + len(closer)

    def key_value(self, pos: int, table: Loc) -> int:
        """Read `key = value` at `pos` inside `table`; return where the value ends."""
        keys, pos = self.dotted_key(pos)
        if not self.text.startswith("=", pos):
            raise _Unfollowed
        path = self.locate_keys(table, keys)
        pos = _SPACE.match(self.text, pos + 1).end()  # type: ignore[union-attr]
        return self.value(pos, path)

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

    def dotted_key(self, pos: int) -> tuple[list[tuple[str, int]], int]:
        """Read `a . "b" . 'c'` and the spaces around it; return (key, offset) pairs and the end."""
        text = self.text
        keys: list[tuple[str, int]] = []
        while True:
            pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
            char = text[pos : pos + 1]
            if char == '"':
                match = _BASIC.match(text, pos)
                if match is None:
                    raise _Unfollowed
                keys.append((_unescape(match.group()[1:-1]), pos))
            elif char == "'":
                match = _LITERAL.match(text, pos)
                if match is None:
                    raise _Unfollowed
                keys.append((match.group()[1:-1], pos))
            else:
                match = _BARE_KEY.match(text, pos)
                if match is None:
                    raise _Unfollowed
                keys.append((match.group(), pos))
            pos = _SPACE.match(text, match.end()).end()  # type: ignore[union-attr]
            if not text.startswith(".", pos):
                return keys, pos
            pos += 1

    # ------------------------------------------------------------------ values

    def value(self, pos: int, path: Loc) -> int:
        """Skip the value at `pos`, locating what is inside it; return where it ends."""
        text = self.text
        char = text[pos : pos + 1]
        if char == '"':
            if text.startswith('"""', pos):
                return _multiline_end(text, pos, '"""', escapes=True)
            match = _BASIC.match(text, pos)
        elif char == "'":
            if text.startswith("'''", pos):
                return _multiline_end(text, pos, "'''", escapes=False)
            match = _LITERAL.match(text, pos)
        elif char == "[":
            return self.array(pos, path)
        elif char == "{":
            return self.inline_table(pos, path)
        else:
            match = _SCALAR.match(text, pos)
        if match is None:
            raise _Unfollowed
        return match.end()

    def array(self, pos: int, path: Loc) -> int:
        text = self.text
        pos += 1
        index = 0
        while True:
            pos = _BLANK.match(text, pos).end()  # type: ignore[union-attr]
            if text.startswith("]", pos):
                return pos + 1
            element = (*path, index)
            self.offsets[element] = pos
            pos = _BLANK.match(text, self.value(pos, element)).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos += 1
                index += 1
            elif text.startswith("]", pos):
                return pos + 1
            else:
                raise _Unfollowed

    def inline_table(self, pos: int, path: Loc) -> int:
        # Newlines, comments and a trailing comma are TOML 1.1; accepting them costs nothing.
        text = self.text
        pos += 1
        while True:
            pos = _BLANK.match(text, pos).end()  # type: ignore[union-attr]
            if text.startswith("}", pos):
                return pos + 1
            keys, pos = self.dotted_key(pos)
            if not text.startswith("=", pos):
                raise _Unfollowed
            member = self.locate_keys(path, keys)
            pos = _BLANK.match(text, pos + 1).end()  # type: ignore[union-attr]
            pos = _BLANK.match(text, self.value(pos, member)).end()  # type: ignore[union-attr]
            if text.startswith(",", pos):
                pos += 1
            elif text.startswith("}", pos):
                return pos + 1
            else:
                raise _Unfollowed


def _multiline_end(text: str, pos: int, quotes: str, *, escapes: bool) -> int:
    """The end of the multi-line string opening at `pos`, including up to two extra quotes."""
    search = pos + 3
    while True:
        close = text.find(quotes, search)
        if close < 0:
            raise _Unfollowed
        if escapes:
            backslash = close - 1
            while text[backslash] == "\\":
                backslash -= 1
            if (close - 1 - backslash) % 2:  # an escaped quote; the delimiter may start after it
                search = close + 1
                continue
        end = close + 3
        extra = 0
        while extra < 2 and text.startswith(quotes[0], end):  # `""""a""""`: content ends in quotes
            end += 1
            extra += 1
        return end


def _unescape(body: str) -> str:
    """The value of a basic-string key's body, with TOML escapes resolved."""
    if "\\" not in body:
        return body

    def replace(match: re.Match[str]) -> str:
        code = match.group(1) or match.group(2) or match.group(3)
        if code:
            number = int(code, 16)
            if number > 0x10FFFF:  # tomllib rejects it; this only must not crash
                raise _Unfollowed
            return chr(number)
        return _SIMPLE_ESCAPES.get(match.group(4), match.group())

    return _ESCAPE.sub(replace, body)
