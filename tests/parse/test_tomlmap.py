"""toml_positions: golden snippets, generated documents and the real wrangler.toml corpus."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from envman.parse.tomlmap import toml_positions
from tests import paths
from tests.properties import examples

CORPUS = paths.CORPUS
TOML_FILES = sorted(CORPUS.glob("*/wrangler.toml"))

Loc = tuple[str | int, ...]


def walk(data: Any, path: Loc = ()) -> Iterator[Loc]:
    """Every path of tomllib data, () included."""
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from walk(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk(value, (*path, index))


def exists(data: Any, path: Loc) -> bool:
    for step in path:
        in_dict = isinstance(data, dict) and isinstance(step, str) and step in data
        in_list = isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data)
        if not (in_dict or in_list):
            return False
        data = data[step]
    return True


def key_written_at(text: str, position: tuple[int, int], key: str) -> bool:
    """Whether the key token at `position` is `key`: bare, basic-quoted or literal-quoted."""
    line, column = position
    rest = text.split("\n")[line - 1][column - 1 :]
    if rest.startswith("'"):
        return rest[1:].startswith(key + "'")
    if rest.startswith('"'):
        match = re.match(r'"(?:[^"\\]|\\.)*"', rest)
        return match is not None and tomllib.loads(f"k = {match.group()}")["k"] == key
    return re.match(r"[A-Za-z0-9_-]+", rest) is not None and rest.startswith(key)


def check(text: str) -> dict[Loc, tuple[int, int]]:
    """Assert toml_positions agrees with tomllib on `text` in every way; return the positions."""
    data = tomllib.loads(text)
    positions = toml_positions(text)
    assert [p for p in positions if not exists(data, p)] == []
    assert [p for p in walk(data) if p and p not in positions] == []
    for path, position in positions.items():
        if isinstance(path[-1], str):
            assert key_written_at(text, position, path[-1]), (path, position)
    return positions


# --------------------------------------------------------------------------- golden


def test_tables_and_arrays_of_tables_are_counted_per_parent() -> None:
    text = (
        "name = 'w'\n"
        "[[d1_databases]]\n"
        "binding = 'TOP'\n"
        "[env.production]\n"
        "name = 'p'\n"
        "[[ env.production.d1_databases ]]\n"
        "binding = 'A'\n"
        "[[env.production.d1_databases]]\n"
        "binding = 'B'\n"
        "database_id = 'x'\n"
        "[env.staging]\n"
        "[[env.staging.d1_databases]]\n"
        "binding = 'C'\n"
    )
    positions = check(text)
    assert positions[("d1_databases",)] == (2, 3)
    assert positions[("d1_databases", 0)] == (2, 1)
    assert positions[("env",)] == (4, 2)
    assert positions[("env", "production")] == (4, 6)
    assert positions[("env", "production", "d1_databases")] == (6, 19)
    assert positions[("env", "production", "d1_databases", 0, "binding")] == (7, 1)
    assert positions[("env", "production", "d1_databases", 1)] == (8, 1)
    assert positions[("env", "production", "d1_databases", 1, "database_id")] == (10, 1)
    assert positions[("env", "staging", "d1_databases", 0, "binding")] == (13, 1)


def test_nested_arrays_of_tables_follow_the_latest_element() -> None:
    text = "[[a]]\nx = 1\n[[a.b]]\ny = 1\n[a.c]\nz = 1\n[[a]]\n[[a.b]]\ny = 2\n"
    positions = check(text)
    assert positions[("a", 0, "b", 0, "y")] == (4, 1)
    assert positions[("a", 0, "c", "z")] == (6, 1)
    assert positions[("a", 1)] == (7, 1)
    assert positions[("a", 1, "b", 0, "y")] == (9, 1)


def test_quoted_keys_in_headers_and_assignments() -> None:
    text = (
        '[env."prod env"]\n'
        "'literal key' = 1\n"
        '"esc\\u0061ped" = 2\n'
        '[ env . "dots.in.key" ]\n'
        "a = 1\n"
    )
    positions = check(text)
    assert positions[("env", "prod env")] == (1, 6)
    assert positions[("env", "prod env", "literal key")] == (2, 1)
    assert positions[("env", "prod env", "escaped")] == (3, 1)
    assert positions[("env", "dots.in.key", "a")] == (5, 1)


def test_dotted_keys_under_a_table() -> None:
    positions = check("[t]\na.b.c = 1\na . d = 2\n")
    assert positions[("t", "a")] == (2, 1)
    assert positions[("t", "a", "b")] == (2, 3)
    assert positions[("t", "a", "b", "c")] == (2, 5)
    assert positions[("t", "a", "d")] == (3, 5)


def test_inline_tables_and_arrays_over_several_lines() -> None:
    text = (
        'kv = { binding = "X", id = "y", nested = { deep = 1 } }\n'
        "kv_namespaces = [\n"
        '  { binding = "A", id = "1" }, # a comment with = and [brackets]\n'
        '  # { binding = "commented" },\n'
        '  { binding = "B" },\n'
        "]\n"
        "flags = [ 'a', \"b\",\n 'c' ]\n"
    )
    positions = check(text)
    assert positions[("kv",)] == (1, 1)
    assert positions[("kv", "binding")] == (1, 8)
    assert positions[("kv", "id")] == (1, 23)
    assert positions[("kv", "nested", "deep")] == (1, 44)
    assert positions[("kv_namespaces", 0)] == (3, 3)
    assert positions[("kv_namespaces", 0, "binding")] == (3, 5)
    assert positions[("kv_namespaces", 1)] == (5, 3)
    assert positions[("kv_namespaces", 1, "binding")] == (5, 5)
    assert positions[("flags", 2)] == (8, 2)


def test_strings_that_look_like_syntax_do_not_confuse_it() -> None:
    text = (
        'a = "x # not a comment = [not.a.table]"\n'
        'b = """\n[fake]\nc = 1\n\\""" still inside ""\n"""\n'
        "d = '''\n[[also.fake]]\n'''\n"
        "e = 'c:\\path\\'\n"
        'f = """""a"""""\n'
        "[real]\n"
        "g = 1979-05-27 07:32:00Z # a date-time with a space\n"
        "h = [1979-05-27T07:32:00, 1979-05-27 07:32:00]\n"
    )
    positions = check(text)
    assert positions[("d",)] == (7, 1)
    assert positions[("e",)] == (10, 1)
    assert positions[("real", "g")] == (13, 1)
    assert positions[("real", "h", 1)] == (14, 27)
    assert ("fake",) not in positions


