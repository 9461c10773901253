"""The checks of a wrangler file: every rule, each environment as wrangler resolves it, the case folders."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from envman.models import Source
from envman.project import TOP_LEVEL
from envman.wrangler import (
    check,
    check_values,
    find_wrangler_file,
    read_wrangler,
)
from tests import paths
from tests.wrangler.files import BASE, TODAY, found, only

CASES = paths.CASES / "wrangler"

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


def test_a_number_json_cannot_hold_is_named_as_written(wrangler: Any) -> None:
    """JSONC's 1e999 reads as infinity, as in JavaScript; JSON has no such number, so
    wrangler sends null (EM335). A key that wants a string says it got the number: the
    schema validator sees null there, and said "must be ... or null, not null"."""
    text = (
        '{"name": "app", "main": "src/index.ts", "compatibility_date": "2025-01-01",\n'
        ' "account_id": -1e999, "vars": {"BIG": 1e999, "FINE": 1e308}}\n'
    )
    findings = check(wrangler(text, "wrangler.jsonc"), today=TODAY)
    assert {(f.path, f.code, f.message) for f in findings} == {
        ("account_id", "EM311", "account_id must be a string, not the number -inf"),
        ("account_id", "EM335", "account_id is the number -inf, which JSON cannot hold: "
         "wrangler would send null"),
        ("vars.BIG", "EM335", "vars.BIG is the number inf, which JSON cannot hold: "
         "wrangler would send null"),
    }  # fmt: skip
    assert {str(f.source) for f in findings if f.path == "vars.BIG"} == {"wrangler.jsonc:2:33"}


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
