"""edit: golden cases byte for byte, errors, the real wrangler corpus, and round-trip properties."""

from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from itertools import groupby
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import tomlkit
from hypothesis import given
from hypothesis import strategies as st

from envman.bindings import MODELLED
from envman.edit import DELETE, Edit, driver, edit_jsonc, edit_toml
from envman.edit.doc import _Splice
from envman.edit.toml import _TomlDoc
from envman.errors import InputError
from envman.parse.jsonc import parse as parse_jsonc
from tests import paths

CASES = paths.CASES / "edit"
CASE_NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())
CORPUS = paths.CORPUS
CORPUS_FILES = sorted([*CORPUS.glob("*/wrangler.toml"), *CORPUS.glob("*/wrangler.jsonc")])


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")  # bytes, so that CRLF stays CRLF


def run_case(case: Path, text: str) -> str:
    """Apply a case's edits.json to `text`, one call per run of edits with the same section."""
    before = next(case.glob("before.*"))
    editor = edit_toml if before.suffix == ".toml" else edit_jsonc
    edits = json.loads(read(case / "edits.json"))
    for section, group in groupby(edits, key=lambda e: tuple(e.get("section", ()))):
        batch = [
            Edit(tuple(e["path"]), DELETE if e["value"] == {"$delete": True} else e["value"])
            for e in group
        ]
        text = editor(text, batch, section=section, filename=before.name)
    return text


# --------------------------------------------------------------------------- golden cases


def test_there_are_enough_golden_cases() -> None:
    assert len(CASE_NAMES) >= 12
    suffixes = {next((CASES / name).glob("before.*")).suffix for name in CASE_NAMES}
    assert suffixes == {".toml", ".jsonc"}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_golden_case(name: str) -> None:
    case = CASES / name
    before = next(case.glob("before.*"))
    expected = read(case / f"after{before.suffix}")
    assert run_case(case, read(before)) == expected


@pytest.mark.parametrize("name", CASE_NAMES)
def test_golden_edits_are_idempotent(name: str) -> None:
    case = CASES / name
    after = read(next(case.glob("after.*")))
    assert run_case(case, after) == after


# --------------------------------------------------------------------------- API details

ENV_FILE = """name = "w" # the worker
compatibility_date = '2024-01-01'

[vars]
LOG_LEVEL = "debug"

[[kv_namespaces]]
binding = "CACHE"
id = "abc"
"""

WRANGLER_JSONC = """{
  "name": "w",
  // production
  "env": { "production": { "vars": { "A": "1" } } }
}
"""


