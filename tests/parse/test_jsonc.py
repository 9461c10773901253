"""jsonc.parse: round trips, locations, error messages and the real wrangler.json corpus."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envman.errors import InputError
from envman.parse.jsonc import MAX_DEPTH, parse
from tests import paths

CORPUS = paths.CORPUS
JSON_FILES = sorted(CORPUS.glob("*/wrangler.json*"))

Loc = tuple[str | int, ...]
KEY_EXPECTED = "expected a double-quoted key or '}'"
KEY_HINT = "(keys must be double-quoted strings)"

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (1 is not 1.0 here)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def at(data: Any, path: Loc) -> Any:
    for step in path:
        data = data[step]
    return data


def offset_of(text: str, position: tuple[int, int]) -> int:
    line, column = position
    return sum(len(row) + 1 for row in text.split("\n")[: line - 1]) + column - 1


def paths(data: Any, path: Loc = ()) -> list[Loc]:
    found = [path]
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths(value, (*path, index))
    return found


def dump_with_noise(value: Any, rnd: random.Random) -> str:
    """`value` as JSONC with comments, odd spacing and trailing commas sprinkled in."""

    def gap() -> str:
        return rnd.choice(["", " ", "\n  ", "\r\n", "// line\n", "/* block */", "/* a\n b */ "])

    def dump(v: Any) -> str:
        if isinstance(v, dict):
            members = [
                f"{gap()}{json.dumps(k)}{gap()}:{gap()}{dump(x)}{gap()}" for k, x in v.items()
            ]
            trailing = "," + gap() if members and rnd.random() < 0.5 else ""
            return "{" + ",".join(members) + trailing + gap() + "}"
        if isinstance(v, list):
            items = [f"{gap()}{dump(x)}{gap()}" for x in v]
            trailing = "," + gap() if items and rnd.random() < 0.5 else ""
            return "[" + ",".join(items) + trailing + gap() + "]"
        return json.dumps(v, ensure_ascii=rnd.random() < 0.5)

    return gap() + dump(value) + gap()


# --------------------------------------------------------------------------- round trips


@given(JSON_VALUES, st.sampled_from([None, 2]), st.booleans())
def test_json_round_trips_with_locations(value: Any, indent: int | None, ascii_only: bool) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    parsed = parse(text, "f")
    assert same(parsed.data, value)
    assert set(parsed.spans) == set(paths(value))
    assert set(parsed.positions) == set(paths(value))
    assert parsed.duplicates == ()
    for path, (start, end) in parsed.spans.items():
        assert same(json.loads(text[start:end]), at(value, path))
    decoder = json.JSONDecoder()
    for path, position in parsed.positions.items():
        written, _ = decoder.raw_decode(text, offset_of(text, position))
        expected = path[-1] if path and isinstance(path[-1], str) else at(value, path)
        assert same(written, expected)


@given(JSON_VALUES, st.randoms(use_true_random=False))
def test_comments_and_trailing_commas_change_nothing(value: Any, rnd: random.Random) -> None:
    text = dump_with_noise(value, rnd)
    parsed = parse(text, "f")
    assert same(parsed.data, value)
    for path, (start, end) in parsed.spans.items():
        assert same(parse(text[start:end], "f").data, at(value, path))


def test_bom_crlf_and_columns() -> None:
    text = '\ufeff{\r\n  "a": 1, "b": [true,\r\n\t"x"]\r\n}\r\n'
    parsed = parse(text, "f")
    assert parsed.data == {"a": 1, "b": [True, "x"]}
    assert parsed.positions[()] == (1, 1)
    assert parsed.positions[("a",)] == (2, 3)
    assert parsed.positions[("b",)] == (2, 11)
    assert parsed.positions[("b", 1)] == (3, 2)
    assert text[slice(*parsed.spans[("b",)])] == '[true,\r\n\t"x"]'


def test_escapes_and_numbers() -> None:
    strings = r'"\"\\\/\b\f\n\r\t", "\u00e9\ud83d\ude00", "\ud800"'
    text = f"[{strings}, 0, -0, 1.5, -2e-3, 1E+2, {10**30}]"
    assert same(parse(text, "f").data, json.loads(text))


def test_duplicate_keys_keep_the_last_value_and_both_positions() -> None:
    text = '{\n  "a": {"x": 1},\n  "b": 2,\n  "a": {"y": 3}\n}'
    parsed = parse(text, "f")
    assert parsed.data == {"a": {"y": 3}, "b": 2}
    assert parsed.duplicates == ((("a",), (2, 3)),)
    assert parsed.positions[("a",)] == (4, 3)
    assert ("a", "x") not in parsed.positions and ("a", "x") not in parsed.spans
    assert parsed.positions[("a", "y")] == (4, 9)


def test_deep_nesting_within_the_limit_parses() -> None:
    depth = MAX_DEPTH  # envman refuses deeper nesting (files.MAX_DEPTH)
    parsed = parse("[" * depth + "]" * depth, "f")
    assert (0,) * (depth - 1) in parsed.positions
    parsed = parse('{"a":' * depth + "1" + "}" * depth, "f")
    assert at(parsed.data, ("a",) * depth) == 1


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_too_deep_nesting_is_an_input_error(opener: str) -> None:
    with pytest.raises(InputError, match="nesting deeper than") as caught:
        parse(opener * (MAX_DEPTH + 5), "deep.json")
    assert caught.value.line == 1


def test_a_megabyte_parses() -> None:
    value = {f"k{i}": {"list": [1, 2.5, "s\\t"], "flag": True, "none": None} for i in range(12_000)}
    text = json.dumps(value, indent=2)
    parsed = parse(text, "f")  # timed in bench/run.py, never here
    assert parsed.data == value


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("", "empty document: expected a JSON value", 1, 1),
        ("  // only a comment\n", "empty document: expected a JSON value", 2, 1),
        ('{"a": 1 "b": 2}', "expected ',' or '}' after object member", 1, 9),
        ("[1 2]", "expected ',' or ']' after array element", 1, 4),
        ('{\n  "a" 1}', "expected ':' after object key", 2, 7),
        ('{"a": "abc}', "unterminated string", 1, 7),
        ('["a\nb"]', "unterminated string: line break before the closing quote", 1, 2),
        ("[1] /* never closed", "unterminated block comment", 1, 5),
        ('["\\x"]', "invalid escape '\\x'", 1, 3),
        ('["\\u12G4"]', "invalid escape '\\u': expected 4 hex digits", 1, 3),
        ('["a\tb"]', "control character U+0009 in string; write it as an escape", 1, 4),
        ('{"a": [1,', "unexpected end of file: expected a value", 1, 10),
        ('{"a": 1', "unexpected end of file: expected ',' or '}'", 1, 8),
        ('{"a"', "unexpected end of file: expected ':' after key", 1, 5),
        ("{", "unexpected end of file: expected a key or '}'", 1, 2),
        ("[01]", "invalid number '01': leading zeros are not allowed", 1, 2),
        ("[+1]", "invalid number '+1': a number cannot start with '+'", 1, 2),
        ("[NaN]", "invalid number 'NaN': JSON has no NaN or Infinity", 1, 2),
        ("[-Infinity]", "invalid number '-Infinity': JSON has no NaN or Infinity", 1, 2),
        ("[1.]", "invalid number '1.'", 1, 2),
        ("[.5]", "invalid number '.5'", 1, 2),
        ("[1,,2]", "expected a value, found ','", 1, 4),
        ("['a']", "strings must use double quotes", 1, 2),
        ("[yes]", "unexpected word 'yes': strings must be in double quotes", 1, 2),
        (
            '{"token": sk_live_51Habcdef}',
            "unexpected word of 17 characters (not shown: it "
            "could be a secret): strings must be in double quotes",
            1,
            11,
        ),
        (
            "[04111111111111111]",
            "invalid number of 17 characters (not shown: it could be a "
            "secret): leading zeros are not allowed",
            1,
            2,
        ),
        ("{a: 1}", f"{KEY_EXPECTED}, found 'a' {KEY_HINT}", 1, 2),
        ("{'a': 1}", f"{KEY_EXPECTED}, found a single-quoted key {KEY_HINT}", 1, 2),
        ('{"a": 1}\n{"b": 2}', "unexpected content after the top-level value", 2, 1),
        ("[1] / 2", "unexpected '/': a comment starts with // or /*", 1, 5),
        ("[1}", "expected ',' or ']' after array element", 1, 3),
        ("[@]", "unexpected character '@'", 1, 2),
        ("[" + "9" * 5000 + "]", "number has too many digits", 1, 2),
    ],
)
def test_errors_say_what_and_where(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(InputError) as caught:
        parse(text, "wrangler.jsonc")
    error = caught.value
    assert (error.reason, error.line, error.column) == (message, line, column)
    assert error.file == "wrangler.jsonc"
    assert str(error).startswith(f"wrangler.jsonc:{line}:{column}: ")


# --------------------------------------------------------------------------- corpus

_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/', re.DOTALL)
_STRING_OR_TRAILING_COMMA = re.compile(r'"(?:[^"\\]|\\.)*"|,(?=\s*[\]}])', re.DOTALL)


def strip_jsonc(text: str) -> str:
    """JSONC to JSON by a method independent of the parser: two regex passes."""
    text = _STRING_OR_COMMENT.sub(lambda m: m.group() if m.group()[0] == '"' else " ", text)
    return _STRING_OR_TRAILING_COMMA.sub(lambda m: m.group() if m.group()[0] == '"' else "", text)


@pytest.mark.skipif(not JSON_FILES, reason=f"no wrangler.json corpus at {CORPUS}")
@pytest.mark.parametrize("path", JSON_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_real_wrangler_json(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    parsed = parse(text, path.name)
    assert same(parsed.data, json.loads(strip_jsonc(text.removeprefix("\ufeff"))))
    assert set(parsed.spans) == set(paths(parsed.data))
    for loc, (start, end) in parsed.spans.items():
        assert same(parse(text[start:end], "f").data, at(parsed.data, loc))
    for loc, position in parsed.positions.items():
        if loc and isinstance(loc[-1], str):
            written = text[offset_of(text, position) :]
            assert written.startswith('"'), loc
            assert json.JSONDecoder().raw_decode(written)[0] == loc[-1]
