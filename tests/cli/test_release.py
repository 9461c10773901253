"""`envman diff / promote / rollback`: plans, guardrails, approval, surgical edits, the audit entry."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from envman import api
from tests.bundled import PROMOTE
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


def test_dry_run_exit_codes_a_script_can_use(project: Path, envman: Envman) -> None:
    """0 when the plan would apply (saying how many changes), 1 when refused; with
    --detailed-exitcode 2 for changes pending, as `terraform plan -detailed-exitcode`."""
    dry = ("promote", "staging", "production", "--offline", "--dry-run")
    result = envman(*dry, cwd=project)
    assert result.code == 0, result.out + result.err
    assert "~ vars.LOG_LEVEL" in result.out and '"warn" -> "info"' in result.out
    assert "2 changes would be applied to production" in result.err
    assert "live check of production not made (--offline)" in result.out
    assert envman(*dry, "--detailed-exitcode", cwd=project).code == 2
    # protected, no token and no --offline: refused, with the way out
    refused = envman("promote", "staging", "production", "--dry-run", cwd=project)
    assert refused.code == 1 and "--offline" in refused.out
    assert envman(*dry[:-1], "--detailed-exitcode", cwd=project).code == 2  # not without --dry-run
    assert log_entries(project) == []


def test_nothing_to_promote_is_exit_0_even_in_detail(project: Path, envman: Envman) -> None:
    args = ("promote", "staging", "production", "--offline", "--yes", "--reason", "r")
    assert envman(*args, cwd=project).code == 0
    again = envman(*args[:4], "--dry-run", "--detailed-exitcode", cwd=project)
    assert again.code == 0 and "0 changes would be applied" in again.err


def test_offline_is_recorded_in_the_audit_entry(project: Path, envman: Envman) -> None:
    args = ("promote", "staging", "production", "--offline", "--yes", "--reason", "r")
    result = envman(*args, cwd=project)
    assert result.code == 0, result.err
    assert log_entries(project)[0]["flags"] == ["--offline"]
    assert "nothing is deployed" in result.err and "wrangler deploy --env production" in result.err


def test_rollback_undoes_the_most_recent_promotion_not_undone(
    project: Path, envman: Envman
) -> None:
    before = texts(project)
    promote = ("promote", "staging", "production", "--offline", "--yes", "--reason", "r")
    assert envman(*promote, cwd=project).code == 0
    promoted = texts(project)
    preview = envman("rollback", "production", "--dry-run", cwd=project)
    assert preview.code == 0 and texts(project) == promoted and len(log_entries(project)) == 1
    rollback = ("rollback", "production", "--yes", "--reason", "undo")
    first = envman(*rollback, cwd=project)
    assert first.code == 0, first.err
    assert texts(project) == before and "nothing is deployed" in first.err
    second = envman(*rollback, cwd=project)  # the promotion is undone already
    assert second.code == 1 and "nothing to roll back" in second.err
    assert texts(project) == before
    assert [e["action"] for e in log_entries(project)] == ["promote", "rollback"]


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
        *PROMOTE,
        "ship charts",
        cwd=project,
        env=env,
    )
    assert result.code == 0, result.out + result.err
    after = texts(project)
    for name in FILES:
        removed = [
            line for line in before[name].splitlines() if line not in after[name].splitlines()
        ]
        assert removed == ['LOG_LEVEL = "warn"'], name
    assert envman("validate", cwd=project).code == 0
    assert (
        envman("promote", "staging", "production", "--offline", "--dry-run", cwd=project).code == 0
    )
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
        *PROMOTE,
        "dsn",
        "--only",
        "vars.SENTRY_DSN",
        "--skip-stage",
        cwd=project,
    )
    # SENTRY_DSN is scope = "environment" in the bundled schema: never promoted, so an
    # --only that names it selects nothing, which is an error rather than an empty plan
    assert result.code == 2 and "selects no promotable difference" in result.err
    schema = project / "schemas/vars.toml"
    schema.write_text(
        schema.read_text().replace('sensitive = true\nscope = "environment"', "sensitive = true")
    )
    result = envman(
        *PROMOTE,
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
    promote = ("promote", "staging", "production", "--offline", "--reason", "ship")
    refused = envman(*promote, cwd=project, input="staging\n", tty=True)
    assert refused.code == 1 and "not applied" in refused.err
    assert "production is protected. Type its name" in refused.out
    assert log_entries(project) == []
    accepted = envman(*promote, cwd=project, input="production\n", tty=True)
    assert accepted.code == 0, accepted.out + accepted.err
    assert len(log_entries(project)) == 1


def test_without_a_terminal_or_reason(project: Path, envman: Envman) -> None:
    no_reason = envman("promote", "staging", "production", "--offline", "--yes", cwd=project)
    assert no_reason.code == 1 and "--reason" in no_reason.err  # refused, not misused
    no_tty = envman(
        "promote", "staging", "production", "--offline", "--reason", "x", cwd=project, input=""
    )
    assert no_tty.code == 1 and "--yes" in no_tty.err
    assert log_entries(project) == []


def test_rollback_restores_bytes_and_refuses_after_later_edits(
    project: Path, envman: Envman
) -> None:
    before = texts(project)
    assert (
        envman(
            "promote", "staging", "production", "--offline", "--yes", "--reason", "r", cwd=project
        ).code
        == 0
    )
    result = envman("rollback", "production", "--yes", "--reason", "oops", cwd=project)
    assert result.code == 0, result.out + result.err
    assert texts(project) == before
    assert [e["action"] for e in log_entries(project)] == ["promote", "rollback"]
    assert envman("audit", "verify", cwd=project).code == 0
    assert (
        envman(
            *PROMOTE,
            "again",
            cwd=project,
        ).code
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


def test_the_bundled_pipeline_promotes_cleanly_hop_by_hop(project: Path, envman: Envman) -> None:
    for source, target, extra in (
        ("development", "staging", ()),
        ("staging", "production", ("--offline", "--reason", "release")),
    ):
        result = envman("promote", source, target, "--yes", *extra, cwd=project)
        assert result.code == 0, result.out + result.err
        assert envman("validate", cwd=project).code == 0
        assert envman("sync", "--check", cwd=project).code == 0  # both files edited alike
        after = envman("diff", source, target, cwd=project)
        assert after.out.startswith(f"{source} -> {target}: 0 promotable differences"), after.out
    assert [e["action"] for e in log_entries(project)] == ["promote", "promote"]


def test_a_promotion_never_drops_a_secret_the_target_requires(
    project: Path, envman: Envman
) -> None:
    """development does not use Stripe; staging does: promoting adds, never removes."""
    result = envman("promote", "development", "staging", "--dry-run", "-f", "json", cwd=project)
    paths = [step["path"] for step in json.loads(result.out)["steps"]]
    assert "secrets.required" not in paths
    staging = project / "environments" / "staging.toml"
    staging.write_text(
        staging.read_text(encoding="utf-8").replace('"STRIPE_API_KEY"', '"STRIPE_API_KEY", "NEW"')
    )
    back = envman(
        "promote", "staging", "production", "--offline", "--dry-run", "-f", "json", cwd=project
    )
    (step,) = [s for s in json.loads(back.out)["steps"] if s["path"] == "secrets.required"]
    assert step["after"] == sorted({*step["before"], "NEW"})


def test_values_that_name_the_source_stage_are_held_back_unless_named(
    project: Path, envman: Envman
) -> None:
    """Without a schema that marks them, ENVIRONMENT = "staging" and a staging issuer URL
    would be copied into production: they are held back and listed instead."""
    staging = project / "environments" / "staging.toml"
    staging.write_text(
        staging.read_text(encoding="utf-8").replace(
            "[vars]\n",
            '[vars]\nENVIRONMENT = "staging"\n'
            'OAUTH_ISSUER = "https://auth.dashboard-staging.example.com/"\n'
            "ROLLOUT_PERCENT = 25\n",
            1,
        )
    )
    schema = project / "schemas" / "vars.toml"
    schema.write_text(
        schema.read_text(encoding="utf-8")
        + '\n[vars.ENVIRONMENT]\ntype = "string"\nrequired = false\n'
        + '\n[vars.OAUTH_ISSUER]\ntype = "url"\nrequired = false\n'
        + '\n[vars.ROLLOUT_PERCENT]\ntype = "integer"\nrequired = false\n',
        encoding="utf-8",
    )  # declared, but not marked environment-specific: the schema a user starts with
    assert envman("sync", "staging", cwd=project).code == 0
    dry = ("promote", "staging", "production", "--offline", "--dry-run")
    result = envman(*dry, cwd=project)
    assert result.code == 0, result.out + result.err
    assert "Held back (they name staging; promote one by naming it with --only PATH): 2" in (
        result.out
    )
    assert "! vars.ENVIRONMENT: \"staging\" names 'staging'" in result.out
    assert "! vars.OAUTH_ISSUER:" in result.out and "names 'dashboard-staging.example.com'" in (
        result.out
    )
    assert "+ vars.ROLLOUT_PERCENT: 25" in result.out  # names nothing: promoted
    plan = json.loads(envman(*dry, "-f", "json", cwd=project).out)
    assert {h["path"] for h in plan["held_back"]} == {"vars.ENVIRONMENT", "vars.OAUTH_ISSUER"}
    assert "vars.ENVIRONMENT" not in {s["path"] for s in plan["steps"]}
    named = json.loads(envman(*dry, "-f", "json", "--only", "vars.ENVIRONMENT", cwd=project).out)
    assert [s["path"] for s in named["steps"]] == ["vars.ENVIRONMENT"]
    applied = envman(
        "promote", "staging", "production", "--offline", "--yes", "--reason", "r", cwd=project
    )
    assert applied.code == 0, applied.err
    production = (project / "environments" / "production.toml").read_text(encoding="utf-8")
    assert "ROLLOUT_PERCENT = 25" in production and "ENVIRONMENT" not in production
