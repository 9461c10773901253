"""Parse wrangler's JSONC dialect into data plus the location of every key and value."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Any

from envman.errors import InputError
from envman.files import MAX_DEPTH

Loc = tuple[str | int, ...]

"""Deeper nesting is refused: no config nests this far, and it guards every consumer's recursion."""

# JSON whitespace plus the odd spaces that wrangler's parser (Microsoft's jsonc-parser) skips.
_SPACE = r"[ \t\n\r\f\v\u00a0\ufeff]"
_SKIP = re.compile(rf"(?:{_SPACE}+|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_END_OF_WORD = r"(?![-+.0-9A-Za-z_$])"
# One token after any whitespace and comments. The skip is possessive (`*+`) so that a
# failed match never backtracks through every way of splitting a run of spaces.
_TOKEN = re.compile(
    rf"(?:{_SPACE}+|//[^\n]*|/\*.*?\*/)*+"
    r"(?:([{}\[\],:])"  # 1: punctuation
    r'|"([^"\\\x00-\x1f]*)"'  # 2: a string without escapes
    rf"|(-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?){_END_OF_WORD}"  # 3: a number
    rf"|(true|false|null){_END_OF_WORD})",  # 6: a literal
    re.DOTALL,
)
# A plain key and its colon, the commonest pair of tokens, read in one step.
_KEY = re.compile(rf'(?:{_SPACE}+|//[^\n]*|/\*.*?\*/)*+"([^"\\\x00-\x1f]*)"', re.DOTALL)
_COLON_AFTER_KEY = re.compile(rf"(?:{_SPACE}+|//[^\n]*|/\*.*?\*/)*+:", re.DOTALL)
_STRING_CHUNK = re.compile(r'[^"\\\x00-\x1f]*')
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
_WORD = re.compile(r"[-+.0-9A-Za-z_$]+")
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_SHOWN_LENGTH = 12


def _shown(token: str) -> str:
    """`token` quoted for an error message, if it is short; else only its length.

    A file that is not JSON (a secret file behind a symbolic link named wrangler.jsonc,
    a token pasted unquoted) must not have its content copied into a CI log: a typo
    such as `yes`, `None` or `1.` is short, a credential is not.
    """
    if len(token) <= _SHOWN_LENGTH:
        return repr(token)
    return f"of {len(token)} characters (not shown: it could be a secret)"


# What the parser expects next.
_VALUE, _ELEMENT, _MEMBER, _COLON, _AFTER, _DONE = range(6)


@dataclass(frozen=True)
class Parsed:
    """A parsed JSONC text: its data and where each key path is written.

    `positions` maps a key path to the 1-based (line, column) of the key for object
    members, of the value for array elements, and of the root value for (). `spans`
    maps every path to the (start, end) character offsets of its value in the text.
    `duplicates` lists each key occurrence that a later one with the same path
    overrode (the last wins, as in wrangler), so with `positions` both are known.
    """

    data: Any
    positions: dict[Loc, tuple[int, int]]
    spans: dict[Loc, tuple[int, int]]
    duplicates: tuple[tuple[Loc, tuple[int, int]], ...]


class _Frame:
    """An open object or array while its members are being read."""

    __slots__ = ("container", "is_object", "key", "path", "start")

    def __init__(self, container: Any, path: Loc, start: int, is_object: bool) -> None:
        self.container = container
        self.path = path
        self.start = start
        self.is_object = is_object
        self.key = ""


def parse(text: str, filename: str) -> Parsed:
    """Parse JSONC `text`; syntax errors raise InputError located at `filename`:line:column."""
    return _Parser(text, filename).run()


class _Parser:
    def __init__(self, text: str, filename: str) -> None:
        self.text = text
        self.filename = filename
        self.bom = 1 if text.startswith("\ufeff") else 0
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect_right(self.line_starts, offset)
        column = offset - self.line_starts[line - 1] + 1
        if line == 1:
            column -= self.bom  # the BOM is not a column anyone can see
        return line, max(column, 1)

    def error(self, message: str, offset: int) -> InputError:
        line, column = self.where(offset)
        return InputError(message, file=self.filename, line=line, column=column)

    def run(self) -> Parsed:
        text, n = self.text, len(self.text)
        match_token, match_key, match_colon = _TOKEN.match, _KEY.match, _COLON_AFTER_KEY.match
        offsets: dict[Loc, int] = {}  # turned into (line, column) at the end, in one pass
        spans: dict[Loc, tuple[int, int]] = {}
        overridden: list[tuple[Loc, int]] = []
        stack: list[_Frame] = []
        frame: _Frame | None = None
        path: Loc = ()
        state = _VALUE
        pos = self.bom
        value: Any = None
        while True:
            # Read one token: `kind` is its punctuation, "s" for a string, "v" for another
            # value, "?" for something that cannot come next, or "" at the end.
            closing = False
            if state == _MEMBER:
                key = match_key(text, pos)
                if key is not None:
                    colon = match_colon(text, key.end())
                    if colon is not None:
                        assert frame is not None
                        name = key.group(1)
                        path = (*frame.path, name)
                        if name in frame.container:
                            overridden.append((path, offsets[path]))
                        offsets[path] = key.start(1) - 1
                        frame.key = name
                        state = _VALUE
                        pos = colon.end()
                        continue
            token = match_token(text, pos)
            if token is not None:
                group = token.lastindex
                end = token.end()
                if group == 1:
                    kind = token.group(1)
                    start = end - 1
                elif group == 2:
                    kind = "s"
                    value = token.group(2)
                    start = token.start(2) - 1
                elif group == 3:
                    kind = "v"
                    start = token.start(3)
                    value = self._number(token.group(3), token.group(4) or token.group(5), start)
                else:
                    kind = "v"
                    start = token.start(6)
                    value = _LITERALS[token.group(6)]
            else:
                start = self._skip(pos)
                if start >= n:
                    kind, end = "", n
                elif state in (_AFTER, _COLON, _DONE):
                    kind, end = "?", start  # the state below says what it expected
                elif text[start] == '"':
                    kind = "s"
                    value, end = self._string(start)
                else:
                    raise self._bad_token(start, state)

            if state == _AFTER:
                assert frame is not None
                closer = "}" if frame.is_object else "]"
                if kind == ",":
                    state = _MEMBER if frame.is_object else _ELEMENT
                    pos = end
                    continue
                if kind != closer:
                    if not kind:
                        raise self.error(f"unexpected end of file: expected ',' or '{closer}'", n)
                    what = "object member" if frame.is_object else "array element"
                    raise self.error(f"expected ',' or '{closer}' after {what}", start)
                value, start, path, closing = frame.container, frame.start, frame.path, True
            elif state == _MEMBER:
                assert frame is not None
                if kind == "s":
                    path = (*frame.path, value)
                    if value in frame.container:
                        overridden.append((path, offsets[path]))
                    offsets[path] = start
                    frame.key = value
                    state = _COLON
                    pos = end
                    continue
                if kind != "}":
                    raise self._bad_key(start, kind)
                value, start, path, closing = frame.container, frame.start, frame.path, True
            elif state == _COLON:
                if kind != ":":
                    if not kind:
                        raise self.error("unexpected end of file: expected ':' after key", n)
                    raise self.error("expected ':' after object key", start)
                state = _VALUE
                pos = end
                continue
            elif state == _DONE:
                if kind:
                    raise self.error("unexpected content after the top-level value", start)
                data = value
                positions = self._positions(offsets)
                duplicates = tuple((loc, self.where(offset)) for loc, offset in overridden)
                if overridden:  # drop what the overridden values held
                    positions = {k: v for k, v in positions.items() if _exists(data, k)}
                    spans = {k: v for k, v in spans.items() if _exists(data, k)}
                return Parsed(data, positions, spans, duplicates)
            else:  # _VALUE or _ELEMENT
                if state == _ELEMENT:
                    assert frame is not None
                    if kind == "]":
                        value, start, path = frame.container, frame.start, frame.path
                        closing = True
                    else:
                        path = (*frame.path, len(frame.container))
                        offsets[path] = start
                elif frame is None:
                    if not kind:
                        raise self.error("empty document: expected a JSON value", n)
                    offsets[()] = start
                if closing:
                    pass
                elif kind == "{" or kind == "[":
                    if len(stack) >= MAX_DEPTH:
                        raise self.error(f"nesting deeper than {MAX_DEPTH} levels", start)
                    is_object = kind == "{"
                    frame = _Frame({} if is_object else [], path, start, is_object)
                    stack.append(frame)
                    state = _MEMBER if is_object else _ELEMENT
                    pos = end
                    continue
                elif kind != "v" and kind != "s":
                    raise self._bad_value(start, kind)

            # A complete value for `path` spans start..end: attach it to its container.
            if closing:
                stack.pop()
            spans[path] = (start, end)
            pos = end
            if not stack:
                state = _DONE
                frame = None
                continue
            frame = stack[-1]
            if frame.is_object:
                frame.container[frame.key] = value
            else:
                frame.container.append(value)
            state = _AFTER

    def _positions(self, offsets: dict[Loc, int]) -> dict[Loc, tuple[int, int]]:
        starts, bom = self.line_starts, self.bom
        result: dict[Loc, tuple[int, int]] = {}
        for loc, offset in offsets.items():
            line = bisect_right(starts, offset)
            result[loc] = (line, offset - starts[line - 1] + 1 - (bom if line == 1 else 0))
        return result

    # ------------------------------------------------------------------ tokens

    def _skip(self, pos: int) -> int:
        pos = _SKIP.match(self.text, pos).end()  # type: ignore[union-attr]  # `*` always matches
        if self.text.startswith("/", pos):
            if self.text.startswith("/*", pos):
                raise self.error("unterminated block comment", pos)
            raise self.error("unexpected '/': a comment starts with // or /*", pos)
        return pos

    def _number(self, word: str, is_float: str | None, start: int) -> int | float:
        if is_float:
            return float(word)
        try:
            return int(word)
        except ValueError as e:  # beyond int's digit limit (CVE-2020-10735)
            raise self.error("number has too many digits", start) from e

    def _bad_value(self, start: int, kind: str) -> InputError:
        if not kind:
            return self.error("unexpected end of file: expected a value", start)
        return self.error(f"expected a value, found {kind!r}", start)

    def _bad_key(self, start: int, kind: str) -> InputError:
        if not kind:
            return self.error("unexpected end of file: expected a key or '}'", start)
        char = self.text[start]
        found = "a single-quoted key" if char == "'" else repr(kind if kind != "v" else char)
        if kind == "v" or kind not in ",:[]{}":
            found = f"{found} (keys must be double-quoted strings)"
        return self.error(f"expected a double-quoted key or '}}', found {found}", start)

    def _bad_token(self, pos: int, state: int) -> InputError:
        """Why no token starts at `pos`: the precise message for a malformed text."""
        text, char = self.text, self.text[pos]
        word = _WORD.match(text, pos)
        if state == _MEMBER:
            return self._bad_key(pos, "v")
        if char == "'":
            return self.error("strings must use double quotes", pos)
        if word is None:
            return self.error(f"unexpected character {char!r}", pos)
        token = word.group()
        digits = token.lstrip("+-")
        if digits.lower() in {"nan", "infinity", "inf"}:
            return self.error(f"invalid number {token!r}: JSON has no NaN or Infinity", pos)
        shown = _shown(token)
        if char == "+":
            return self.error(f"invalid number {shown}: a number cannot start with '+'", pos)
        if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
            return self.error(f"invalid number {shown}: leading zeros are not allowed", pos)
        if char in "-.0123456789":
            return self.error(f"invalid number {shown}", pos)
        return self.error(f"unexpected word {shown}: strings must be in double quotes", pos)

    def _string(self, pos: int) -> tuple[str, int]:
        """Read the string literal whose opening quote is at `pos`; return it and its end."""
        text = self.text
        parts: list[str] = []
        index = pos + 1
        n = len(text)
        while True:
            chunk = _STRING_CHUNK.match(text, index).end()  # type: ignore[union-attr]
            parts.append(text[index:chunk])
            index = chunk
            if index >= n:
                raise self.error("unterminated string", pos)
            char = text[index]
            if char == '"':
                return "".join(parts), index + 1
            if char != "\\":
                if char in "\r\n":
                    message = "unterminated string: line break before the closing quote"
                    raise self.error(message, pos)
                raise self.error(
                    f"control character U+{ord(char):04X} in string; write it as an escape", index
                )
            escape = text[index + 1 : index + 2]
            if escape in _ESCAPES:
                parts.append(_ESCAPES[escape])
                index += 2
            elif escape == "u":
                code = self._hex4(index)
                index += 6
                if 0xD800 <= code <= 0xDBFF and text.startswith("\\u", index):
                    low = self._hex4(index)
                    if 0xDC00 <= low <= 0xDFFF:
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                parts.append(chr(code))  # a lone surrogate stays one, as in json.loads
            elif not escape:
                raise self.error("unterminated string", pos)
            else:
                raise self.error(f"invalid escape '\\{escape}'", index)

    def _hex4(self, index: int) -> int:
        digits = _HEX4.match(self.text, index + 2)
        if digits is None:
            raise self.error("invalid escape '\\u': expected 4 hex digits", index)
        return int(digits.group(), 16)


def _exists(data: Any, path: Loc) -> bool:
    """Whether `path` leads somewhere in `data`; used to drop paths of overridden duplicates."""
    node = data
    for step in path:
        if isinstance(node, dict) and isinstance(step, str) and step in node:
            node = node[step]
            continue
        if not (isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)):
            return False
        node = node[step]
    return True