def test_crlf_line_endings_and_comments() -> None:
    text = "# top\r\n[vars]\r\nA = 1 # trailing\r\n\r\nB = [\r\n  1, # x\r\n  2,\r\n]\r\n"
    positions = check(text)
    assert positions[("vars", "A")] == (3, 1)
    assert positions[("vars", "B", 1)] == (7, 3)


def test_a_table_is_located_at_its_explicit_header() -> None:
    positions = check("[a.b.c]\nx = 1\n[a.b]\ny = 2\n[a]\nz = 3\n")
    assert positions[("a", "b", "c")] == (1, 6)
    assert positions[("a", "b")] == (3, 4)
    assert positions[("a",)] == (5, 2)


@pytest.mark.parametrize(
    "text",
    ["", "a = [", "[unclosed", 'x = "\\U00110000"\n', "a = 1 b", "[[a]\n", "= 1", "a = '''x"],
)
def test_odd_input_never_raises(text: str) -> None:
    assert isinstance(toml_positions(text), dict)


def test_deep_nesting_never_raises() -> None:
    assert toml_positions("a = " + "[" * 5000 + "]" * 5000) is not None


def test_a_megabyte_parses() -> None:
    block = (
        "[[env.production.kv_namespaces]]\n"
        'binding = "KV"  # comment\n'
        'id = "0123456789abcdef"\n'
        'vars = { A = "x", B = [1, 2, 3], C = { D = "e" } }\n'
        'text = """\nmulti [line] = #\n"""\n'
    )
    text = block * (1_000_000 // len(block))
    positions = toml_positions(text)  # timed in bench/run.py, never here
    assert len(positions) > 50_000


# --------------------------------------------------------------------------- generated

_KEYS = st.one_of(
    st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True),
    st.text(st.sampled_from("ab .#=[]\"'\\é\t"), min_size=0, max_size=6),
)
_SCALARS = st.one_of(
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(st.sampled_from("ab #=[]{}\"'\\\n,.é"), max_size=10),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(_KEYS, children, max_size=4)
        | st.lists(st.dictionaries(_KEYS, children, max_size=3), min_size=1, max_size=3)
    ),
    max_leaves=25,
)

