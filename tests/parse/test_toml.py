"""The located TOML scanner: golden snippets, generated documents and the real wrangler.toml corpus."""

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

from envman.errors import InputError
from envman.parse import TOML_TRAIL, TomlScan, TomlValue, read_toml, scan_toml
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
    rest = text.removeprefix("\ufeff").split("\n")[line - 1][column - 1 :]
    if rest.startswith("'"):
        return rest[1:].startswith(key + "'")
    if rest.startswith('"'):
        match = re.match(r'"(?:[^"\\]|\\.)*"', rest)
        return match is not None and tomllib.loads(f"k = {match.group()}")["k"] == key
    return re.match(r"[A-Za-z0-9_-]+", rest) is not None and rest.startswith(key)


def get(data: Any, path: Loc) -> Any:
    for step in path:
        data = data[step]
    return data


def reads_as(text: str, value: TomlValue, expected: Any) -> bool:
    """Whether the value written at `value`'s span is `expected` (NaN aside)."""
    written = tomllib.loads(f"k = {text[value.start : value.end]}")["k"]
    return bool(written == expected or written != written)


def check_value(text: str, value: TomlValue, data: Any, path: Loc) -> None:
    """The span of the value at `path` reads back as its data, and so do its items."""
    expected = get(data, path)
    assert reads_as(text, value, expected), (path, text[value.start : value.end])
    if isinstance(expected, list | dict):
        assert value.kind == ("array" if isinstance(expected, list) else "table")
    for index, item in enumerate(value.items):
        if item.comma is not None:
            assert text[item.comma] == ","
        if item.key is None:
            assert item.start == item.value.start
            check_value(text, item.value, data, (*path, index))
        else:
            assert "=" in item.sep and not item.sep.replace("=", "").strip(" \t")
            check_value(text, item.value, data, (*path, *item.key))


def check_spans(scan: TomlScan, data: Any) -> None:
    """Every header, `key = value` line and value of the scan is where it says."""
    text = scan.text
    for header in scan.headers:
        assert header.line == 0 or text[header.line - 1] == "\n"
        bracket = text.index(header.raw, header.line)
        assert not text[header.line : bracket].strip(" \t\ufeff")
        assert header.raw.startswith("[[" if header.aot else "[")
        assert isinstance(get(data, header.path), dict)
        assert not header.aot or isinstance(get(data, header.path[:-1]), list)
        above = text[header.lead : header.line].splitlines()
        assert all(line.lstrip().startswith("#") for line in above)
        assert TOML_TRAIL.fullmatch(text, bracket + len(header.raw), header.end)
    for pair in scan.pairs:
        assert pair.line == 0 or text[pair.line - 1] == "\n"
        assert not text[pair.line : pair.key_start].strip(" \t\ufeff")
        owner = scan.headers[pair.owner].path if pair.owner >= 0 else ()
        assert pair.path == (*owner, *pair.parts)
        assert "=" in pair.sep and not pair.sep.replace("=", "").strip(" \t")
        assert TOML_TRAIL.fullmatch(text, pair.value.end, pair.end)
        check_value(text, pair.value, data, pair.path)


def check(text: str) -> dict[Loc, tuple[int, int]]:
    """Assert the scan agrees with tomllib on `text` in every way; return the positions."""
    data = tomllib.loads(text.removeprefix("\ufeff"))
    scan = scan_toml(text)
    assert scan.stopped is None
    positions = scan.positions
    assert [p for p in positions if not exists(data, p)] == []
    assert [p for p in walk(data) if p and p not in positions] == []
    for path, position in positions.items():
        if isinstance(path[-1], str):
            assert key_written_at(text, position, path[-1]), (path, position)
    check_spans(scan, data)
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
    assert isinstance(scan_toml(text).positions, dict)


@pytest.mark.parametrize("bad", ["c = ]", "c = 1 2", "[[c]", "c"])
def test_it_stops_where_it_cannot_follow_and_keeps_what_came_before(bad: str) -> None:
    text = f"a = 1\n[t]\nb = 2\n{bad}\nd = 3\n"
    scan = scan_toml(text)
    assert scan.stopped == text.index(bad)
    assert scan.positions == {("a",): (1, 1), ("t",): (2, 2), ("t", "b"): (3, 1)}
    assert [pair.path for pair in scan.pairs] == [("a",), ("t", "b")]


