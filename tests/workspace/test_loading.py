"""envman.toml and layered environment files: merge rule, tokens, sources, bad input."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from envman.errors import InputError, UsageError
from envman.parse import Document
from envman.workspace import loading
from envman.workspace.loading import check_env_name, find_root, load_environment, load_project
from tests.properties import examples


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


PROJECT = 'worker = "w"\nenvironments = ["staging", "production"]\n'


def test_tables_merge_and_arrays_replace(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "envman.toml": PROJECT,
            "environments/base.toml": (
                'compatibility_flags = ["nodejs_compat", "a"]\n'
                '[vars]\nLOG_LEVEL = "info"\nKEEP = 1\n'
                '[[kv_namespaces]]\nbinding = "BASE"\nid = "b"\n'
            ),
            "environments/staging.toml": (
                'compatibility_flags = ["b"]\n'
                '[vars]\nLOG_LEVEL = "debug"\nNEW = true\n'
                '[[kv_namespaces]]\nbinding = "OWN"\nid = "o"\n'
            ),
        },
    )
    project, _ = load_project(tmp_path)  # type: ignore[misc]
    env = load_environment(tmp_path, project, "staging")
    assert env.data["vars"] == {"LOG_LEVEL": "debug", "KEEP": 1, "NEW": True}
    assert env.data["compatibility_flags"] == ["b"]
    assert env.data["kv_namespaces"] == [{"binding": "OWN", "id": "o"}]


def test_del_token_removes_an_inherited_key(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "envman.toml": PROJECT,
            "environments/base.toml": '[vars]\nA = "1"\nB = "2"\n',
            "environments/staging.toml": '[vars]\nB = "@del"\n',
        },
    )
    project, _ = load_project(tmp_path)  # type: ignore[misc]
    assert load_environment(tmp_path, project, "staging").data["vars"] == {"A": "1"}


@pytest.mark.parametrize(
    "token", ["@read_file /etc/passwd", "@format {env[HOME]}", "@jinja {{ x }}", "@int 3"]
)
def test_other_dynaconf_tokens_are_refused_with_location(tmp_path: Path, token: str) -> None:
    write(
        tmp_path,
        {
            "envman.toml": PROJECT,
            "environments/staging.toml": f'[vars]\nOK = "x"\nBAD = "{token}"\n',
        },
    )
    project, _ = load_project(tmp_path)  # type: ignore[misc]
    with pytest.raises(InputError) as info:
        load_environment(tmp_path, project, "staging")
    assert "environments/staging.toml:3:1" in str(info.value)
    assert "vars.BAD" in str(info.value)


def test_values_that_merely_start_with_at_are_kept(tmp_path: Path) -> None:
    write(
        tmp_path,
        {"envman.toml": PROJECT, "environments/staging.toml": '[vars]\nHANDLE = "@envman"\n'},
    )
    project, _ = load_project(tmp_path)  # type: ignore[misc]
    assert load_environment(tmp_path, project, "staging").data["vars"] == {"HANDLE": "@envman"}


def test_sources_point_at_the_layer_that_wrote_the_value(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "envman.toml": PROJECT,
            "environments/base.toml": '# base\n[vars]\nFROM_BASE = "1"\n',
            "environments/staging.toml": '[vars]\nOWN = "2"\n\n[[kv_namespaces]]\nbinding = "C"\nid = "x"\n',
        },
    )
    project, _ = load_project(tmp_path)  # type: ignore[misc]
    env = load_environment(tmp_path, project, "staging")
    assert str(env.source(("vars", "FROM_BASE"))) == "environments/base.toml:3:1"
    assert str(env.source(("vars", "OWN"))) == "environments/staging.toml:2:1"
    assert str(env.source(("kv_namespaces", "C", "id"))) == "environments/staging.toml:6:1"


def test_environment_variables_never_leak_into_environment_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVMAN_LAYER_VARS", '{"INJECTED": "1"}')
    monkeypatch.setenv("DYNACONF_VARS", '{"INJECTED": "1"}')
    write(tmp_path, {"envman.toml": PROJECT, "environments/staging.toml": '[vars]\nA = "1"\n'})
    project, _ = load_project(tmp_path)  # type: ignore[misc]
    assert load_environment(tmp_path, project, "staging").data == {"vars": {"A": "1"}}


def test_missing_environment_file_is_located(tmp_path: Path) -> None:
    write(tmp_path, {"envman.toml": PROJECT, "environments/staging.toml": 'name = "x"\n'})
    project, _ = load_project(tmp_path)  # type: ignore[misc]
    with pytest.raises(InputError) as info:
        load_environment(tmp_path, project, "production")
    assert "environments/production.toml" in str(info.value)
    assert info.value.exit_code == 3


def test_unknown_project_key_suggests_the_right_one(tmp_path: Path) -> None:
    write(tmp_path, {"envman.toml": PROJECT + 'protcted = ["production"]\n'})
    with pytest.raises(InputError) as info:
        load_project(tmp_path)
    message = str(info.value)
    assert "envman.toml:3:1" in message
    assert "did you mean 'protected'?" in message


@pytest.mark.parametrize("name", ["../etc", "a/b", "a\\b", "prod env"])
def test_environment_names_with_separators_are_refused_in_the_project(
    tmp_path: Path, name: str
) -> None:
    write(
        tmp_path,
        {"envman.toml": f'worker = "w"\nenvironments = ["{name}"]\n'.replace("\\", "\\\\")},
    )
    with pytest.raises(InputError) as info:
        load_project(tmp_path)
    assert "envman.toml" in str(info.value)


def test_unknown_environment_on_the_command_line_suggests(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        check_env_name("prodution", ("staging", "production"))
    assert info.value.hint == "did you mean 'production'?"
    with pytest.raises(UsageError, match="path separator"):
        check_env_name("../production", ("production",))


def test_find_root_walks_up_to_envman_toml(tmp_path: Path) -> None:
    write(tmp_path, {"envman.toml": PROJECT, "src/deep/x.txt": ""})
    assert find_root(tmp_path / "src" / "deep") == tmp_path.resolve()


# --------------------------------------------------------------------------- merging without dynaconf

_KEYS = st.sampled_from(["vars", "Vars", "name", "NAME", "kv_namespaces", "triggers", "main"])
_VALUES = st.recursive(
    st.none().map(lambda _: "@none")
    | st.booleans()
    | st.integers()
    | st.text(alphabet="ab@ ", max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["A", "a", "B", "id"]), inner, max_size=3)
    ),
    max_leaves=8,
)
_LAYER = st.dictionaries(_KEYS, _VALUES, max_size=4)


@settings(max_examples=examples(2))
@given(layers=st.lists(_LAYER, min_size=1, max_size=2))
def test_keys_one_layer_sets_are_merged_as_dynaconf_merges_them(
    layers: list[dict[str, Any]],
) -> None:
    """Keys that one layer alone sets skip dynaconf; the result is dynaconf's all the same."""
    documents = tuple(
        Document(path=f"layer{i}.toml", text="", data=copy.deepcopy(data))
        for i, data in enumerate(layers)
    )
    everything = loading._layered([copy.deepcopy(d.data) for d in documents])
    spelling = {key.lower(): key for data in layers for key in data}  # first seen, last spelling
    expected = {spelling[key]: everything[key] for key in spelling if key in everything}
    merged = loading._merge(documents)
    assert merged == expected
    assert list(merged) == list(expected)
    assert [d.data for d in documents] == layers  # the documents are left as read


