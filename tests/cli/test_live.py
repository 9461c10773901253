"""`envman drift / snapshot / check` against the fake Cloudflare API over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.bundled import ENVS, SECRET_VALUES, cloudflare_environ
from tests.fakecf.server import FakeCloudflare
from tests.inprocess import Envman
from tests.paths import REPO


def live_env(fake: FakeCloudflare) -> dict[str, str]:
    return cloudflare_environ(fake, ENVMAN_MAX_RETRIES="1")


def drift(
    envman: Envman, project: Path, fake: FakeCloudflare, *args: str
) -> tuple[int, list[dict[str, Any]], str]:
    result = envman("drift", "--format", "json", *args, cwd=project, env=live_env(fake))
    assert not any(value in result.out + result.err for value in SECRET_VALUES.values())
    data = json.loads(result.out)
    return result.code, data["findings"], result.err


def active(findings: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return sorted(
        (f["env"] or "", f["path"], f["kind"] or "", f["code"])
        for f in findings
        if not f["suppressed"]
    )


def worker(env: str) -> str:
    return f"dashboard-worker-{env}"


def test_a_clean_deployment_has_no_drift(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
    code, findings, _ = drift(envman, project, deployed)
    assert (code, active(findings)) == (0, [])


def test_each_kind_of_drift_gives_exactly_its_findings(
    project: Path, deployed: FakeCloudflare, envman: Envman
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
    code, findings, _ = drift(envman, project, deployed)
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


def test_a_missing_worker_is_one_finding(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
    deployed.delete_script(deployed.account_id, worker("staging"))
    code, findings, _ = drift(envman, project, deployed, "staging")
    assert (code, active(findings)) == (1, [("staging", "", "missing", "EM403")])


def test_sensitive_vars_are_redacted(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
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
    result = envman(
        "drift", "staging", "-f", "json", "-o", "drift.json", "-f", "text",
        cwd=project, env=live_env(deployed),
    )  # fmt: skip
    assert result.code == 1
    assert "vars.SENTRY_DSN" in result.out
    report = (project / "drift.json").read_text()
    for text in (result.out, result.err, report):
        assert "key-1234567" not in text and "other-999" not in text
    findings = json.loads(report)["findings"]
    assert [(f["expected"], f["actual"]) for f in findings] == [("<redacted>", "<redacted>")]


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
    project: Path, deployed: FakeCloudflare, fault: str, envman: Envman
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
        env["ENVMAN_REQUEST_TIMEOUT"] = "0.2"
        env["ENVMAN_MAX_RETRIES"] = "0"  # tests/live has the retries of a timeout
    # one read, both reports: the JSON one to a file, the text one to the terminal
    result = envman("drift", "-f", "json", "-o", "drift.json", "-f", "text", cwd=project, env=env)
    assert result.code == 3, result.out + result.err
    if fault == "wrong-token":  # one error for the run (tests/live/test_early_stop.py)
        assert "HTTP 401" in result.err and not (project / "drift.json").exists()
        return
    data = json.loads((project / "drift.json").read_text())
    assert set(data["unknown"]) == set(ENVS)
    assert {f["code"] for f in data["findings"]} == {"EM406"}
    assert "No problems" not in result.out and "unknown" in result.out.lower()


def test_no_token_is_a_clear_error(project: Path, envman: Envman) -> None:
    result = envman("drift", cwd=project)
    assert result.code == 3
    assert "CLOUDFLARE_API_TOKEN" in result.err


def test_snapshot_then_offline_drift(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
    deployed.set_var(deployed.account_id, worker("staging"), "LOG_LEVEL", "debug")
    saved = envman("snapshot", "-o", "live.json", cwd=project, env=live_env(deployed))
    assert saved.code == 0, saved.err
    text = (project / "live.json").read_text()
    assert not any(value in text for value in SECRET_VALUES.values())
    offline = envman("drift", "--live-from", "live.json", "--format", "json", cwd=project)
    assert offline.code == 1
    assert active(json.loads(offline.out)["findings"]) == [
        ("staging", "vars.LOG_LEVEL", "changed", "EM400")
    ]


def test_check_is_one_gate(project: Path, deployed: FakeCloudflare, envman: Envman) -> None:
    result = envman("check", "production", cwd=project, env=live_env(deployed))
    assert result.code == 0, result.out + result.err
    deployed.delete_secret(deployed.account_id, worker("production"), "JWT_SECRET")
    summary = project / "summary.md"
    env = {**live_env(deployed), "GITHUB_STEP_SUMMARY": str(summary)}
    result = envman("check", "production", "--format", "github", cwd=project, env=env)
    assert result.code == 1
    assert "::error" in result.out and "secrets.JWT_SECRET" in result.out
    assert "JWT\\_SECRET" in summary.read_text()  # markdown-escaped


def test_the_readme_example_snapshot_shows_its_two_drifts(envman: Envman) -> None:
    result = envman(
        "drift", "--live-from", "examples/live-snapshot.json", "--format", "json", cwd=REPO
    )
    assert result.code == 1
    assert active(json.loads(result.out)["findings"]) == [
        ("production", "vars.RATE_LIMIT_PER_MINUTE", "changed", "EM400"),
        ("staging", "secrets.STRIPE_API_KEY", "missing", "EM404"),
    ]
    text = envman(
        "drift", "--live-from", "examples/live-snapshot.json", cwd=REPO, env={"COLUMNS": "100"}
    )
    readme = (REPO / "README.md").read_text()
    assert text.out.strip() in readme, "README's drift example is stale:\n" + text.out


def test_no_secret_value_in_any_format(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
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
    assert result.code == 1
    assert "secrets.EXTRA" in result.out and "secrets.JWT_SECRET" in result.out
    for value in SECRET_VALUES.values():
        assert value not in result.out + result.err
    snapshot = envman("snapshot", "-o", "live.json", cwd=project, env=live_env(deployed))
    assert snapshot.code == 0
    assert not any(value in (project / "live.json").read_text() for value in SECRET_VALUES.values())
