"""promote.plan(): what is promoted, what never is, blocked steps, --only and --map."""

from __future__ import annotations

from typing import Any

from envman.config import WorkerConfig
from envman.release.planning import Plan, env_file_edits, plan


def config(**data: Any) -> WorkerConfig:
    return WorkerConfig.model_validate(data)


def make(source: dict[str, Any], target: dict[str, Any], **options: Any) -> Plan:
    scopes = options.pop("scopes", {})
    return plan(
        "staging",
        "production",
        config(**source),
        config(**target),
        scope_of=lambda v: scopes.get(v, "promotable"),
        **options,
    )


def steps(p: Plan) -> dict[str, tuple[Any, Any, str | None]]:
    return {s.path: (s.before, s.after, s.blocked) for s in p.steps}


def test_vars_flags_and_dates_are_promoted() -> None:
    p = make(
        {
            "compatibility_date": "2025-03-01",
            "compatibility_flags": ["nodejs_compat"],
            "vars": {"A": "1", "NEW": True},
        },
        {"compatibility_date": "2025-01-01", "vars": {"A": "0", "OLD": 1}},
    )
    assert steps(p) == {
        "compatibility_date": ("2025-01-01", "2025-03-01", None),
        "compatibility_flags": (None, ["nodejs_compat"], None),
        "vars.A": ("0", "1", None),
        "vars.NEW": (None, True, None),
        "vars.OLD": (1, None, None),
    }


def test_environment_specific_paths_are_never_copied() -> None:
    p = make(
        {
            "name": "w-staging",
            "routes": ["s.example.com/*"],
            "workers_dev": True,
            "vars": {"URL": "s"},
            "kv_namespaces": [{"binding": "CACHE", "id": "s"}],
        },
        {
            "name": "w-production",
            "routes": ["p.example.com/*"],
            "workers_dev": False,
            "vars": {"URL": "p"},
            "kv_namespaces": [{"binding": "CACHE", "id": "p"}],
        },
        scopes={"URL": "environment"},
    )
    assert p.steps == ()
    assert {s.path for s in p.environment_specific} == {
        "name",
        "routes",
        "workers_dev",
        "vars.URL",
        "kv_namespaces.CACHE",
    }


def test_a_new_binding_is_blocked_until_mapped() -> None:
    source = {
        "kv_namespaces": [{"binding": "SESSIONS", "id": "staging-id"}],
        "d1_databases": [{"binding": "DB", "database_id": "s", "database_name": "db-s"}],
    }
    blocked = make(source, {})
    assert {path: reason is not None for path, (_, _, reason) in steps(blocked).items()} == {
        "kv_namespaces.SESSIONS": True,
        "d1_databases.DB": True,
    }
    assert "--map SESSIONS=<id>" in (blocked.steps[1].blocked or "")
    mapped = make(source, {}, mapping={"SESSIONS": "prod-id", "DB": "prod-db"})
    assert steps(mapped) == {
        "d1_databases.DB": (None, {"database_id": "prod-db"}, None),
        "kv_namespaces.SESSIONS": (None, {"id": "prod-id"}, None),
    }


def test_a_binding_in_both_keeps_the_targets_resource_and_takes_the_rest() -> None:
    p = make(
        {
            "durable_objects": {
                "bindings": [{"name": "ROOM", "class_name": "RoomV2", "script_name": "s"}]
            }
        },
        {
            "durable_objects": {
                "bindings": [{"name": "ROOM", "class_name": "Room", "script_name": "p"}]
            }
        },
    )
    assert steps(p) == {
        "durable_objects.ROOM": (
            {"class_name": "Room", "script_name": "p"},
            {"class_name": "RoomV2", "script_name": "p"},
            None,
        )
    }


def test_only_restricts_and_policy_patterns_exclude() -> None:
    source = {
        "vars": {"LOG_LEVEL": "info", "FEATURE_A": True, "FEATURE_B": False},
        "triggers": {"crons": ["0 * * * *"]},
    }
    target = {"vars": {"LOG_LEVEL": "warn"}, "triggers": {"crons": ["*/5 * * * *"]}}
    assert set(steps(make(source, target, only=["vars.FEATURE_*"]))) == {
        "vars.FEATURE_A",
        "vars.FEATURE_B",
    }
    assert set(steps(make(source, target, only=["vars"]))) == {
        "vars.LOG_LEVEL",
        "vars.FEATURE_A",
        "vars.FEATURE_B",
    }
    excluded = make(source, target, environment_specific=["triggers.crons"])
    assert "triggers.crons" not in steps(excluded)
    assert "triggers.crons" in {s.path for s in excluded.environment_specific}


def test_secrets_move_as_names() -> None:
    p = make({"secrets": {"required": ["JWT", "STRIPE"]}}, {"secrets": {"required": ["JWT"]}})
    assert steps(p) == {"secrets.required": (["JWT"], ["JWT", "STRIPE"], None)}


def test_edits_delete_own_keys_and_mask_inherited_ones() -> None:
    p = make({"vars": {}}, {"vars": {"OWN": "1", "FROM_BASE": "2"}})
    result = config(vars={})
    edits = env_file_edits(
        p.steps, own={"vars": {"OWN": "1"}}, base={"vars": {"FROM_BASE": "2"}}, result=result
    )
    assert sorted(edits, key=str) == [(("vars", "FROM_BASE"), "@del"), (("vars", "OWN"), None)]


def test_binding_lists_only_in_the_base_are_written_whole() -> None:
    p = make(
        {"kv_namespaces": [{"binding": "A", "id": "a"}, {"binding": "B", "id": "b"}]},
        {"kv_namespaces": [{"binding": "A", "id": "a"}]},
        mapping={"B": "prod-b"},
    )
    result = config(kv_namespaces=[{"binding": "A", "id": "a"}, {"binding": "B", "id": "prod-b"}])
    edits = env_file_edits(
        p.steps, own={}, base={"kv_namespaces": [{"binding": "A", "id": "a"}]}, result=result
    )
    assert edits == [
        (("kv_namespaces", "A"), {"id": "a"}),
        (("kv_namespaces", "B"), {"id": "prod-b"}),
    ]


def test_a_single_binding_has_no_entries_by_name_and_holds_nothing_back() -> None:
    """`ai = { binding = "AI" }` dumps to {"binding": "AI"}, which the catalogue once took
    for a table of entries: every diff and promote of a config with one was exit 4 (a
    real config of the corpus, 043). Now a single kind has no entries by name."""
    from envman.bindings import BY_PATH
    from envman.release.holdback import hold_back, identity

    source = config(name="app-dev", ai={"binding": "AI"}, browser={"binding": "BROWSER"})
    target = config(name="app", ai={"binding": "AI"}, vars={"MODE": "x"})
    for path in ("ai", "browser"):
        assert BY_PATH[path].entries(source) == {}
        assert BY_PATH[path].entries(source.model_dump(exclude_none=True)) == {}
    assert identity("development", source) == ["development", "app-dev"]
    found = plan("development", "production", source, target, scope_of=lambda _: "promotable")
    assert hold_back(found, "development", source, ()).held_back == ()
