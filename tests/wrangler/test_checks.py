"""Tests for envman.wrangler: reading, resolving environments as wrangler does, and checking."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from envman.errors import InputError, UsageError
from envman.models import Finding, Source
from envman.project import TOP_LEVEL
from envman.wrangler import (
    WRANGLER_FILES,
    WranglerFile,
    check,
    check_values,
    environment_keys,
    find_wrangler_file,
    read_wrangler,
    resolve,
    resolve_all,
    top_level_keys,
)
from envman.wrangler.keys import INHERITABLE, NOT_INHERITED, TOP_LEVEL_ONLY
from tests import paths

TODAY = date(2026, 6, 1)
CASES = paths.CASES / "wrangler"


@pytest.fixture
def wrangler(tmp_path: Path) -> Callable[..., WranglerFile]:
    """Write a wrangler file (wrangler.toml unless named) and read it back."""

    def write(text: str, name: str = "wrangler.toml") -> WranglerFile:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return read_wrangler(path, name)

    return write


def found(findings: list[Finding]) -> set[tuple[str | None, str, str]]:
    return {(f.env, f.path, f.code) for f in findings}


def only(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


BASE = 'name = "app"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'


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


# --------------------------------------------------------------------------- rules


def test_unknown_keys_warn_with_did_you_mean(wrangler: Any) -> None:
    wf = wrangler(
        'name = "app"\nmain = "a.ts"\ncompatability_date = "2025-01-01"\n'
        "[[kv_namespaces]]\nbinding = 'CACHE'\nidd = 'abc'\n[env.staging]\nworker_dev = true\n"
    )
    findings = only(check(wf, today=TODAY), "EM310")
    hints = {(f.env, f.path): f.hint for f in findings}
    assert hints[(TOP_LEVEL, "compatability_date")] == "did you mean 'compatibility_date'?"
    assert hints[(TOP_LEVEL, "kv_namespaces.CACHE.idd")] == "did you mean 'id'?"
    assert hints[("staging", "worker_dev")] == "did you mean 'workers_dev'?"
    assert all(f.severity.value == "warning" for f in findings)


def test_table_scoping_slips_name_the_header(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "[build]\ncommand = 'make'\nservices = [{ binding = 'API', service = 'api' }]\n"
        "[dev]\nport = 8787\nvars = { A = '1' }\n[vars]\nworkers_dev = true\n"
    )
    findings = check(wf, today=TODAY)
    by_path = {f.path: f for f in findings}
    assert by_path["build.services"].code == "EM310"
    assert "[build]" in (by_path["build.services"].hint or "")
    assert by_path["dev.vars"].code == "EM310" and "[dev]" in (by_path["dev.vars"].hint or "")
    assert by_path["vars.workers_dev"].code == "EM338"


def test_wrong_types(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "workers_dev = 'yes'\nkeep_vars = 'true'\nkv_namespaces = { binding = 'A' }\n"
        "[triggers]\ncrons = [5]\n"
    )
    assert found(only(check(wf, today=TODAY), "EM311")) == {
        (TOP_LEVEL, "workers_dev", "EM311"),
        (TOP_LEVEL, "keep_vars", "EM311"),
        (TOP_LEVEL, "kv_namespaces", "EM311"),
        (TOP_LEVEL, "triggers.crons[0]", "EM311"),
    }


def test_missing_required_keys(wrangler: Any) -> None:
    wf = wrangler('main = "a.ts"\n[env.staging]\nname = "s"\ncompatibility_date = "2025-01-01"\n')
    assert found(only(check(wf, today=TODAY), "EM312")) == {
        (TOP_LEVEL, "name", "EM312"),
        (TOP_LEVEL, "compatibility_date", "EM312"),
    }
    assets_only = wrangler(
        '{"name": "site", "compatibility_date": "2025-01-01", "assets": {"directory": "./public"}}',
        "wrangler.json",
    )
    assert only(check(assets_only, today=TODAY), "EM312") == []


def test_a_key_missing_everywhere_is_one_finding(wrangler: Any) -> None:
    wf = wrangler('name = "app"\nmain = "a.ts"\n[env.a]\n[env.b]\n')
    (finding,) = only(check(wf, today=TODAY), "EM312")
    assert finding.env == TOP_LEVEL and finding.source == Source(file="wrangler.toml")
    (in_b,) = only(check(wf, today=TODAY, envs=["b"]), "EM312")
    assert in_b.env == "b"


def test_invalid_explicit_and_derived_worker_names(wrangler: Any) -> None:
    long_env = "e" * 60
    wf = wrangler(
        'name = "app"\nmain = "a.ts"\ncompatibility_date = "2025-01-01"\n'
        f'[env."prod env"]\n[env.Staging]\n[env.{long_env}]\n[env.ok]\nname = "My_Worker"\n'
    )
    assert found(only(check(wf, today=TODAY), "EM334")) == {
        ("prod env", "name", "EM334"),
        ("Staging", "name", "EM334"),
        (long_env, "name", "EM334"),
    }
    assert found(only(check(wf, today=TODAY), "EM313")) == {("ok", "name", "EM313")}
    too_long = wrangler(f'name = "{"a" * 64}"\nmain = "a.ts"\ncompatibility_date = "2025-01-01"\n')
    assert found(check(too_long, today=TODAY)) == {(TOP_LEVEL, "name", "EM313")}


def test_non_inherited_keys_missing_in_an_environment(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "[vars]\nA = '1'\nB = '2'\n[[kv_namespaces]]\nbinding = 'CACHE'\nid = 'x'\n"
        "[[kv_namespaces]]\nbinding = 'SESSIONS'\nid = 'y'\n"
        "[env.staging]\nworkers_dev = true\n"
        "[env.production.vars]\nA = '1'\n[[env.production.kv_namespaces]]\nbinding = 'CACHE'\nid = 'z'\n"
    )
    assert found(only(check(wf, today=TODAY), "EM314")) == {
        ("staging", "vars", "EM314"),
        ("staging", "kv_namespaces", "EM314"),
        ("production", "vars.B", "EM314"),
        ("production", "kv_namespaces.SESSIONS", "EM314"),
    }


def test_route_and_routes_together(wrangler: Any) -> None:
    wf = wrangler(BASE + "route = 'a.example.com/*'\nroutes = ['b.example.com/*']\n")
    assert found(only(check(wf, today=TODAY), "EM316")) == {(TOP_LEVEL, "route", "EM316")}


@pytest.mark.parametrize(
    "route",
    [
        "{ zone_name = 'example.com' }",
        "{ pattern = 'example.com/*' }",
        "{ pattern = 'example.com/*', zone_id = 'a', zone_name = 'example.com' }",
        "{ pattern = 'example.com/*', zone_name = 'example.com', zone = 'x' }",
        "{ pattern = 'example.com', custom_domain = 'yes' }",
        "''",
        "42",
    ],
)
def test_malformed_routes(wrangler: Any, route: str) -> None:
    wf = wrangler(BASE + f"routes = [{route}]\n")
    assert found(check(wf, today=TODAY)) == {(TOP_LEVEL, "routes", "EM317")}


def test_valid_routes_pass(wrangler: Any) -> None:
    wf = wrangler(
        BASE
        + "routes = ['example.com/*', { pattern = 'a.example.com/*', zone_name = 'example.com' },"
        " { pattern = 'api.example.com', custom_domain = true },"
        " { pattern = 'b.example.com/*', zone_id = 'abc', custom_domain = false }]\n"
    )
    assert check(wf, today=TODAY) == []


def test_custom_domains_without_wildcards_or_paths(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "routes = [{ pattern = '*.example.com', custom_domain = true },"
        " { pattern = 'example.com/api', custom_domain = true }]\n"
    )
    assert [f.code for f in check(wf, today=TODAY)] == ["EM337", "EM337"]


def test_inherited_custom_domain_warns_unless_routes_reset(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "routes = [{ pattern = 'api.example.com', custom_domain = true }]\n"
        "[env.staging]\nworkers_dev = true\n[env.dev]\nroutes = []\n"
    )
    (finding,) = only(check(wf, today=TODAY), "EM324")
    assert (finding.env, finding.path) == ("staging", "routes")
    assert finding.source is not None and finding.source.line == 4


def test_duplicate_binding_names_across_kinds(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "[vars]\nCACHE = 'x'\nTOKEN = 'y'\n[secrets]\nrequired = ['TOKEN']\n"
        "[[kv_namespaces]]\nbinding = 'CACHE'\nid = 'abc'\n[ai]\nbinding = 'AI'\n"
        "[[services]]\nbinding = 'AI'\nservice = 'ai-proxy'\n"
    )
    assert found(only(check(wf, today=TODAY), "EM318")) == {
        (TOP_LEVEL, "secrets.required", "EM318"),
        (TOP_LEVEL, "kv_namespaces.CACHE", "EM318"),
        (TOP_LEVEL, "services.AI", "EM318"),
    }


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        ("[[kv_namespaces]]\nid = 'abc'", "kv_namespaces.#0"),
        ("[[kv_namespaces]]\nbinding = 'C'\nid = ''", "kv_namespaces.C.id"),
        ("[[d1_databases]]\nbinding = 'DB'\ndatabase_id = 123", "d1_databases.DB.database_id"),
        ("[[d1_databases]]\nbinding = 'DB'\ndatabase_id = ''", "d1_databases.DB.database_id"),
        ("[[services]]\nbinding = 'API'", "services.API"),
        ("[[hyperdrive]]\nbinding = 'PG'", "hyperdrive.PG"),
        ("[[durable_objects.bindings]]\nname = 'DO'", "durable_objects.DO"),
        (
            "[[durable_objects.bindings]]\nname = 'DO'\nclass_name = 'Room'\nenvironment = 'x'",
            "durable_objects.DO",
        ),
        ("[[queues.producers]]\nbinding = 'Q'\nqueue = ''", "queues.producers.Q.queue"),
        ("durable_objects = [{ name = 'DO', class_name = 'Room' }]", "durable_objects"),
    ],
)
def test_invalid_binding_entries(wrangler: Any, entry: str, path: str) -> None:
    findings = check(wrangler(BASE + entry + "\n"), today=TODAY)
    assert (TOP_LEVEL, path, "EM319") in found(findings)
    assert only(findings, "EM311") == []  # one finding per problem, not two


@pytest.mark.parametrize(
    "bucket", ["", "ab", "My-Bucket", "-bucket", "bucket_1", "a" * 64, "<NAME>"]
)
def test_invalid_r2_bucket_names(wrangler: Any, bucket: str) -> None:
    wf = wrangler(BASE + f"[[r2_buckets]]\nbinding = 'B'\nbucket_name = '{bucket}'\n")
    assert found(check(wf, today=TODAY)) == {(TOP_LEVEL, "r2_buckets.B.bucket_name", "EM320")}


def test_valid_r2_bucket_name(wrangler: Any) -> None:
    wf = wrangler(BASE + "[[r2_buckets]]\nbinding = 'B'\nbucket_name = 'my-bucket-01'\n")
    assert check(wf, today=TODAY) == []


def test_placement_and_sampling_rate(wrangler: Any) -> None:
    wf = wrangler(
        BASE
        + "[placement]\nmode = 'smartt'\n[observability]\nenabled = true\nhead_sampling_rate = 1.5\n"
        "[env.a.placement]\nregion = 'aws:us-east-1'\n[env.b.placement]\nhint = 'x'\n"
    )
    findings = check(wf, today=TODAY)
    assert found(only(findings, "EM321")) == {
        (TOP_LEVEL, "placement.mode", "EM321"),
        ("b", "placement", "EM321"),
    }
    assert [f.hint for f in only(findings, "EM321") if f.env == TOP_LEVEL] == [
        "did you mean 'smart'?"
    ]
    assert found(only(findings, "EM322")) == {
        (TOP_LEVEL, "observability.head_sampling_rate", "EM322")
    }


def test_removed_keys(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "node_compat = true\nlegacy_env = false\n[env.staging]\nnode_compat = true\n"
    )
    assert found(only(check(wf, today=TODAY), "EM323")) == {
        (TOP_LEVEL, "node_compat", "EM323"),
        (TOP_LEVEL, "legacy_env", "EM323"),
        ("staging", "node_compat", "EM323"),
    }


def test_durable_object_classes_need_migrations(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "[[durable_objects.bindings]]\nname = 'ROOM'\nclass_name = 'Room'\n"
        "[[durable_objects.bindings]]\nname = 'OTHER'\nclass_name = 'Other'\nscript_name = 'other'\n"
        "[env.staging]\n[[env.staging.durable_objects.bindings]]\nname = 'ROOM'\nclass_name = 'Room'\n"
        "[[env.staging.migrations]]\ntag = 'v1'\nnew_sqlite_classes = ['Room']\n"
    )
    assert found(only(check(wf, today=TODAY), "EM325")) == {
        (TOP_LEVEL, "durable_objects.ROOM", "EM325")
    }


def test_durable_object_classes_declared_in_exports_need_no_migration(wrangler: Any) -> None:
    wf = wrangler(
        BASE + "[[durable_objects.bindings]]\nname = 'ROOM'\nclass_name = 'Room'\n"
        "[exports.Room]\ntype = 'durable-object'\nstorage = 'sqlite'\n"
    )
    assert check(wf, today=TODAY) == []


def test_migrations_need_tags(wrangler: Any) -> None:
    wf = wrangler(BASE + "[[migrations]]\nnew_classes = ['Room']\n")
    assert found(check(wf, today=TODAY)) == {(TOP_LEVEL, "migrations[0]", "EM326")}


def test_cron_findings_are_located(wrangler: Any) -> None:
    wf = wrangler(BASE + "[triggers]\ncrons = ['0 3 * * *', '0 0 * * 0']\n")
    (finding,) = check(wf, today=TODAY)
    assert (finding.path, finding.code) == ("triggers.crons", "EM330")
    assert "1 (Sunday)" in finding.message
    assert finding.source == Source(file="wrangler.toml", line=5, column=23)


@pytest.mark.parametrize(
    "value", ["2025-02-30", "2025/01/01", "January 1, 2025", "2025–01–01", "25-01-01"]
)
def test_invalid_compatibility_dates(wrangler: Any, value: str) -> None:
    wf = wrangler(f'name = "app"\nmain = "a.ts"\ncompatibility_date = "{value}"\n')
    assert found(check(wf, today=TODAY)) == {(TOP_LEVEL, "compatibility_date", "EM331")}


def test_future_compatibility_date(wrangler: Any) -> None:
    wf = wrangler('name = "app"\nmain = "a.ts"\ncompatibility_date = "2026-06-02"\n')
    assert found(check(wf, today=TODAY)) == {(TOP_LEVEL, "compatibility_date", "EM332")}
    assert check(wf, today=date(2026, 6, 2)) == []


def test_toml_date_literals(wrangler: Any) -> None:
    wf = wrangler(
        'name = "app"\nmain = "a.ts"\ncompatibility_date = 2025-01-01\n[vars]\nSINCE = 2024-05-01\n'
    )
    findings = check(wf, today=TODAY)
    assert found(findings) == {
        (TOP_LEVEL, "compatibility_date", "EM336"),
        (TOP_LEVEL, "vars.SINCE", "EM336"),
    }
    assert 'compatibility_date = "2025-01-01"' in (findings[0].hint or "")


@pytest.mark.parametrize("name", ["MY-CACHE", "1CACHE", "my cache", ""])
def test_binding_names_must_be_javascript_identifiers(wrangler: Any, name: str) -> None:
    wf = wrangler(
        BASE + f"[[kv_namespaces]]\nbinding = '{name}'\nid = 'abc'\n[vars]\n'{name}-VAR' = 'x'\n"
    )
    codes = [f.code for f in check(wf, today=TODAY)]
    assert codes.count("EM333") == 2


def test_valid_binding_names(wrangler: Any) -> None:
    wf = wrangler(BASE + "[vars]\n_private = 'x'\n'$dollar' = 'y'\n'ÉTAT' = 'z'\nCamel2 = 'w'\n")
    assert check(wf, today=TODAY) == []


def test_a_shared_problem_is_reported_once_where_it_is_written(wrangler: Any) -> None:
    wf = wrangler(BASE.replace("2025-01-01", "2025-13-01") + "[env.staging]\n[env.production]\n")
    (finding,) = check(wf, today=TODAY)
    assert (finding.env, finding.code) == (TOP_LEVEL, "EM331")
    (only_staging,) = check(wf, today=TODAY, envs=["staging"])
    assert only_staging.env == "staging" and only_staging.source == finding.source


def test_findings_are_sorted_and_deterministic(wrangler: Any) -> None:
    wf = wrangler(
        'name = "App"\nmain = "a.ts"\ncompatibility_date = "2025-01-01"\nfoo = 1\n'
        "[env.b]\nbar = 1\n[env.a]\nbaz = 1\n[vars]\nX-Y = '1'\n"
    )
    findings = check(wf, today=TODAY)
    keys = [(f.env or "", f.path) for f in findings]
    assert keys == sorted(keys)
    assert findings == check(wf, today=TODAY)


def test_a_clean_file_has_no_findings(wrangler: Any) -> None:
    wf = wrangler(
        BASE
        + "compatibility_flags = ['nodejs_compat']\nroutes = [{ pattern = 'example.com/*', zone_name = 'example.com' }]\n"
        "[triggers]\ncrons = ['*/5 * * * *']\n[vars]\nLOG_LEVEL = 'info'\n"
        "[[kv_namespaces]]\nbinding = 'CACHE'\nid = 'abc'\n"
        "[env.staging]\nroutes = [{ pattern = 'staging.example.com/*', zone_name = 'example.com' }]\n"
        "[env.staging.vars]\nLOG_LEVEL = 'debug'\n[[env.staging.kv_namespaces]]\nbinding = 'CACHE'\nid = 'def'\n"
    )
    assert check(wf, today=TODAY) == []


def test_check_values_works_for_environment_files() -> None:
    raw = {
        "compatibility_date": "2099-01-01",
        "vars": {"BAD-NAME": "x"},
        "triggers": {"crons": ["0 0 * * 0"]},
    }
    findings = check_values(
        raw,
        env="staging",
        today=TODAY,
        locate=lambda loc: None,
        worker_name="Proj-staging",
        name_derived=True,
    )
    assert {(f.path, f.code) for f in findings} == {
        ("compatibility_date", "EM332"),
        ("vars.BAD-NAME", "EM333"),
        ("triggers.crons", "EM330"),
        ("name", "EM334"),
    }
    assert all(f.env == "staging" and f.source is None for f in findings)


# --------------------------------------------------------------------------- cases


def _case_folders() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir()) if CASES.is_dir() else []


@pytest.mark.parametrize("case", _case_folders(), ids=lambda p: p.name)
def test_case(case: Path) -> None:
    """tests/cases/wrangler/<case>/: one wrangler file and expected.json, the findings of
    check(today=2026-06-01) as a list of {env, path, code}. A regression is a new folder."""
    path = find_wrangler_file(case)
    assert path is not None, f"{case} has no wrangler file"
    findings = check(read_wrangler(path, path.name), today=TODAY)
    assert all(f.source is not None and f.source.file == path.name for f in findings)
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    actual = sorted((f.env or "", f.path, f.code) for f in findings)
    assert actual == sorted((e["env"], e["path"], e["code"]) for e in expected)


def test_there_are_at_least_ten_cases() -> None:
    assert len(_case_folders()) >= 10


# --------------------------------------------------------------------------- the key catalogue


def test_every_environment_key_has_one_inheritance_rule() -> None:
    env_keys = set(environment_keys())
    assert set(INHERITABLE) | set(NOT_INHERITED) == env_keys
    assert not set(INHERITABLE) & set(NOT_INHERITED)
    assert set(TOP_LEVEL_ONLY) == set(top_level_keys()) - env_keys - {"env"}