# --------------------------------------------------------------------------- refusing tokens

_TOKEN_KEYS = st.sampled_from(["vars", "A", "dynaconf_merge", "x_FOR_DYNACONF", "Dynaconf", "id"])
_TOKEN_VALUES = st.recursive(
    st.sampled_from(
        ["@none", "@none x", "@del", "@int 3", "@envman", "@read_file x", "plain", "", "@"]
    )
    | st.integers(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TOKEN_KEYS, inner, max_size=3),
    max_leaves=8,
)


def _refused_by_walking(data: dict[str, Any]) -> bool:
    """The rule `_refuse_tokens` applies, by the walk with paths it falls back on."""
    for loc, value in loading._walk(data):
        key = loc[-1].lower() if loc and isinstance(loc[-1], str) else ""
        if key.startswith("dynaconf") or key.endswith("_for_dynaconf"):
            return True
        if (
            isinstance(value, str)
            and value != loading.NULL_TOKEN
            and value.split(" ", 1)[0] in loading._tokens()
        ):
            return True
    return False


@settings(max_examples=examples(2))
@given(data=st.dictionaries(_TOKEN_KEYS, _TOKEN_VALUES, max_size=4))
def test_the_quick_pass_refuses_exactly_what_the_walk_refuses(data: dict[str, Any]) -> None:
    """`_suspect` lets a file through without paths only when the walk finds nothing."""
    document = Document(path="staging.toml", text="", data=data)
    refused = _refused_by_walking(data)
    assert loading._suspect(data) or not refused
    if refused:
        with pytest.raises(InputError):
            loading._refuse_tokens(document)
    else:
        loading._refuse_tokens(document)