def test_delete_is_a_sentinel_and_edits_are_frozen() -> None:
    assert repr(DELETE) == "DELETE"
    change = Edit(("vars", "A"), "1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        change.value = "2"  # type: ignore[misc]


def test_setting_current_values_changes_nothing() -> None:
    same = [
        Edit(("compatibility_date",), "2024-01-01"),
        Edit(("vars",), {"LOG_LEVEL": "debug"}),
        Edit(("kv_namespaces", "CACHE"), {"id": "abc"}),
        Edit(("vars", "ABSENT"), DELETE),
        Edit(("kv_namespaces", "ABSENT"), DELETE),
    ]
    assert edit_toml(ENV_FILE, same) == ENV_FILE
    assert edit_jsonc(
        WRANGLER_JSONC, [Edit(("vars", "A"), "1")], section=("env", "production")
    ) == (WRANGLER_JSONC)


def test_no_edits_is_the_identity() -> None:
    assert edit_toml(ENV_FILE, []) == ENV_FILE
    assert edit_jsonc(WRANGLER_JSONC, []) == WRANGLER_JSONC


def test_a_binding_field_and_an_entry_by_index_can_be_edited() -> None:
    result = edit_toml(ENV_FILE, [Edit(("kv_namespaces", "CACHE", "preview_id"), "p")])
    assert result.endswith('id = "abc"\npreview_id = "p"\n')
    assert edit_toml(ENV_FILE, [Edit(("kv_namespaces", "#0", "id"), "x")]).endswith('id = "x"\n')


def test_tuples_and_mappings_are_accepted_as_values() -> None:
    result = edit_toml(ENV_FILE, [Edit(("compatibility_flags",), ("nodejs_compat",))])
    assert tomllib.loads(result)["compatibility_flags"] == ["nodejs_compat"]


def test_a_null_in_a_value_is_written_as_the_string_named_for_it() -> None:
    """TOML has no null: the environment files write a JSON null as "@none"."""
    edits = [
        Edit(("vars", "CONFIG"), {"base": None, "list": [1, None]}),
        Edit(("vars", "X"), DELETE),
    ]
    after = edit_toml(ENV_FILE, edits, null="@none")
    assert 'CONFIG = {base = "@none", list = [1, "@none"]}' in after
    assert tomllib.loads(after)["vars"]["CONFIG"] == {"base": "@none", "list": [1, "@none"]}


@pytest.mark.parametrize(
    ("text", "editor", "section", "change", "message"),
    [
        ('vars = "x"\n', edit_toml, (), Edit(("vars", "A"), "1"), "<f>:1:1: `vars` is a string"),
        (
            'name = "w"\n\n[env.production]\nvars = ["x"]\n',
            edit_toml,
            ("env", "production"),
            Edit(("vars", "A"), "1"),
            "<f>:4:1: `env.production.vars` is a list",
        ),
        (
            '{\n  "vars": 3\n}\n',
            edit_jsonc,
            (),
            Edit(("vars", "A"), "1"),
            "<f>:2:3: `vars` is a number",
        ),
        (ENV_FILE, edit_toml, ("env", "production"), Edit(("vars", "A"), "1"), "not in this file"),
        (
            WRANGLER_JSONC,
            edit_jsonc,
            ("env", "staging"),
            Edit(("vars", "A"), "1"),
            "not in this file",
        ),
        (
            "env = { production = 1 }\n",
            edit_toml,
            ("env", "production"),
            Edit(("name",), "x"),
            "not a table",
        ),
        (ENV_FILE, edit_toml, (), Edit(("vars", "A"), None), "cannot write None at `vars.A`"),
        (
            '{"vars": {"A": 1}}',
            edit_jsonc,
            (),
            Edit(("vars", "A"), float("-inf")),
            "cannot write -inf at `vars.A`: JSON has no infinite or NaN number",
        ),
        (ENV_FILE, edit_toml, (), Edit(("kv_namespaces", "CACHE"), {"binding": "X"}), "renamed"),
        (ENV_FILE, edit_toml, (), Edit(("kv_namespaces", "CACHE"), "abc"), "must be a table"),
        (ENV_FILE, edit_toml, (), Edit(("kv_namespaces", "NOPE", "id"), "x"), "no `kv_namespaces`"),
        (ENV_FILE, edit_toml, (), Edit((), "x"), "needs a path"),
        (
            "a = 1\nb = ]\n",
            edit_toml,
            (),
            Edit(("vars", "A"), "1"),
            "<f>:2:5: invalid TOML: Invalid",
        ),
        ('{"a": }', edit_jsonc, (), Edit(("vars", "A"), "1"), "<f>:1:7"),
        ('kv_namespaces = "x"\n', edit_toml, (), Edit(("kv_namespaces", "C"), {}), "is not a list"),
    ],
)
def test_what_cannot_be_edited_is_a_located_input_error(
    text: str, editor: Any, section: tuple[str, ...], change: Edit, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        editor(text, [change], section=section, filename="<f>")
    assert message in str(caught.value)


def test_an_edit_that_would_not_read_back_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulate a broken splice: the value is written somewhere it does not belong.
    monkeypatch.setattr(
        _TomlDoc,
        "replacement",
        lambda self, loc, value: _Splice(len(self.text), len(self.text), "extra = 1\n", ()),
    )
    with pytest.raises(InputError, match=r"does not read back as intended at `vars\.LOG_LEVEL`"):
        edit_toml(ENV_FILE, [Edit(("vars", "LOG_LEVEL"), "info")], filename="<f>")


def test_a_table_replaced_by_a_scalar_and_back() -> None:
    text = "[vars]\nA = 1\n\n[vars.JSON]\nx = 1\n"
    flat = edit_toml(text, [Edit(("vars", "JSON"), "plain")])
    assert flat == '[vars]\nA = 1\nJSON = "plain"\n'
    assert tomllib.loads(edit_toml(flat, [Edit(("vars", "JSON"), {"x": 1})]))["vars"]["JSON"] == {
        "x": 1
    }


def test_an_array_of_tables_set_as_a_whole_list() -> None:
    text = '[[routes]]\npattern = "a/*"\n\n[[routes]]\npattern = "b/*"\n'
    assert (
        edit_toml(text, [Edit(("routes",), [{"pattern": "b/*"}])])
        == '[[routes]]\npattern = "b/*"\n'
    )
    assert edit_toml(text, [Edit(("routes",), [])]) == "routes = []\n"


# --------------------------------------------------------------------------- real files


def corpus_edits(data: dict[str, Any]) -> list[Edit]:
    """A realistic promotion: vars, a date, bindings added, updated and removed, tables merged."""
    edits = [
        Edit(("vars", "ENVMAN_NEW"), "x"),
        Edit(("compatibility_date",), "2030-01-01"),
        Edit(("kv_namespaces", "ENVMAN_KV"), {"id": "abc"}),
        Edit(("observability",), {"enabled": True, "head_sampling_rate": 0.25}),
        Edit(("triggers", "crons"), ["1 * * * *"]),
    ]
    edits += [Edit(("vars", name), DELETE) for name in list(data.get("vars") or {})[:1]]
    for kind, key in (
        (k.path, k.naming) for k in MODELLED if len(k.wrangler) == 1 and not k.single
    ):
        for entry in (data.get(kind) or [])[:1]:
            if isinstance(entry, dict) and isinstance(entry.get(key), str):
                rest = {k: v for k, v in entry.items() if k != key}
                edits.append(Edit((kind, entry[key]), {**rest, "extra": "1"}))
    for entry in ((data.get("durable_objects") or {}).get("bindings") or [])[:1]:
        edits.append(Edit(("durable_objects", entry["name"]), DELETE))
    return edits


@pytest.mark.skipif(not CORPUS_FILES, reason="the real-wrangler corpus is not beside the repo")
@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.parent.name)
def test_real_wrangler_files(path: Path) -> None:
    text = read(path)
    is_toml = path.suffix == ".toml"
    data = tomllib.loads(text) if is_toml else parse_jsonc(text, str(path)).data
    editor = edit_toml if is_toml else edit_jsonc
    envs = data.get("env") or {}
    for section in [(), *(("env", name) for name in envs if isinstance(envs[name], dict))]:
        env = data if not section else envs[section[1]]
        same = [Edit((key,), value) for key, value in env.items() if key != "env"]
        assert editor(text, same, section=section) == text
        # The editor re-reads its result and raises unless it holds exactly the intended data.
        changed = editor(text, corpus_edits(env), section=section)
        assert changed != text


# --------------------------------------------------------------------------- properties

NAMES = st.from_regex(r"[A-Z][A-Z0-9_]{0,6}", fullmatch=True)
SCALARS = st.one_of(
    st.text(max_size=8),
    st.integers(-(10**6), 10**6),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda x: x + 0.0),  # no -0.0
)
VALUES = st.one_of(
    SCALARS, st.lists(st.one_of(st.text(max_size=4), st.integers(0, 99)), max_size=3)
)
LINE_BREAK = re.compile(r"\r?\n")


