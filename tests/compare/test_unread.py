"""An unread key is unknown, never changed: exit 3 unless an ignore rule covers it."""

from __future__ import annotations

from datetime import date

from envman.compare import apply_ignores, worker_findings
from envman.config import WorkerConfig
from envman.models import Finding, LiveWorker, Report
from envman.project import IgnoreRule
from envman.terms import Kind

DECLARED = WorkerConfig.model_validate(
    {"name": "api", "routes": ["api.example.com/*"], "vars": {"MODE": "prod"}}
)
LIVE = LiveWorker(
    env="production",
    script="api",
    exists=True,
    config=WorkerConfig.model_validate({"name": "api", "vars": {"MODE": "prod"}}),
    unread={"routes": "routes not read: no zone of the account matches host 'api.example.com'"},
)


def findings() -> list[Finding]:
    return worker_findings(
        "production", DECLARED, LIVE, redact=lambda _p, v: v, locate=lambda _loc: None
    )


def test_an_unread_key_is_unknown_and_undetermines_the_run() -> None:
    (unknown,) = findings()
    assert (unknown.code, unknown.path, unknown.kind) == ("EM409", "routes", Kind.UNKNOWN)
    assert unknown.actual is None and unknown.expected == [{"pattern": "api.example.com/*"}]
    assert Report(command="drift", envs=("production",), findings=(unknown,)).undetermined


def test_an_ignore_rule_makes_an_unread_key_acceptable() -> None:
    rule = IgnoreRule(code="EM409", path="routes", reason="zones are another team's")
    ignored = apply_ignores(findings(), [rule], today=date(2026, 1, 1))
    report = Report(command="drift", envs=("production",), findings=tuple(ignored))
    assert not report.undetermined and report.suppressed
