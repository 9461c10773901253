"""Reading a wrangler file and resolving each environment as wrangler does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from envman.errors import InputError, UsageError
from envman.models import Source
from envman.project import TOP_LEVEL
from envman.wrangler import (
    WRANGLER_FILES,
    check,
    find_wrangler_file,
    resolve,
    resolve_all,
)
from tests.wrangler.files import BASE, TODAY, found, only

# --------------------------------------------------------------------------- the file


def test_find_wrangler_file_prefers_json_then_jsonc_then_toml(tmp_path: Path) -> None:
    assert find_wrangler_file(tmp_path) is None
    for name in reversed(WRANGLER_FILES):
        (tmp_path / name).write_text("{}", encoding="utf-8")
        assert find_wrangler_file(tmp_path) == tmp_path / name
    (tmp_path / "sub").mkdir()
    assert find_wrangler_file(tmp_path / "sub") is None  # no upward search


def test_read_wrangler_refuses_malformed_toml_with_location(wrangler: Any) -> None:
    with pytest.raises(InputError) as error:
        wrangler('name = "app"\nmain = \n')
    assert error.value.exit_code == 3
    assert error.value.file == "wrangler.toml" and error.value.line == 2


def test_read_wrangler_refuses_malformed_jsonc_and_non_objects(wrangler: Any) -> None:
    with pytest.raises(InputError) as error:
        wrangler('{\n  "name": "app",\n  "main": \n}', "wrangler.jsonc")
    assert error.value.line == 4
    with pytest.raises(InputError, match="must be an object"):
        wrangler("[1, 2]", "wrangler.json")


def test_read_wrangler_lists_environments_in_file_order(wrangler: Any) -> None:
    wf = wrangler(BASE + "[env.zeta]\n[env.alpha]\n[env.mid.vars]\nA = '1'\n")
    assert wf.env_names == ("zeta", "alpha", "mid")


def test_jsonc_duplicate_key_keeps_the_last_and_is_reported(wrangler: Any) -> None:
    text = '{\n  "name": "app",\n  "main": "a.ts",\n  "main": "b.ts",\n  "compatibility_date": "2025-01-01"\n}'
    wf = wrangler(text, "wrangler.jsonc")
    assert resolve(wf, TOP_LEVEL).raw["main"] == "b.ts"
    (duplicate,) = only(check(wf, today=TODAY), "EM005")
    assert (duplicate.env, duplicate.path) == (TOP_LEVEL, "main")
    assert duplicate.source == Source(file="wrangler.jsonc", line=3, column=3)


# --------------------------------------------------------------------------- resolution


def test_inheritable_keys_come_from_the_top_level_whole_value(wrangler: Any) -> None:
    wf = wrangler(
        BASE
        + "compatibility_flags = ['nodejs_compat']\n"
        + "[observability]\nenabled = true\nhead_sampling_rate = 0.5\n"
        + "[env.staging]\ncompatibility_date = '2025-02-01'\n"
        + "[env.staging.observability]\nenabled = false\n"
    )
    staging = resolve(wf, "staging")
    assert staging.raw["compatibility_date"] == "2025-02-01"
    assert staging.origin["compatibility_date"] == ("env", "staging", "compatibility_date")
    assert staging.raw["compatibility_flags"] == ["nodejs_compat"]
    assert staging.origin["compatibility_flags"] == ("compatibility_flags",)
    # replaced, never merged: no head_sampling_rate from the top level
    assert staging.raw["observability"] == {"enabled": False}


def test_non_inheritable_keys_are_only_what_the_environment_declares(wrangler: Any) -> None:
    wf = wrangler(
        BASE
        + "[vars]\nA = '1'\n[[kv_namespaces]]\nbinding = 'CACHE'\nid = 'abc'\n"
        + "[env.staging]\nworkers_dev = true\n[env.production.vars]\nB = '2'\n"
    )
    assert "vars" not in resolve(wf, "staging").raw
    assert "kv_namespaces" not in resolve(wf, "staging").raw
    assert resolve(wf, "production").raw["vars"] == {"B": "2"}
    assert resolve(wf, TOP_LEVEL).raw["vars"] == {"A": "1"}


def test_top_level_only_keys_are_not_part_of_an_environment(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "keep_vars = true\n[env.staging]\nkeep_vars = false\nsend_metrics = false\n"
    )
    assert resolve(wf, TOP_LEVEL).raw["keep_vars"] is True
    staging = resolve(wf, "staging")
    assert "keep_vars" not in staging.raw and "send_metrics" not in staging.raw
    assert found(only(check(wf, today=TODAY), "EM315")) == {
        ("staging", "keep_vars", "EM315"),
        ("staging", "send_metrics", "EM315"),
    }


def test_unknown_keys_are_kept_in_raw(wrangler: Any) -> None:
    wf = wrangler(BASE + "shiny_new_key = 1\n[env.staging]\nother_new = 'x'\n")
    assert resolve(wf, TOP_LEVEL).raw["shiny_new_key"] == 1
    staging = resolve(wf, "staging")
    assert staging.raw["other_new"] == "x"
    assert "shiny_new_key" not in staging.raw  # unknown top-level keys are not inherited


def test_worker_name_is_explicit_or_derived(wrangler: Any) -> None:
    wf = wrangler(BASE + "[env.staging]\n[env.production]\nname = 'app-prod'\n")
    top, staging, production = resolve_all(wf)
    assert (top.env, top.worker_name, top.name_derived) == (TOP_LEVEL, "app", False)
    assert (staging.worker_name, staging.name_derived) == ("app-staging", True)
    assert staging.origin["name"] == ("env", "staging")
    assert (production.worker_name, production.name_derived) == ("app-prod", False)
    nameless = wrangler('main = "a.ts"\n[env.staging]\n')
    assert resolve(nameless, "staging").worker_name is None


def test_route_and_routes_are_inherited_separately_and_routes_wins(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "routes = ['example.com/*']\n"
        "[env.staging]\nroute = { pattern = 'staging.example.com/*', zone_name = 'example.com' }\n"
        "[env.production]\nroutes = ['prod.example.com/*']\n"
    )
    staging = resolve(wf, "staging")
    assert staging.raw["route"]["pattern"] == "staging.example.com/*"
    assert staging.raw["routes"] == ["example.com/*"]
    config = staging.config()
    assert config.routes is not None
    assert [r.pattern for r in config.routes] == ["example.com/*"]  # what wrangler deploys
    assert found(only(check(wf, today=TODAY), "EM339")) == {("staging", "route", "EM339")}
    production = resolve(wf, "production").config()
    assert production.routes is not None and production.routes[0].pattern == "prod.example.com/*"


def test_triggers_are_replaced_whole(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "[triggers]\ncrons = ['0 3 * * *', '0 4 * * *']\n"
        "[env.staging.triggers]\ncrons = []\n[env.production]\n"
    )
    assert resolve(wf, "staging").raw["triggers"] == {"crons": []}
    assert resolve(wf, "production").raw["triggers"]["crons"] == ["0 3 * * *", "0 4 * * *"]


def test_empty_route_and_account_id_are_ignored_and_then_inherited(wrangler: Any) -> None:
    wf = wrangler(
        BASE
        + "account_id = 'abc'\nroute = 'example.com/*'\n[env.staging]\nroute = ''\naccount_id = ''\n"
    )
    staging = resolve(wf, "staging")
    assert staging.raw["route"] == "example.com/*" and staging.raw["account_id"] == "abc"
    assert found(only(check(wf, today=TODAY), "EM340")) == {
        ("staging", "route", "EM340"),
        ("staging", "account_id", "EM340"),
    }


def test_unknown_environment_is_a_usage_error_with_suggestion(wrangler: Any) -> None:
    wf = wrangler(BASE + "[env.staging]\n[env.production]\n")
    with pytest.raises(UsageError) as error:
        resolve(wf, "stagign")
    assert error.value.exit_code == 2
    assert error.value.hint == "did you mean 'staging'?"
    with pytest.raises(UsageError):
        check(wf, today=TODAY, envs=["prod"])


def test_resolve_all_is_top_level_then_file_order(wrangler: Any) -> None:
    wf = wrangler(BASE + "[env.b]\n[env.a]\n")
    assert [r.env for r in resolve_all(wf)] == [TOP_LEVEL, "b", "a"]


def test_sources_are_located_through_origin(wrangler: Any) -> None:
    wf = wrangler(
        BASE  # lines 1-3
        + "[vars]\n"  # 4
        + "LOG_LEVEL = 'info'\n"  # 5
        + "[env.staging]\n"  # 6
        + "workers_dev = true\n"  # 7
        + "[env.staging.vars]\n"  # 8
        + "LOG_LEVEL = 'debug'\n"  # 9
    )
    staging = resolve(wf, "staging")
    assert staging.source(("vars", "LOG_LEVEL")) == Source(file="wrangler.toml", line=9, column=1)
    assert staging.source(("compatibility_date",)) == Source(file="wrangler.toml", line=3, column=1)
    assert staging.source(("name",)).line == 6  # derived: where an explicit name would go
    assert resolve(wf, TOP_LEVEL).source(("vars", "LOG_LEVEL")).line == 5


def test_sources_in_jsonc_point_at_keys(wrangler: Any) -> None:
    text = (
        "{\n"
        '  "name": "app",\n'
        '  "main": "src/index.ts",\n'
        '  "compatibility_date": "2025-01-01",\n'
        '  "env": {\n'
        '    "staging": {\n'
        '      "kv_namespaces": [{ "binding": "MY-CACHE", "id": "" }]\n'
        "    }\n"
        "  }\n"
        "}\n"
    )
    findings = check(wrangler(text, "wrangler.jsonc"), today=TODAY)
    (bad_name,) = only(findings, "EM333")
    assert (bad_name.env, bad_name.path) == ("staging", "kv_namespaces.MY-CACHE")
    assert bad_name.source == Source(file="wrangler.jsonc", line=7, column=27)
    (empty_id,) = only(findings, "EM319")
    assert empty_id.path == "kv_namespaces.MY-CACHE.id" and empty_id.source is not None
    assert (empty_id.source.line, empty_id.source.column) == (7, 50)


def test_config_never_raises_and_drops_wrong_types(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "workers_dev = 'yes'\nusage_model = 3\n[limits]\ncpu_ms = 1.5\n"
        "[[kv_namespaces]]\nbinding = 'CACHE'\nid = 'abc'\n"
        "[[kv_namespaces]]\nid = 42\n"
        "[triggers]\ncrons = ['0 3 * * *', 5]\n"
        "routes = [{ zone_name = 'x' }, 'example.com/*']\n"
    )
    config = resolve(wf, TOP_LEVEL).config()
    assert config.workers_dev is None and config.usage_model is None
    assert config.kv_namespaces is not None and config.kv_namespaces["CACHE"].id == "abc"
    assert config.triggers is not None and config.triggers.crons == ("0 3 * * *",)
    assert config.compatibility_date == "2025-01-01"