@st.composite
def var_changes(
    draw: st.DrawFn, old: dict[str, Any], *, deletes: bool
) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(changed existing vars, added vars, deleted vars); at least one var survives."""
    changed = (
        {k: draw(VALUES) for k in draw(st.lists(st.sampled_from(sorted(old)), unique=True))}
        if old
        else {}
    )
    added = draw(st.dictionaries(NAMES.filter(lambda n: n not in old), VALUES, max_size=3))
    rest = [k for k in old if k not in changed]
    deleted = draw(st.lists(st.sampled_from(rest), unique=True)) if deletes and rest else []
    if deleted and not changed and not added and len(deleted) == len(old):
        deleted = deleted[1:]
    return changed, added, deleted


def as_edits(changed: dict[str, Any], added: dict[str, Any], deleted: list[str]) -> list[Edit]:
    return [
        *(Edit(("vars", k), v) for k, v in changed.items()),
        *(Edit(("vars", k), v) for k, v in added.items()),
        *(Edit(("vars", k), DELETE) for k in deleted),
    ]


def untouched_lines(text: str, keys: set[str], marker: str) -> list[str]:
    """Lines of `text` that do not hold one of `keys`; JSONC commas do not count."""
    lines = LINE_BREAK.split(text)
    kept = [
        line for line in lines if not any(line.lstrip().startswith(marker.format(k)) for k in keys)
    ]
    return [line.replace(",", "") for line in kept] if marker.startswith('"') else kept


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True)


@st.composite
def toml_files(draw: st.DrawFn) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """A commented environment or wrangler file in tomlkit's canonical style."""
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    section: tuple[str, ...] = draw(st.sampled_from([(), ("env", "production")]))
    prefix = "env.production." if section else ""
    old = draw(st.dictionaries(NAMES, VALUES, max_size=5))
    table = [f"[{prefix}vars]" + draw(st.sampled_from(["", " # the vars"]))]
    for key, value in old.items():
        table.append(
            f"{key} = {tomlkit.item(value).as_string()}" + draw(st.sampled_from(["", " # why"]))
        )
        if draw(st.booleans()):
            table.append(draw(st.sampled_from(["# a comment", "", "  # indented comment"])))
    bindings = ["# bindings", f"[[{prefix}kv_namespaces]]", 'binding = "CACHE"', 'id = "abc"']
    head = ["# generated", 'name = "w"', ""]
    if section:
        head += ["[env.production]", 'name = "w-production"', ""]
    lines = (
        [*head, *table, "", *bindings] if draw(st.booleans()) else [*head, *bindings, "", *table]
    )
    if section:
        lines += ["", "[env.staging.vars]", 'STAGING_ONLY_VAR = "s"']
    text = nl.join(lines) + draw(st.sampled_from([nl, ""]))
    return text, section, old