Draw = Callable[[st.SearchStrategy[Any]], Any]


def _key(draw: Draw, key: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_-]+", key) and draw(st.booleans()):
        return key
    if "'" not in key and "\n" not in key and "\t" not in key and draw(st.booleans()):
        return f"'{key}'"
    return json.dumps(key, ensure_ascii=False)


def _gap(draw: Draw) -> str:
    return str(draw(st.sampled_from(["", " ", "  ", "\t"])))


def _scalar(draw: Draw, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if "\n" in value and '"""' not in value and "\\" not in value and draw(st.booleans()):
        return f'"""{value}"""' if not value.endswith('"') else json.dumps(value)
    if "'" not in value and "\n" not in value and draw(st.booleans()):
        return f"'{value}'"
    return json.dumps(value, ensure_ascii=False)


def _inline(draw: Draw, value: Any, multiline: bool) -> str:
    if isinstance(value, dict):
        members = [
            f"{_key(draw, k)}{_gap(draw)}={_gap(draw)}{_inline(draw, v, False)}"
            for k, v in value.items()
        ]
        return "{" + _gap(draw) + ", ".join(members) + _gap(draw) + "}"
    if isinstance(value, list):
        items = [_inline(draw, v, multiline) for v in value]
        if multiline and items:
            separators = [",\n  ", ", # note [x] = 1\n  ", ",\n  # gone = 1\n  "]
            separator: str = draw(st.sampled_from(separators))
            closer: str = draw(st.sampled_from(["\n]", ",\n]"]))
            return "[\n  " + separator.join(items) + closer
        return "[" + _gap(draw) + ", ".join(items) + _gap(draw) + "]"
    return _scalar(draw, value)


def _table(draw: Draw, header: list[str], data: dict[str, Any]) -> str:
    """`data` as the body of the table `header`, then its sub-tables as sections."""
    lines: list[str] = []
    sections: list[str] = []
    for key, value in data.items():
        name = _key(draw, key)
        style = draw(st.sampled_from(["inline", "section", "dotted"]))
        if isinstance(value, dict) and style == "section":
            dotted = ".".join([*header, name])
            body = _table(draw, [*header, name], value)
            sections.append(f"[{_gap(draw)}{dotted}{_gap(draw)}]\n{body}")
        elif (
            isinstance(value, dict)
            and style == "dotted"
            and value
            and all(not isinstance(v, dict | list) for v in value.values())
        ):
            for sub, item in value.items():
                dotted = f"{name}{_gap(draw)}.{_gap(draw)}{_key(draw, sub)}"
                lines.append(f"{dotted} = {_scalar(draw, item)}")
        elif (
            isinstance(value, list)
            and value
            and all(isinstance(v, dict) for v in value)
            and style == "section"
        ):
            dotted = ".".join([*header, name])
            for element in value:
                body = _table(draw, [*header, name], element)
                sections.append(f"[[{_gap(draw)}{dotted}{_gap(draw)}]]\n{body}")
        else:
            comment = draw(st.sampled_from(["", " # c = [1]", "  #"]))
            lines.append(f"{name}{_gap(draw)}={_gap(draw)}{_inline(draw, value, True)}{comment}")
    return "".join(line + "\n" for line in lines) + "".join(sections)


@st.composite
def toml_documents(draw: Draw) -> str:
    """A TOML text whose tables, arrays and keys are written in varied styles."""
    data = draw(st.dictionaries(_KEYS, _VALUES, max_size=6))
    text = _table(draw, [], data)
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        parsed = None
    assume(parsed == data)  # the emitter's corners (e.g. a key both dotted and a table) are skipped
    if draw(st.booleans()) and '"""' not in text:
        text = text.replace("\n", "\r\n")
    return str(text)


@settings(
    max_examples=examples(0.5),  # each example is generated, emitted and parsed three ways
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(toml_documents())
def test_generated_documents_are_located_completely(text: str) -> None:
    check(text)


# --------------------------------------------------------------------------- corpus


@pytest.mark.skipif(not TOML_FILES, reason=f"no wrangler.toml corpus at {CORPUS}")
@pytest.mark.parametrize("path", TOML_FILES, ids=lambda p: p.parent.name)
def test_real_wrangler_toml(path: Path) -> None:
    check(path.read_text(encoding="utf-8"))
