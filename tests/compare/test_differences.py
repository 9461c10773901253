"""compare(): granularity, kinds, the normalisation catalogue, and its invariants."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from envman.compare.differences import compare, explain, normalise
from envman.config import WorkerConfig
from envman.terms import Kind


def config(**data: Any) -> WorkerConfig:
    return WorkerConfig.model_validate(data)


def paths(expected: WorkerConfig, actual: WorkerConfig) -> dict[str, Kind]:
    return {d.path: d.kind for d in compare(expected, actual)}


def test_vars_and_bindings_differ_per_entry() -> None:
    expected = config(
        vars={"A": "1", "B": 2},
        kv_namespaces=[{"binding": "CACHE", "id": "x"}],
        queues={"producers": [{"binding": "JOBS", "queue": "q"}]},
        durable_objects={"bindings": [{"name": "ROOM", "class_name": "Room"}]},
    )
    actual = config(
        vars={"A": "2", "C": 3},
        kv_namespaces=[{"binding": "CACHE", "id": "y"}],
        queues={"producers": [{"binding": "JOBS", "queue": "q"}]},
    )
    assert paths(expected, actual) == {
        "vars.A": Kind.CHANGED,
        "vars.B": Kind.MISSING,
        "vars.C": Kind.UNEXPECTED,
        "kv_namespaces.CACHE": Kind.CHANGED,
        "durable_objects.ROOM": Kind.MISSING,
    }


def test_secrets_are_compared_by_name() -> None:
    expected = config(secrets={"required": ["JWT", "STRIPE"]})
    actual = config(secrets={"required": ["JWT", "OTHER"]})
    assert paths(expected, actual) == {
        "secrets.STRIPE": Kind.MISSING,
        "secrets.OTHER": Kind.UNEXPECTED,
    }


def test_unmanaged_fields_are_not_compared() -> None:
    assert (
        compare(
            config(vars={"A": "1"}), config(vars={"A": "1"}, logpush=True, usage_model="unbound")
        )
        == []
    )


def test_catalogue_folds_server_defaults() -> None:
    declared = config(
        compatibility_flags=["b", "a"],
        usage_model="standard",
        placement={},
        observability={"enabled": False, "head_sampling_rate": 1},
        logpush=False,
        triggers={"crons": ["0  3 * * *", "*/5 * * * *"]},
        routes=[
            "b.example.com/*",
            {"pattern": "a.example.com", "custom_domain": True, "zone_name": "example.com"},
        ],
    )
    live = config(
        compatibility_flags=["a", "b"],
        placement={"mode": "off"},
        triggers={"crons": ["*/5 * * * *", "0 3 * * *"]},
        routes=[
            {"pattern": "a.example.com", "custom_domain": True, "zone_id": "z"},
            {"pattern": "b.example.com/*"},
        ],
    )
    assert compare(declared, live) == []


def test_whole_value_fields_and_crons_path() -> None:
    differences = compare(
        config(triggers={"crons": ["0 3 * * *"]}, observability={"enabled": True}),
        config(triggers={"crons": []}, observability={"enabled": False}),
    )
    assert [(d.path, d.kind) for d in differences] == [
        ("observability", Kind.CHANGED),
        ("triggers.crons", Kind.CHANGED),
    ]


def test_explain_names_leaf_changes() -> None:
    (difference,) = compare(
        config(d1_databases=[{"binding": "DB", "database_id": "a", "database_name": "n"}]),
        config(d1_databases=[{"binding": "DB", "database_id": "b", "database_name": "n"}]),
    )
    assert explain(difference) == ["database_id: 'a' -> 'b'"]


json_scalars = st.one_of(st.text(max_size=8), st.integers(), st.booleans())
names = st.from_regex(r"[A-Z][A-Z_]{0,6}", fullmatch=True)
configs = st.builds(
    lambda vars_, kv, flags, secrets: config(
        vars=vars_,
        kv_namespaces=[{"binding": n, "id": i} for n, i in kv.items()],
        compatibility_flags=flags,
        secrets={"required": secrets},
    ),
    st.dictionaries(names, json_scalars, max_size=5),
    st.dictionaries(names, st.text(min_size=1, max_size=6), max_size=3),
    st.lists(st.sampled_from(["nodejs_compat", "a", "b"]), max_size=3),
    st.lists(names, max_size=3, unique=True),
)


@given(configs)
def test_a_config_never_differs_from_itself(c: WorkerConfig) -> None:
    assert compare(c, c) == []
    assert compare(c, WorkerConfig.model_validate(c.to_wrangler())) == []


@given(configs, configs)
def test_kinds_are_symmetric(a: WorkerConfig, b: WorkerConfig) -> None:
    forward = {d.path: d.kind for d in compare(a, b)}
    backward = {d.path: d.kind for d in compare(b, a)}
    flip = {
        Kind.MISSING: Kind.UNEXPECTED,
        Kind.UNEXPECTED: Kind.MISSING,
        Kind.CHANGED: Kind.CHANGED,
    }
    assert {p: flip[k] for p, k in forward.items()} == backward
    assert normalise(a) == normalise(b) or forward


@given(configs, configs)
def test_equal_normal_forms_mean_no_differences(a: WorkerConfig, b: WorkerConfig) -> None:
    assert (compare(a, b) == []) == (
        normalise(a, ["vars", "kv_namespaces", "compatibility_flags", "secrets"])
        == normalise(b, ["vars", "kv_namespaces", "compatibility_flags", "secrets"])
    )