@st.composite
def jsonc_files(draw: st.DrawFn) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """A commented JSONC file with a multi-line vars object in json.dumps' canonical style."""
    unit = draw(st.sampled_from(["  ", "    ", "\t"]))
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    section: tuple[str, ...] = draw(st.sampled_from([(), ("env", "production")]))
    old = draw(st.dictionaries(NAMES, VALUES, min_size=1, max_size=5))
    trailing = draw(st.booleans())
    depth = 3 if section else 1
    members = []
    for index, (key, value) in enumerate(old.items()):
        comma = "," if index < len(old) - 1 or trailing else ""
        comment = draw(st.sampled_from(["", " // why", " /* why */"]))
        members.append(
            f"{unit * (depth + 1)}{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}{comment}"
        )
    block = [f'{unit * depth}"vars": {{', *members, f"{unit * depth}}}"]
    if section:
        lines = ["{", f'{unit}"name": "w",', f'{unit}"env": {{', f'{unit * 2}"production": {{',
                 f'{unit * 3}"name": "w-production", // its own name', *block, f"{unit * 2}}}",
                 f"{unit}}}", "}"]  # fmt: skip
    else:
        lines = ["// generated", "{", f'{unit}"name": "w", /* the worker */', *block[:-1],
                 block[-1] + ",", f'{unit}"kv_namespaces": [{{ "binding": "CACHE", "id": "abc" }}]',
                 "}"]  # fmt: skip
    return nl.join(lines) + draw(st.sampled_from([nl, ""])), section, old


