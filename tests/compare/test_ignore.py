"""Ignore rules: one mechanism for validate, check and drift (envman.compare.ignore)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from envman.codes import finding
from envman.compare import (
    CHECK_CODES,
    DRIFT_CODES,
    VALIDATE_CODES,
    PlacedRule,
    apply_ignores,
    scope_for,
)
from envman.errors import InputError
from envman.models import Finding, Report
from envman.project import DriftIgnoreRule, IgnoreRule, Project
from envman.terms import Severity
from envman.usecases.validate import validate
from envman.workspace import open_workspace

TODAY = date(2026, 11, 1)
ENVS = ("development", "staging", "production")


def shared_kv(env: str = "staging") -> Finding:
    return finding(
        "EM201", env=env, path="kv_namespaces.CACHE", message="KV namespace id is also used"
    )


def rule(**fields: object) -> PlacedRule:
    data = {"code": "EM201", "reason": "preview shares dev's KV by design", **fields}
    return PlacedRule("ignore.0", IgnoreRule.model_validate(data))


def everything(codes: tuple[str, ...] = VALIDATE_CODES) -> object:
    return scope_for(codes, ENVS, ENVS, top_level=True)


def codes(findings: list[Finding]) -> list[tuple[str, str | None]]:
    return [(f.code, f.suppressed) for f in findings]


def test_a_matching_rule_suppresses_with_its_reason() -> None:
    result = apply_ignores([shared_kv()], [rule(env="staging")], today=TODAY, scope=everything())
    assert codes(result) == [("EM201", "preview shares dev's KV by design")]
    assert (
        Report(command="validate", envs=ENVS, findings=tuple(result)).summary()["suppressed"] == 1
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"code": "EM202"},
        {"code": "EM3*"},
        {"env": "production"},
        {"path": "d1_databases.*"},
    ],
)
def test_every_glob_must_match(fields: dict[str, str]) -> None:
    result = apply_ignores([shared_kv()], [rule(**fields)], today=TODAY, scope=None)
    assert codes(result) == [("EM201", None)]


def test_globs_match_codes_envs_and_paths() -> None:
    placed = rule(code="EM2*", env="stag*", path="kv_namespaces.*")
    assert codes(apply_ignores([shared_kv()], [placed], today=TODAY))[0][1] is not None


def test_a_rule_without_env_matches_project_wide_findings_too() -> None:
    item = finding("EM365", env=None, path="", message="not managed by envman: build")
    result = apply_ignores([item], [rule(code="EM365")], today=TODAY, scope=everything())
    assert result[0].suppressed is not None
    result = apply_ignores([item], [rule(code="EM365", env="*")], today=TODAY, scope=None)
    assert result[0].suppressed is not None  # "" matches the glob "*"


def test_an_expired_rule_suppresses_nothing_and_warns() -> None:
    expired = rule(expires="2026-10-31")
    result = apply_ignores([shared_kv()], [expired], today=TODAY, scope=everything())
    assert codes(result) == [("EM201", None), ("EM407", None)]
    assert "expired on 2026-10-31" in result[1].message
    still = apply_ignores([shared_kv()], [rule(expires="2026-11-01")], today=TODAY)
    assert still[0].suppressed is not None  # the day it expires it still holds


def test_an_unused_rule_is_reported_when_the_run_covered_it() -> None:
    result = apply_ignores([], [rule(env="production")], today=TODAY, scope=everything())
    assert [f.code for f in result] == ["EM008"]
    assert result[0].path == "ignore.0" and result[0].severity.value == "info"


def test_a_run_that_did_not_cover_a_rule_never_calls_it_unused() -> None:
    staging_only = scope_for(VALIDATE_CODES, ["staging"], ENVS, top_level=True)
    assert apply_ignores([], [rule(env="production")], today=TODAY, scope=staging_only) == []
    assert apply_ignores([], [rule()], today=TODAY, scope=staging_only) == []
    unused = apply_ignores([], [rule(env="staging")], today=TODAY, scope=staging_only)
    assert [f.code for f in unused] == ["EM008"]


def test_drift_rules_are_never_called_unused_drift_comes_and_goes() -> None:
    drift_rule = rule(code="EM4*", path="vars.FEATURE_*")
    for command in (DRIFT_CODES, CHECK_CODES):
        assert apply_ignores([], [drift_rule], today=TODAY, scope=everything(command)) == []


def test_a_rule_for_codes_another_command_reports_is_not_judged_there() -> None:
    drift_rule = rule(code="EM402", expires="2020-01-01")
    assert apply_ignores([], [drift_rule], today=TODAY, scope=everything(VALIDATE_CODES)) == []
    expired = apply_ignores([], [drift_rule], today=TODAY, scope=everything(DRIFT_CODES))
    assert [f.code for f in expired] == ["EM407"]


def test_a_misspelt_code_is_an_unused_rule() -> None:
    result = apply_ignores([shared_kv()], [rule(code="EM2O1")], today=TODAY, scope=everything())
    assert codes(result) == [("EM201", None), ("EM008", None)]


def test_meta_findings_and_unknown_live_state_are_never_suppressed() -> None:
    unknown = finding("EM406", env="staging", path="", message="live state unknown")
    result = apply_ignores([unknown], [rule(code="EM*")], today=TODAY, scope=None)
    assert result[0].suppressed is None


def test_the_former_drift_rules_still_apply_to_drift_and_ask_to_move() -> None:
    legacy = DriftIgnoreRule(path="vars.FEATURE_*", env="development", reason="beta flags")
    drifted = finding("EM402", env="development", path="vars.FEATURE_X", message="unexpected")
    result = apply_ignores([drifted], [legacy], today=TODAY, scope=everything(DRIFT_CODES))
    assert codes(result) == [("EM402", "beta flags"), ("EM009", None)]
    assert 'code = "EM4*"' in (result[1].hint or "")
    # the guardrails' call: rules only, no scope, no report about the rules
    assert codes(apply_ignores([drifted], [legacy], today=TODAY, source=None)) == [
        ("EM402", "beta flags")
    ]


def test_a_rule_needs_a_code_and_a_reason() -> None:
    base = {"worker": "w", "environments": ["a"]}
    for bad in ({"code": "EM201"}, {"reason": "x"}, {"code": "", "reason": "x"}):
        with pytest.raises(ValueError):
            Project.model_validate({**base, "ignore": [bad]})


# --------------------------------------------------------------------------- through validate


def preview_shares_dev_kv(root: Path, rules: str = "") -> Path:
    (root / "environments").mkdir()
    (root / "envman.toml").write_text(
        'worker = "app"\nenvironments = ["development", "preview"]\n' + rules
    )
    for env in ("development", "preview"):
        (root / "environments" / f"{env}.toml").write_text(
            f'name = "app-{env}"\ncompatibility_date = "2026-01-01"\n\n'
            '[[kv_namespaces]]\nbinding = "CACHE"\nid = "0f2ac74b498b48028cb68387c421e279"\n'
        )
    return root


ACCEPT = """
[[ignore]]
code = "EM201"
env = "preview"
path = "kv_namespaces.CACHE"
reason = "preview reads development's cache on purpose"
"""


def test_validate_applies_the_rules_and_no_ignore_shows_everything(tmp_path: Path) -> None:
    ws = open_workspace(preview_shares_dev_kv(tmp_path, ACCEPT))
    report = validate(ws, today=TODAY)
    assert not report.fails(Severity.INFO)
    assert [(f.code, f.suppressed is not None) for f in report.findings] == [("EM201", True)]
    assert report.summary()["suppressed"] == 1 and report.summary()["error"] == 0
    everything_shown = validate(ws, today=TODAY, ignores=False)
    assert [(f.code, f.suppressed) for f in everything_shown.findings] == [("EM201", None)]


def test_validate_reports_a_stale_rule(tmp_path: Path) -> None:
    stale = ACCEPT.replace("kv_namespaces.CACHE", "kv_namespaces.OLD")
    ws = open_workspace(preview_shares_dev_kv(tmp_path, stale))
    found = {(f.code, f.path): f for f in validate(ws, today=TODAY).findings}
    assert set(found) == {("EM201", "kv_namespaces.CACHE"), ("EM008", "ignore.0")}
    assert found["EM008", "ignore.0"].source is not None
    assert found["EM008", "ignore.0"].source.line == 4  # the [[ignore]] header


def test_a_rule_with_an_unknown_key_is_an_input_error_with_a_suggestion(tmp_path: Path) -> None:
    ws_root = preview_shares_dev_kv(tmp_path, ACCEPT.replace("reason =", "reasn ="))
    with pytest.raises(InputError) as error:
        open_workspace(ws_root)
    assert "ignore.0.reasn" in error.value.message and "reason" in error.value.message