def test_unicode_is_counted_in_characters_and_a_bom_is_no_column() -> None:
    text = '\ufeff"é" = "ü" # ç\nk = ["ä", "b"]\n\n# about t\n[t]\n"ß".x = { y = 1 }'
    scan = scan_toml(text)
    positions = check(text)
    assert positions[("é",)] == (1, 1)
    assert positions[("k", 1)] == (2, 11)
    assert positions[("t", "ß", "x", "y")] == (6, 11)
    first, second, last = scan.pairs
    assert text[first.value.start : first.value.end] == '"ü"'
    assert first.end == second.line == text.index("k =")
    assert [text[i.start : i.value.end] for i in second.value.items] == ['"ä"', '"b"']
    assert last.end == len(text)  # no final line break
    (header,) = scan.headers
    assert text[header.lead : header.line] == "# about t\n"


def test_the_editor_gets_lines_separators_commas_and_comments_above_headers() -> None:
    text = (
        "name  =  'w' # the worker\r\n"
        "# glued to name\r\n"
        "\r\n"
        "# about the vars\r\n"
        "[ vars ]  # vars\r\n"
        "  A.b = { c = 1, d = [ 2 , 3, ] }\r\n"
        "[[d1_databases]]\r\n"
    )
    scan = scan_toml(text)
    name, dotted = scan.pairs
    assert (name.sep, name.value.kind, text[name.end :].startswith("#")) == (
        "  =  ",
        "literal",
        True,
    )
    vars_, d1 = scan.headers
    assert (vars_.raw, vars_.path, vars_.aot) == ("[ vars ]", ("vars",), False)
    assert text[vars_.lead : vars_.line] == "# about the vars\r\n"
    assert (d1.raw, d1.path, d1.aot, d1.lead) == (
        "[[d1_databases]]",
        ("d1_databases", 0),
        True,
        d1.line,
    )
    assert (dotted.parts, dotted.path, dotted.owner) == (("A", "b"), ("vars", "A", "b"), 0)
    assert dotted.key_start - dotted.line == 2 and text[dotted.end - 2 : dotted.end] == "\r\n"
    c, d = dotted.value.items
    assert (c.key, c.sep, text[c.comma]) == (("c",), " = ", ",")
    assert (d.comma, [text[i.comma] for i in d.value.items]) == (None, [",", ","])


def test_read_toml_reads_the_data_or_says_where_it_is_not_toml() -> None:
    assert read_toml("a = 1\n[t]\n", "f.toml").data == {"a": 1, "t": {}}
    with pytest.raises(InputError) as caught:
        read_toml("a = 1\nb = ]\n", "f.toml")
    assert (caught.value.line, caught.value.column) == (2, 5)
    assert str(caught.value).startswith("f.toml:2:5: invalid TOML: Invalid")
    with pytest.raises(InputError) as caught:
        read_toml('a = "x', "f.toml")
    assert (caught.value.line, caught.value.column) == (1, 7)


def test_deep_nesting_never_raises() -> None:
    assert scan_toml("a = " + "[" * 5000 + "]" * 5000).stopped == 0


def test_a_megabyte_parses() -> None:
    block = (
        "[[env.production.kv_namespaces]]\n"
        'binding = "KV"  # comment\n'
        'id = "0123456789abcdef"\n'
        'vars = { A = "x", B = [1, 2, 3], C = { D = "e" } }\n'
        'text = """\nmulti [line] = #\n"""\n'
    )
    text = block * (1_000_000 // len(block))
    positions = scan_toml(text).positions  # timed in bench/run.py, never here
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


def _above(draw: Draw) -> str:
    """What is written above a header: nothing, comments glued to it, or after a blank line."""
    return str(draw(st.sampled_from(["", "# about it\n", "\n# one\n  # two\n", "\n"])))


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
            sections.append(f"{_above(draw)}[{_gap(draw)}{dotted}{_gap(draw)}]\n{body}")
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
                sections.append(f"{_above(draw)}[[{_gap(draw)}{dotted}{_gap(draw)}]]\n{body}")
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
    if draw(st.booleans()):
        text = text.removesuffix("\n").removesuffix("\r")  # no final line break
    if draw(st.booleans()):
        text = "\ufeff" + text  # a byte order mark (read_text drops it before tomllib)
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