@given(st.data())
def test_toml_var_edits_touch_only_their_lines_and_read_back(data: st.DataObject) -> None:
    text, section, old = data.draw(toml_files())
    changed, added, deleted = data.draw(var_changes(old, deletes=True))
    result = edit_toml(text, as_edits(changed, added, deleted), section=section)
    touched = {*changed, *added, *deleted}
    assert untouched_lines(result, touched, "{} =") == untouched_lines(text, touched, "{} =")
    expected = tomllib.loads(text)
    env = expected["env"]["production"] if section else expected
    env["vars"] = {**{k: v for k, v in old.items() if k not in deleted}, **changed, **added}
    assert canonical(tomllib.loads(result)) == canonical(expected)


@given(st.data())
def test_toml_var_edits_then_their_inverse_restore_the_text(data: st.DataObject) -> None:
    text, section, old = data.draw(toml_files())
    changed, added, _ = data.draw(var_changes(old, deletes=False))
    result = edit_toml(text, as_edits(changed, added, []), section=section)
    inverse = [
        *(Edit(("vars", k), old[k]) for k in changed),
        *(Edit(("vars", k), DELETE) for k in added),
    ]
    assert edit_toml(result, inverse, section=section) == text


@given(st.data())
def test_jsonc_var_edits_touch_only_their_lines_and_read_back(data: st.DataObject) -> None:
    text, section, old = data.draw(jsonc_files())
    changed, added, deleted = data.draw(var_changes(old, deletes=True))
    result = edit_jsonc(text, as_edits(changed, added, deleted), section=section)
    touched = {*changed, *added, *deleted}
    marker = '"{}":'
    assert untouched_lines(result, touched, marker) == untouched_lines(text, touched, marker)
    expected = parse_jsonc(text, "<f>").data
    env = expected["env"]["production"] if section else expected
    env["vars"] = {**{k: v for k, v in old.items() if k not in deleted}, **changed, **added}
    assert canonical(parse_jsonc(result, "<f>").data) == canonical(expected)


@given(st.data())
def test_jsonc_var_edits_then_their_inverse_restore_the_text(data: st.DataObject) -> None:
    text, section, old = data.draw(jsonc_files())
    changed, added, _ = data.draw(var_changes(old, deletes=False))
    result = edit_jsonc(text, as_edits(changed, added, []), section=section)
    inverse = [
        *(Edit(("vars", k), old[k]) for k in changed),
        *(Edit(("vars", k), DELETE) for k in added),
    ]
    assert edit_jsonc(result, inverse, section=section) == text


BEFORES = [next((CASES / name).glob("before.*")) for name in CASE_NAMES]
BINDINGS = [
    (("kv_namespaces",), "binding"),
    (("d1_databases",), "binding"),
    (("services",), "binding"),
    (("durable_objects",), "name"),
    (("queues", "producers"), "binding"),
    (("queues", "consumers"), "queue"),
]


@st.composite
def mixed_edits(draw: st.DrawFn, env: dict[str, Any]) -> list[Edit]:
    """Edits of every kind on an environment: vars, scalars, lists, tables, bindings."""
    edits = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["var", "plain", "table", "binding"]))
        value: Any = DELETE if draw(st.integers(0, 3)) == 0 else None
        if kind == "var":
            names = sorted(env["vars"]) if isinstance(env.get("vars"), dict) else []
            path: tuple[str, ...] = ("vars", draw(st.sampled_from([*names, "NEW_A", "NEW_B"])))
            value = value or draw(st.one_of(VALUES, st.dictionaries(NAMES, SCALARS, max_size=2)))
        elif kind == "plain":
            path = draw(
                st.sampled_from(
                    [("compatibility_date",), ("compatibility_flags",), ("triggers", "crons")]
                )
            )
            value = value or (["a", "b"] if path[-1] != "compatibility_date" else "2031-01-01")
        elif kind == "table":
            path = draw(st.sampled_from([("observability",), ("placement",), ("limits",)]))
            value = value or draw(
                st.dictionaries(st.sampled_from(["enabled", "mode", "logs"]), SCALARS, max_size=2)
            )
        else:
            prefix, key = draw(st.sampled_from(BINDINGS))
            holder = env.get(prefix[0]) or {}
            entries = (holder.get(prefix[1]) or []) if len(prefix) > 1 else holder
            if prefix == ("durable_objects",):
                entries = holder.get("bindings") or [] if isinstance(holder, dict) else []
            names = [e[key] for e in entries if isinstance(e, dict) and isinstance(e.get(key), str)]
            path = (*prefix, draw(st.sampled_from([*names, "NEW_BINDING"])))
            value = value or draw(
                st.dictionaries(st.sampled_from(["id", "extra"]), SCALARS, max_size=2)
            )
        edits.append(Edit(path, value))
    return edits


