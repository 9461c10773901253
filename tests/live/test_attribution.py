"""Who changed it: drift findings carry author, source, time and message from the live history."""

from __future__ import annotations

from pathlib import Path

from envman.models import Finding, Report
from tests.fakecf import FakeCloudflare
from tests.live.scenarios import ACCOUNT, Scenario, run_drift

BASE = {"main": "src/index.ts", "compatibility_date": "2025-01-01"}
CONFIG = {
    "name": "api",
    **BASE,
    "vars": {"MODE": "prod", "RPM": 60},
    "secrets": {"required": ["KEY"]},
    "triggers": {"crons": ["0 3 * * *"]},
    "kv_namespaces": [{"binding": "KV", "id": "kv-1"}],
}


def one(report: Report, path: str) -> Finding:
    (found,) = [f for f in report.active if f.path == path]
    return found


def _var_in_dashboard(fake: FakeCloudflare, name: str) -> None:
    fake.set_var(ACCOUNT, name, "MODE", "debug", author="ops@example.com", message="hotfix #12")
    fake.set_var(ACCOUNT, name, "RPM", 60, author="later@example.com")  # unrelated, same value


def test_a_dashboard_var_edit_names_its_author_source_time_and_message(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path
) -> None:
    scenario = Scenario("var", CONFIG, mutate=_var_in_dashboard, secrets={"KEY": "v"})
    code, report = run_drift(faithful_cloudflare, tmp_path, scenario)
    assert code == 1
    who = one(report, "vars.MODE").attribution
    assert who is not None
    assert (who.author, who.via, who.action, who.message, who.evidence) == (
        "ops@example.com",
        "dashboard",
        "settings edit",
        "hotfix #12",
        "version",
    )
    script = faithful_cloudflare.script(ACCOUNT, "api")
    assert who.version == script.versions[-2].id and who.when == script.versions[-2].created_on
    assert "by ops@example.com via dashboard (settings edit)" in who.describe()


def _crons_and_secret(fake: FakeCloudflare, name: str) -> None:
    fake.set_crons(ACCOUNT, name, ["0 4 * * *"], author="cron@example.com")
    fake.delete_secret(ACCOUNT, name, "KEY", author="sec@example.com", source="wrangler")


def test_unversioned_settings_come_from_the_audit_log_and_secrets_from_versions(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path
) -> None:
    scenario = Scenario("crons", CONFIG, mutate=_crons_and_secret, secrets={"KEY": "v"})
    code, report = run_drift(faithful_cloudflare, tmp_path, scenario)
    assert code == 1
    crons = one(report, "triggers.crons").attribution
    assert crons is not None
    assert (crons.author, crons.via, crons.evidence) == (
        "cron@example.com",
        "dashboard",
        "audit log",
    )
    secret = one(report, "secrets.KEY").attribution
    assert secret is not None
    assert (secret.author, secret.via, secret.action) == (
        "sec@example.com",
        "wrangler",
        "secret change",
    )


def test_no_audit_log_permission_degrades_to_an_unknown_author(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path
) -> None:
    faithful_cloudflare.audit_logs_forbidden = True
    scenario = Scenario(
        "crons",
        CONFIG,
        mutate=lambda f, n: f.set_crons(ACCOUNT, n, ["0 4 * * *"]),
        secrets={"KEY": "v"},
    )
    code, report = run_drift(faithful_cloudflare, tmp_path, scenario)
    assert code == 1  # drift, not an error
    who = one(report, "triggers.crons").attribution
    assert who is not None and who.author is None and who.evidence == "unknown"
    assert who.note is not None and "audit log not readable" in who.note
    assert who.describe().startswith("changed by unknown author")


def test_no_attribution_makes_no_history_reads(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path
) -> None:
    scenario = Scenario("var", CONFIG, mutate=_var_in_dashboard, secrets={"KEY": "v"})
    code, report = run_drift(faithful_cloudflare, tmp_path, scenario, attribution=False)
    assert code == 1 and one(report, "vars.MODE").attribution is None
    paths = {r.path for r in faithful_cloudflare.requests}
    assert not [p for p in paths if p.endswith("/audit_logs") or "/versions" in p]


def test_attribution_stays_within_eight_requests_per_worker(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path
) -> None:
    scenario = Scenario("both", CONFIG, mutate=_crons_and_secret, secrets={"KEY": "v"})
    before = len(faithful_cloudflare.requests)
    run_drift(faithful_cloudflare, tmp_path, scenario)
    made = [r for r in faithful_cloudflare.requests[before:] if r.method == "GET"]
    assert len(made) <= 8, [r.path for r in made]


def test_attribution_shows_in_every_report_format(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path
) -> None:
    from envman.report import REPORTERS, render

    scenario = Scenario("var", CONFIG, mutate=_var_in_dashboard, secrets={"KEY": "v"})
    _, report = run_drift(faithful_cloudflare, tmp_path, scenario)
    for fmt in REPORTERS:
        text = render(report, fmt).replace("\\", "")  # markdown escapes @
        assert "ops@example.com" in text and "dashboard" in text, fmt
