"""`envman diff / promote / rollback`: plans, guardrails, approval, surgical edits, the audit entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from envman import api
from tests.fakecf.server import FakeCloudflare
from tests.inprocess import Envman

FILES = ("environments/production.toml", "wrangler.toml")


@pytest.fixture
def project(git_project: Path) -> Path:
    """Promotions here run in a git repository, so audit entries carry a commit."""
    return git_project


def texts(project: Path) -> dict[str, str]:
    return {name: (project / name).read_text() for name in FILES}


def log_entries(project: Path) -> list[dict[str, Any]]:
    path = project / ".envman/audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_dry_run_shows_the_plan_and_exits_1_when_it_would_change(
    project: Path, envman: Envman
) -> None:
    """(A dry run with nothing to do exits 0: tests/cases/promote/only-an-environment-specific-path.)"""
    result = envman("promote", "staging", "production", "--dry-run", cwd=project)
    assert result.code == 1
    assert "~ vars.LOG_LEVEL" in result.out and '"warn" -> "info"' in result.out
    assert "CLOUDFLARE_API_TOKEN is not set" in result.out


def test_promote_edits_both_files_surgically_and_audits(project: Path, envman: Envman) -> None:
    before = texts(project)
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTOR": "release-bot",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "acme/dash",
        "GITHUB_RUN_ID": "42",
        "ENVMAN_AUDIT_KEY": "k3y",
    }
    result = envman(
        "promote", "staging", "production", "--yes", "--reason", "ship charts", cwd=project, env=env
    )
    assert result.code == 0, result.out + result.err
    after = texts(project)
    for name in FILES:
        removed = [
            line for line in before[name].splitlines() if line not in after[name].splitlines()
        ]
        assert removed == ['LOG_LEVEL = "warn"'], name
    assert envman("validate", cwd=project).code == 0
    assert envman("promote", "staging", "production", "--dry-run", cwd=project).code == 0
    (entry,) = log_entries(project)
    assert entry["action"] == "promote" and (entry["source"], entry["target"]) == (
        "staging",
        "production",
    )
    assert entry["actor"] == "release-bot"
    assert entry["ci"] == {
        "provider": "github",
        "run_url": "https://github.com/acme/dash/actions/runs/42",
    }
    assert entry["git"]["commit"] and entry["git"]["branch"]
    assert entry["reason"] == "ship charts" and "sig" in entry
    assert {c["path"]: (c["before"], c["after"]) for c in entry["changes"]} == {
        "vars.FEATURE_NEW_CHARTS": (None, True),
        "vars.LOG_LEVEL": ("warn", "info"),
    }
    verify = envman("audit", "verify", cwd=project, env={"ENVMAN_AUDIT_KEY": "k3y"})
    assert verify.code == 0, verify.out
    shown = envman("audit", "show", entry["id"][:12], cwd=project)
    assert "vars.LOG_LEVEL" in shown.out and "ship charts" in shown.out
    listed = json.loads(
        envman("audit", "log", "--env", "production", "--format", "json", cwd=project).out
    )
    assert [e["id"] for e in listed] == [entry["id"]]


def test_sensitive_values_are_fingerprinted_in_the_log(project: Path, envman: Envman) -> None:
    for path, table in (
        ("environments/staging.toml", "[vars]\n"),
        ("wrangler.toml", "[env.staging.vars]\n"),
    ):
        file = project / path
        file.write_text(
            file.read_text().replace(
                table, f'{table}SENTRY_DSN = "https://KEY123@sentry.example.com/1"\n', 1
            )
        )
    result = envman(
        "promote",
        "staging",
        "production",
        "--yes",
        "--reason",
        "dsn",
        "--only",
        "vars.SENTRY_DSN",
        "--skip-stage",
        cwd=project,
    )
    # SENTRY_DSN is scope = "environment" in the bundled schema: never promoted
    assert result.code == 0 and "Plan: staging -> production (0 steps)" in result.out
    schema = project / "schemas/vars.toml"
    schema.write_text(
        schema.read_text().replace('sensitive = true\nscope = "environment"', "sensitive = true")
    )
    result = envman(
        "promote",
        "staging",
        "production",
        "--yes",
        "--reason",
        "dsn",
        "--only",
        "vars.SENTRY_DSN",
        cwd=project,
    )
    assert result.code == 0, result.out + result.err
    assert "KEY123" not in result.out + result.err
    raw = (project / ".envman/audit.jsonl").read_text()
    assert "KEY123" not in raw
    (change,) = log_entries(project)[0]["changes"]
    assert change["after"] == "<redacted>"


def test_protected_environment_prompt(project: Path, envman: Envman) -> None:
    promote = ("promote", "staging", "production", "--reason", "ship")
    refused = envman(*promote, cwd=project, input="staging\n", tty=True)
    assert refused.code == 1 and "not applied" in refused.err
    assert "production is protected. Type its name" in refused.out
    assert log_entries(project) == []
    accepted = envman(*promote, cwd=project, input="production\n", tty=True)
    assert accepted.code == 0, accepted.out + accepted.err
    assert len(log_entries(project)) == 1


def test_without_a_terminal_or_reason(project: Path, envman: Envman) -> None:
    no_reason = envman("promote", "staging", "production", "--yes", cwd=project)
    assert no_reason.code == 2 and "--reason" in no_reason.err
    no_tty = envman("promote", "staging", "production", "--reason", "x", cwd=project, input="")
    assert no_tty.code == 2 and "--yes" in no_tty.err
    assert log_entries(project) == []


def test_rollback_restores_bytes_and_refuses_after_later_edits(
    project: Path, envman: Envman
) -> None:
    before = texts(project)
    assert (
        envman("promote", "staging", "production", "--yes", "--reason", "r", cwd=project).code == 0
    )
    result = envman("rollback", "production", "--yes", "--reason", "oops", cwd=project)
    assert result.code == 0, result.out + result.err
    assert texts(project) == before
    assert [e["action"] for e in log_entries(project)] == ["promote", "rollback"]
    assert envman("audit", "verify", cwd=project).code == 0
    assert (
        envman("promote", "staging", "production", "--yes", "--reason", "again", cwd=project).code
        == 0
    )
    production = project / "environments/production.toml"
    production.write_text(
        production.read_text().replace("RATE_LIMIT_PER_MINUTE = 600", "RATE_LIMIT_PER_MINUTE = 700")
    )
    refused = envman("rollback", "production", "--yes", "--reason", "r", cwd=project)
    assert refused.code == 1 and "changed since" in refused.out


# --------------------------------------------------------------------------- live guardrails


def _live_env(fake: FakeCloudflare) -> dict[str, str]:
    return {
        "CLOUDFLARE_API_TOKEN": fake.token,
        "CLOUDFLARE_ACCOUNT_ID": fake.account_id,
        "CLOUDFLARE_BASE_URL": fake.base_url,
        "ENVMAN_MAX_RETRIES": "0",
    }


def _deploy(project: Path, fake: FakeCloudflare, env: str) -> None:
    ws = api.open_workspace(project)
    fake.seed_from_wrangler(fake.account_id, api.declared(ws, env).config.to_wrangler())


def test_live_drift_refuses_unless_allowed(
    project: Path, fake_cloudflare: FakeCloudflare, envman: Envman
) -> None:
    _deploy(project, fake_cloudflare, "production")
    fake_cloudflare.set_var(
        fake_cloudflare.account_id, "dashboard-worker-production", "RATE_LIMIT_PER_MINUTE", 9000
    )
    env = _live_env(fake_cloudflare)
    refused = envman(
        "promote", "staging", "production", "--yes", "--reason", "x", cwd=project, env=env
    )
    assert refused.code == 1 and "has live drift" in refused.out
    allowed = envman(
        "promote",
        "staging",
        "production",
        "--yes",
        "--reason",
        "x",
        "--allow-drift",
        cwd=project,
        env=env,
    )
    assert allowed.code == 0, allowed.out + allowed.err
    assert log_entries(project)[0]["flags"] == ["--allow-drift"]


def test_missing_live_secret_refuses(
    project: Path, fake_cloudflare: FakeCloudflare, envman: Envman
) -> None:
    _deploy(project, fake_cloudflare, "production")
    fake_cloudflare.delete_secret(
        fake_cloudflare.account_id, "dashboard-worker-production", "STRIPE_API_KEY"
    )
    result = envman(
        "promote",
        "staging",
        "production",
        "--yes",
        "--reason",
        "x",
        "--allow-drift",
        cwd=project,
        env=_live_env(fake_cloudflare),
    )
    assert result.code == 1
    assert "STRIPE_API_KEY" in result.out and "wrangler secret put" in result.out