@given(st.data())
def test_mixed_edits_read_back_and_batches_equal_steps(data: st.DataObject) -> None:
    before = data.draw(st.sampled_from(BEFORES))
    text = read(before)
    is_toml = before.suffix == ".toml"
    editor = edit_toml if is_toml else edit_jsonc
    document = tomllib.loads(text) if is_toml else parse_jsonc(text, "<f>").data
    envs = {name: env for name, env in (document.get("env") or {}).items() if isinstance(env, dict)}
    section = data.draw(st.sampled_from([(), *(("env", name) for name in envs)]))
    edits = data.draw(mixed_edits(envs[section[1]] if section else document))
    # Each call re-reads its result and raises unless it holds exactly the intended data.
    result = editor(text, edits, section=section)
    for change in edits:
        text = editor(text, [change], section=section)
    assert text == result


def leaf_paths(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """(path, value) of every key under `value` reached through tables."""
    if not isinstance(value, dict):
        return [(path, value)] if path else []
    found = [(path, value)] if path else []
    for key, item in value.items():
        found += leaf_paths(item, (*path, key))
    return found


@st.composite
def replacements(draw: st.DrawFn, env: dict[str, Any]) -> list[Edit]:
    """Edits that mostly overwrite values where they are, add keys to tables and delete
    them: the same key again (or back to what it was), a key inside a value just
    replaced, tables and lists changed member by member, multi-line strings."""
    paths = leaf_paths({k: v for k, v in env.items() if k != "env"})
    tables = [path for path, value in paths if isinstance(value, dict)]
    edits: list[Edit] = []
    for _ in range(draw(st.integers(1, 8))):
        if edits and draw(st.integers(0, 3)) == 0:
            path, old = edits[-1].path, edits[-1].value  # the same place again, or inside it
            if isinstance(old, dict) and old and draw(st.booleans()):
                key = draw(st.sampled_from(sorted(old)))
                path, old = (*path, key), old[key]
            original = dict(paths).get(path)
            if original is not None and draw(st.booleans()):
                edits.append(Edit(path, original))
                continue
        elif tables and draw(st.integers(0, 3)) == 0:
            path, old = (*draw(st.sampled_from(tables)), draw(NAMES)), None
        else:
            path, old = draw(st.sampled_from(paths)) if paths else (("vars", "NEW"), None)
        how = draw(st.sampled_from(["member", "drop", "new", "delete"]))
        if how == "delete":
            value: Any = DELETE
        elif isinstance(old, dict) and old and how != "new":
            key = draw(st.sampled_from(sorted(old)))
            rest = {k: v for k, v in old.items() if k != key}
            value = rest if how == "drop" else {**old, key: draw(SCALARS)}
        elif isinstance(old, list) and old and how != "new":
            value = [*old[:-1], draw(SCALARS)] if how == "member" else old[1:]
        else:
            value = draw(
                st.one_of(
                    VALUES, st.just("two\nlines"), st.dictionaries(NAMES, SCALARS, max_size=2)
                )
            )
        edits.append(Edit(path, value))
    return edits


def outcome(editor: Any, text: str, edits: list[Edit], section: tuple[str, ...]) -> str:
    try:
        return editor(text, edits, section=section)
    except InputError as e:
        return f"InputError: {e}"


@pytest.mark.parametrize(
    ("editor", "text", "edits", "expected"),
    [
        # The first line break is inside A's string, so it decides the line break that B's
        # new multi-line string is written with: "\n" before A changes, "\r\n" after.
        (
            edit_toml,
            'A = """x\ny"""\r\nB = """p\r\nq"""\r\n',
            [Edit(("A",), "plain"), Edit(("B",), "two\nlines")],
            'A = "plain"\r\nB = """two\r\nlines"""\r\n',
        ),
        # The only indented line is inside `a`, so it decides the indent unit of `b`'s new
        # layout: four spaces before `a` changes, the default two after.
        (
            edit_jsonc,
            '{"a": [\n    "x"\n],\n"b": 1}\n',
            [Edit(("a",), 1), Edit(("b",), {"c": 2})],
            '{"a": 1,\n"b": {\n  "c": 2\n}}\n',
        ),
        # A key is added after the last line of its table: once B is gone, that is A's.
        (
            edit_toml,
            "[vars]\nA = 1\n# about B\nB = 2\n\n[other]\n",
            [Edit(("vars", "B"), DELETE), Edit(("vars", "C"), 3)],
            "[vars]\nA = 1\nC = 3\n# about B\n\n[other]\n",
        ),
        # A table added after a dotted key is written as dotted keys; after X, inline.
        (
            edit_toml,
            "[vars]\nA.b = 1\n",
            [Edit(("vars", "X"), 1), Edit(("vars", "D"), {"y": 2})],
            "[vars]\nA.b = 1\nX = 1\nD = {y = 2}\n",
        ),
    ],
)
def test_a_replacement_that_reads_what_an_earlier_one_changed_sees_the_change(
    editor: Any, text: str, edits: list[Edit], expected: str
) -> None:
    assert editor(text, edits) == expected
    assert editor(editor(text, edits[:1]), edits[1:]) == expected


@given(st.data())
def test_edits_in_place_equal_the_one_change_at_a_time_driver(data: st.DataObject) -> None:
    before = data.draw(st.sampled_from(BEFORES))
    text = read(before)
    is_toml = before.suffix == ".toml"
    editor = edit_toml if is_toml else edit_jsonc
    document = tomllib.loads(text) if is_toml else parse_jsonc(text, "<f>").data
    envs = {name: env for name, env in (document.get("env") or {}).items() if isinstance(env, dict)}
    section = data.draw(st.sampled_from([(), *(("env", name) for name in envs)]))
    env = envs[section[1]] if section else document
    edits = data.draw(
        st.lists(
            st.one_of(replacements(env), replacements(env), mixed_edits(env)),
            min_size=1,
            max_size=4,
        ).map(lambda runs: [change for run in runs for change in run])
    )
    batched = outcome(editor, text, edits, section)
    with mock.patch.object(driver, "_quick", lambda *_: False):
        assert outcome(editor, text, edits, section) == batched


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_table_set_after_a_queued_line_sees_that_line(newline: str) -> None:
    """Found by the property above: `vars.C` added (queued to splice in) and then the whole
    `vars` table set without C: the table edit was planned on the text without the queued
    line, so C stayed and the editor refused its own result."""
    text = 'name = "w"\n\n[vars]\nA = ""\n'.replace("\n", newline)
    edits = [Edit(("vars", "C"), ""), Edit(("vars",), {"A": "", "B": "2"})]
    expected = 'name = "w"\n\n[vars]\nA = ""\nB = "2"\n'.replace("\n", newline)
    assert edit_toml(text, edits) == expected
    with mock.patch.object(driver, "_quick", lambda *_: False):
        assert edit_toml(text, edits) == expected


@given(st.data())
def test_var_edits_in_any_order_equal_the_one_change_at_a_time_driver(
    data: st.DataObject,
) -> None:
    files, editor = data.draw(st.sampled_from([(toml_files, edit_toml), (jsonc_files, edit_jsonc)]))
    text, section, old = data.draw(files())
    edits = data.draw(st.permutations(as_edits(*data.draw(var_changes(old, deletes=True)))))
    edits += data.draw(st.lists(st.sampled_from(edits), max_size=3)) if edits else []
    batched = outcome(editor, text, edits, section)
    with mock.patch.object(driver, "_quick", lambda *_: False):
        assert outcome(editor, text, edits, section) == batched
