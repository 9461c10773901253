"""End to end: `envman drift`, `snapshot` and `check` as a subprocess against the fake API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from envman import api
from tests.cli_helpers import REPO, envman
from tests.fakecf.server import FakeCloudflare

ENVS = ("development", "staging", "production")
SECRET_VALUES = {
    "JWT_SECRET": "SEEDED-JWT-VALUE-7f3a9c",
    "STRIPE_API_KEY": "SEEDED-STRIPE-VALUE-51c0de",
}


def declared(project: Path, env: str) -> dict[str, Any]:
    ws = api.open_workspace(project)
    return api.declared(ws, env).config.to_wrangler()


@pytest.fixture
def deployed(project: Path, fake_cloudflare: FakeCloudflare) -> FakeCloudflare:
    """The fake holds exactly what `wrangler deploy --env X` of the bundled project leaves."""
    for env in ENVS:
        config = declared(project, env)
        secrets = {name: SECRET_VALUES[name] for name in config["secrets"]["required"]}
        fake_cloudflare.seed_from_wrangler(fake_cloudflare.account_id, config, secrets=secrets)
    return fake_cloudflare


def live_env(fake: FakeCloudflare) -> dict[str, str]:
    return {
        "CLOUDFLARE_API_TOKEN": fake.token,
        "CLOUDFLARE_ACCOUNT_ID": fake.account_id,
        "CLOUDFLARE_BASE_URL": fake.base_url,
        "ENVMAN_MAX_RETRIES": "1",
    }


def drift(project: Path, fake: FakeCloudflare, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = envman("drift", "--format", "json", *args, cwd=project, env=live_env(fake))
    assert not any(value in result.stdout + result.stderr for value in SECRET_VALUES.values())
    data = json.loads(result.stdout)
    return result.returncode, data["findings"], result.stderr


def active(findings: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (f["env"] or "", f["path"], f["kind"] or "", f["code"])
        for f in findings
        if not f["suppressed"]
    )


def worker(env: str) -> str:
    return f"dashboard-worker-{env}"


def test_a_clean_deployment_has_no_drift(project: Path, deployed: FakeCloudflare) -> None:
    code, findings, _ = drift(project, deployed)
    assert (code, active(findings)) == (0, [])


def test_a_var_edited_in_the_dashboard(project: Path, deployed: FakeCloudflare) -> None:
    deployed.set_var(deployed.account_id, worker("production"), "RATE_LIMIT_PER_MINUTE", 6000)
    code, findings, _ = drift(project, deployed)
    assert code == 1
    assert active(findings) == [("production", "vars.RATE_LIMIT_PER_MINUTE", "changed", "EM400")]
    (finding,) = findings
    assert (finding["expected"], finding["actual"], finding["severity"]) == (600, 6000, "error")
    assert finding["source"]["file"] == "environments/production.toml"


def test_each_kind_of_drift_gives_exactly_its_findings(
    project: Path, deployed: FakeCloudflare
) -> None:
    account = deployed.account_id
    deployed.delete_secret(account, worker("production"), "STRIPE_API_KEY")
    deployed.set_secret(account, worker("staging"), "LEGACY_TOKEN", "SEEDED-JWT-VALUE-7f3a9c")
    deployed.set_var(account, worker("staging"), "DEBUG_BANNER", "on")
    deployed.set_binding(
        account,
        worker("staging"),
        {"type": "kv_namespace", "name": "CACHE", "namespace_id": "ffff"},
    )
    deployed.set_crons(account, worker("development"), ["0 * * * *"])
    code, findings, _ = drift(project, deployed)
    assert code == 1
    assert active(findings) == [
        ("development", "triggers.crons", "changed", "EM400"),
        ("production", "secrets.STRIPE_API_KEY", "missing", "EM404"),
        ("staging", "kv_namespaces.CACHE", "changed", "EM400"),
        ("staging", "secrets.LEGACY_TOKEN", "unexpected", "EM405"),
        ("staging", "vars.DEBUG_BANNER", "unexpected", "EM402"),
    ]
    severities = {f["path"]: f["severity"] for f in findings}
    assert severities["secrets.STRIPE_API_KEY"] == "error"
    assert severities["secrets.LEGACY_TOKEN"] == "warning"


def test_a_missing_worker_is_one_finding(project: Path, deployed: FakeCloudflare) -> None:
    deployed.delete_script(deployed.account_id, worker("staging"))
    code, findings, _ = drift(project, deployed, "staging")
    assert (code, active(findings)) == (1, [("staging", "", "missing", "EM403")])


def test_sensitive_vars_are_redacted(project: Path, deployed: FakeCloudflare) -> None:
    secret_dsn = "https://key-1234567@sentry.example.com/1"
    for path, table in (
        ("environments/staging.toml", "[vars]\n"),
        ("wrangler.toml", "[env.staging.vars]\n"),
    ):
        file = project / path
        file.write_text(file.read_text().replace(table, f'{table}SENTRY_DSN = "{secret_dsn}"\n', 1))
    deployed.set_var(
        deployed.account_id,
        worker("staging"),
        "SENTRY_DSN",
        "https://other-999@sentry.example.com/2",
    )
    result = envman("drift", "staging", cwd=project, env=live_env(deployed))
    assert result.returncode == 1
    assert "vars.SENTRY_DSN" in result.stdout
    assert "key-1234567" not in result.stdout and "other-999" not in result.stdout
    code, findings, _ = drift(project, deployed, "staging")
    assert code == 1
    assert [(f["expected"], f["actual"]) for f in findings] == [("<redacted>", "<redacted>")]


def test_ignore_rules_suppress_and_expired_rules_warn(
    project: Path, deployed: FakeCloudflare
) -> None:
    deployed.set_var(deployed.account_id, worker("development"), "FEATURE_BETA_SEARCH", True)
    code, findings, _ = drift(project, deployed, "development")
    assert code == 0
    (suppressed,) = findings
    assert suppressed["suppressed"].startswith("Developers flip beta flags")
    config = project / "envman.toml"
    config.write_text(
        config.read_text().replace('expires = "2027-06-30"', 'expires = "2020-01-01"')
    )
    code, findings, _ = drift(project, deployed, "development")
    assert code == 1
    assert active(findings) == [
        ("", "drift.ignore.0", "", "EM407"),
        ("development", "vars.FEATURE_BETA_SEARCH", "unexpected", "EM402"),
    ]


@pytest.mark.parametrize(
    "fault",
    [
        "wrong-token",
        "server-error",
        "rate-limit",
        "malformed",
        "success-false",
        "null-result",
        "timeout",
    ],
)
def test_a_failed_live_read_exits_3_never_0(
    project: Path, deployed: FakeCloudflare, fault: str
) -> None:
    env = live_env(deployed)
    if fault == "wrong-token":
        env["CLOUDFLARE_API_TOKEN"] = "not-the-token"
    elif fault == "server-error":
        deployed.fail(500, path="*/settings")
    elif fault == "rate-limit":
        deployed.rate_limit(retry_after=600, path="*/secrets")
    elif fault == "malformed":
        deployed.malformed(path="*/schedules")
    elif fault == "success-false":
        deployed.success_false(path="*/subdomain")
    elif fault == "null-result":
        deployed.null_result(path="*/settings")
    elif fault == "timeout":
        deployed.hang(seconds=30, path="*/deployments")
        env["ENVMAN_REQUEST_TIMEOUT"] = "0.5"
    result = envman("drift", "--format", "json", cwd=project, env=env, timeout=60)
    assert result.returncode == 3, result.stdout + result.stderr
    if fault == "wrong-token":  # one error for the run (tests/live/test_early_stop.py)
        assert "HTTP 401" in result.stderr and result.stdout == ""
        return
    data = json.loads(result.stdout)
    assert set(data["unknown"]) == set(ENVS)
    assert {f["code"] for f in data["findings"]} == {"EM406"}
    text = envman("drift", cwd=project, env=env, timeout=60)
    assert text.returncode == 3
    assert "No problems" not in text.stdout


def test_no_token_is_a_clear_error(project: Path) -> None:
    result = envman("drift", cwd=project)
    assert result.returncode == 3
    assert "CLOUDFLARE_API_TOKEN" in result.stderr


def test_snapshot_then_offline_drift(project: Path, deployed: FakeCloudflare) -> None:
    deployed.set_var(deployed.account_id, worker("staging"), "LOG_LEVEL", "debug")
    saved = envman("snapshot", "-o", "live.json", cwd=project, env=live_env(deployed))
    assert saved.returncode == 0, saved.stderr
    text = (project / "live.json").read_text()
    assert not any(value in text for value in SECRET_VALUES.values())
    offline = envman("drift", "--live-from", "live.json", "--format", "json", cwd=project)
    assert offline.returncode == 1
    assert active(json.loads(offline.stdout)["findings"]) == [
        ("staging", "vars.LOG_LEVEL", "changed", "EM400")
    ]


def test_check_is_one_gate(project: Path, deployed: FakeCloudflare) -> None:
    result = envman("check", "production", cwd=project, env=live_env(deployed))
    assert result.returncode == 0, result.stdout + result.stderr
    deployed.delete_secret(deployed.account_id, worker("production"), "JWT_SECRET")
    summary = project / "summary.md"
    env = {**live_env(deployed), "GITHUB_STEP_SUMMARY": str(summary)}
    result = envman("check", "production", "--format", "github", cwd=project, env=env)
    assert result.returncode == 1
    assert "::error" in result.stdout and "secrets.JWT_SECRET" in result.stdout
    assert "JWT\\_SECRET" in summary.read_text()  # markdown-escaped


def test_the_readme_example_snapshot_shows_its_two_drifts() -> None:
    result = envman(
        "drift", "--live-from", "examples/live-snapshot.json", "--format", "json", cwd=REPO
    )
    assert result.returncode == 1
    assert active(json.loads(result.stdout)["findings"]) == [
        ("production", "vars.RATE_LIMIT_PER_MINUTE", "changed", "EM400"),
        ("staging", "secrets.STRIPE_API_KEY", "missing", "EM404"),
    ]
    text = envman(
        "drift", "--live-from", "examples/live-snapshot.json", cwd=REPO, env={"COLUMNS": "100"}
    )
    readme = (REPO / "README.md").read_text()
    assert text.stdout.strip() in readme, "README's drift example is stale:\n" + text.stdout


def test_no_secret_value_in_any_format(project: Path, deployed: FakeCloudflare) -> None:
    deployed.set_secret(
        deployed.account_id, worker("staging"), "EXTRA", "SEEDED-STRIPE-VALUE-51c0de"
    )
    deployed.delete_secret(deployed.account_id, worker("production"), "JWT_SECRET")
    args = [
        arg
        for fmt in ("text", "json", "github", "markdown", "sarif", "junit")
        for arg in ("-f", fmt)
    ]
    result = envman("drift", *args, cwd=project, env=live_env(deployed))
    assert result.returncode == 1
    assert "secrets.EXTRA" in result.stdout and "secrets.JWT_SECRET" in result.stdout
    for value in SECRET_VALUES.values():
        assert value not in result.stdout + result.stderr
    snapshot = envman("snapshot", "-o", "live.json", cwd=project, env=live_env(deployed))
    assert snapshot.returncode == 0
    assert not any(value in (project / "live.json").read_text() for value in SECRET_VALUES.values())
