"""End to end: diff, promote, rollback and audit as a subprocess; guardrails, crashes, races."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from envman import api
from envman.errors import AuditError, PromotionError
from tests.cli_helpers import envman
from tests.conftest import copy_project
from tests.fakecf.server import FakeCloudflare

FILES = ("environments/production.toml", "wrangler.toml")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The bundled project in a git repository, so audit entries carry a commit."""
    copy_project(tmp_path)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run(
        ["git", "-c", "user.email=dev@example.com", "-c", "user.name=Dev", "commit", "-qm", "init"],
        cwd=tmp_path,
        check=True,
    )
    return tmp_path


def texts(project: Path) -> dict[str, str]:
    return {name: (project / name).read_text() for name in FILES}


def log_entries(project: Path) -> list[dict[str, Any]]:
    path = project / ".envman/audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_dry_run_exit_codes(project: Path) -> None:
    result = envman("promote", "staging", "production", "--dry-run", cwd=project)
    assert result.returncode == 1
    assert "~ vars.LOG_LEVEL" in result.stdout and '"warn" -> "info"' in result.stdout
    assert "CLOUDFLARE_API_TOKEN is not set" in result.stdout
    assert (
        envman(
            "promote",
            "development",
            "staging",
            "--dry-run",
            "--only",
            "vars.API_BASE_URL",
            cwd=project,
        ).returncode
        == 0
    )


def test_promote_edits_both_files_surgically_and_audits(project: Path) -> None:
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
    assert result.returncode == 0, result.stdout + result.stderr
    after = texts(project)
    for name in FILES:
        removed = [
            line for line in before[name].splitlines() if line not in after[name].splitlines()
        ]
        assert removed == ['LOG_LEVEL = "warn"'], name
    assert envman("validate", cwd=project).returncode == 0
    assert envman("promote", "staging", "production", "--dry-run", cwd=project).returncode == 0
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
    assert verify.returncode == 0, verify.stdout
    shown = envman("audit", "show", entry["id"][:12], cwd=project)
    assert "vars.LOG_LEVEL" in shown.stdout and "ship charts" in shown.stdout
    listed = json.loads(
        envman("audit", "log", "--env", "production", "--format", "json", cwd=project).stdout
    )
    assert [e["id"] for e in listed] == [entry["id"]]


def test_sensitive_values_are_fingerprinted_in_the_log(project: Path) -> None:
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
    assert result.returncode == 0 and "Plan: staging -> production (0 steps)" in result.stdout
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
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEY123" not in result.stdout + result.stderr
    raw = (project / ".envman/audit.jsonl").read_text()
    assert "KEY123" not in raw
    (change,) = log_entries(project)[0]["changes"]
    assert change["after"] == "<redacted>"


def test_protected_environment_prompt(project: Path) -> None:
    def run(answer: str) -> subprocess.CompletedProcess[str]:
        master, slave = os.openpty()
        try:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "envman",
                    "promote",
                    "staging",
                    "production",
                    "--reason",
                    "ship",
                ],
                cwd=project,
                stdin=slave,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            os.write(master, answer.encode() + b"\n")
            out, err = process.communicate(timeout=60)
        finally:
            os.close(master)
            os.close(slave)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    refused = run("staging")
    assert refused.returncode == 1 and "not applied" in refused.stderr
    assert log_entries(project) == []
    accepted = run("production")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert len(log_entries(project)) == 1


def test_without_a_terminal_or_reason(project: Path) -> None:
    no_reason = envman("promote", "staging", "production", "--yes", cwd=project)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    no_tty = envman("promote", "staging", "production", "--reason", "x", cwd=project, input="")
    assert no_tty.returncode == 2 and "--yes" in no_tty.stderr
    assert log_entries(project) == []


def test_stage_order_guardrail(project: Path) -> None:
    result = envman("promote", "development", "production", "--yes", "--reason", "x", cwd=project)
    assert result.returncode == 1 and "not the stage after development" in result.stdout
    skipped = envman(
        "promote",
        "development",
        "production",
        "--yes",
        "--reason",
        "x",
        "--skip-stage",
        "--only",
        "compatibility_date",
        cwd=project,
    )
    assert (
        skipped.returncode == 1
    )  # production would be newer than staging: the result must validate
    assert "would not validate" in skipped.stdout


def test_blocked_binding_needs_a_map(project: Path) -> None:
    for path, header in (("environments/staging.toml", ""), ("wrangler.toml", "env.staging.")):
        file = project / path
        file.write_text(
            file.read_text()
            + f'\n[[{header}kv_namespaces]]\nbinding = "SESSIONS"\nid = "aaaabbbbccccdddd0000111122223333"\n'
        )
    blocked = envman(
        "promote",
        "staging",
        "production",
        "--yes",
        "--reason",
        "s",
        "--only",
        "kv_namespaces.*",
        cwd=project,
    )
    assert (
        blocked.returncode == 1
        and "BLOCKED" in blocked.stdout
        and "--map SESSIONS=" in blocked.stdout
    )
    mapped = envman(
        "promote",
        "staging",
        "production",
        "--yes",
        "--reason",
        "s",
        "--only",
        "kv_namespaces.*",
        "--map",
        "SESSIONS=eeeeffff000011112222333344445555",
        cwd=project,
    )
    assert mapped.returncode == 0, mapped.stdout + mapped.stderr
    assert (
        'id = "eeeeffff000011112222333344445555"'
        in (project / "environments/production.toml").read_text()
    )
    assert envman("validate", cwd=project).returncode == 0


def test_rollback_restores_bytes_and_refuses_after_later_edits(project: Path) -> None:
    before = texts(project)
    assert (
        envman("promote", "staging", "production", "--yes", "--reason", "r", cwd=project).returncode
        == 0
    )
    result = envman("rollback", "production", "--yes", "--reason", "oops", cwd=project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert texts(project) == before
    assert [e["action"] for e in log_entries(project)] == ["promote", "rollback"]
    assert envman("audit", "verify", cwd=project).returncode == 0
    assert (
        envman(
            "promote", "staging", "production", "--yes", "--reason", "again", cwd=project
        ).returncode
        == 0
    )
    production = project / "environments/production.toml"
    production.write_text(
        production.read_text().replace("RATE_LIMIT_PER_MINUTE = 600", "RATE_LIMIT_PER_MINUTE = 700")
    )
    refused = envman("rollback", "production", "--yes", "--reason", "r", cwd=project)
    assert refused.returncode == 1 and "changed since" in refused.stdout


def test_audit_verify_names_the_tampered_entry(project: Path) -> None:
    for reason in ("one", "two"):
        assert (
            envman(
                "promote", "staging", "production", "--yes", "--reason", reason, cwd=project
            ).returncode
            == 0
        )
        assert (
            envman("rollback", "production", "--yes", "--reason", reason, cwd=project).returncode
            == 0
        )
    log = project / ".envman/audit.jsonl"
    lines = log.read_text().splitlines()
    lines[1] = lines[1].replace('"reason":"one"', '"reason":"edited"')
    log.write_text("\n".join(lines) + "\n")
    result = envman("audit", "verify", cwd=project)
    assert result.returncode == 1 and "line 2" in result.stdout


def test_stale_plan_is_refused(project: Path) -> None:
    ws = api.open_workspace(project)
    proposal = api.propose(ws, "staging", "production")
    production = project / "environments/production.toml"
    production.write_text(production.read_text() + "# edited meanwhile\n")
    with pytest.raises(PromotionError, match="changed since the plan"):
        api.apply_promotion(ws, proposal, reason="r", confirmed=True)
    assert not (project / ".envman/audit.jsonl").exists()


def test_a_failed_audit_write_undoes_the_edits(project: Path) -> None:
    before = texts(project)
    ws = api.open_workspace(project)
    proposal = api.propose(ws, "staging", "production")
    (project / ".envman").mkdir()
    (project / ".envman/audit.jsonl").mkdir()  # a directory: appending fails
    with pytest.raises(AuditError):
        api.apply_promotion(ws, proposal, reason="r", confirmed=True)
    assert texts(project) == before


def test_two_promotions_at_once_never_lose_an_edit(project: Path) -> None:
    args = [
        sys.executable,
        "-m",
        "envman",
        "promote",
        "staging",
        "production",
        "--yes",
        "--reason",
        "race",
    ]
    first = subprocess.Popen(
        args, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    second = subprocess.Popen(
        args, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    results = [(*p.communicate(timeout=120), p.returncode) for p in (first, second)]
    codes = sorted(code for _, _, code in results)
    assert codes in ([0, 0], [0, 1]), results
    for out, err, code in results:
        assert "Traceback" not in err
        if code == 1:
            assert "changed since the plan" in err or "nothing to promote" in out + err
    entries = log_entries(project)
    assert len(entries) == 1
    assert envman("audit", "verify", cwd=project).returncode == 0
    assert envman("promote", "staging", "production", "--dry-run", cwd=project).returncode == 0
    assert envman("validate", cwd=project).returncode == 0


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
def test_sigkill_at_any_point_leaves_whole_files(
    project: Path, fraction: float, tmp_path_factory: pytest.TempPathFactory
) -> None:
    before = texts(project)
    reference = tmp_path_factory.mktemp("reference") / "project"
    shutil.copytree(project, reference)
    started = time.monotonic()
    assert (
        envman(
            "promote", "staging", "production", "--yes", "--reason", "ref", cwd=reference
        ).returncode
        == 0
    )
    duration = time.monotonic() - started
    after = texts(reference)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "envman",
            "promote",
            "staging",
            "production",
            "--yes",
            "--reason",
            "kill",
        ],
        cwd=project,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(duration * fraction)
    process.send_signal(signal.SIGKILL)
    process.wait()
    for name in FILES:
        assert (project / name).read_text() in (before[name], after[name]), name
    assert envman("audit", "verify", cwd=project).returncode == 0
    # the next command that takes the lock finishes or undoes the interrupted promotion
    envman("promote", "staging", "production", "--dry-run", cwd=project)
    ws = api.open_workspace(project)
    from envman.release.transaction import locked

    with locked(project, log=project / ".envman/audit.jsonl"):
        pass
    recorded = len(log_entries(project))
    assert texts(project) == (after if recorded else before)
    assert envman("audit", "verify", cwd=project).returncode == 0
    assert ws.root == project.resolve()


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


def test_live_drift_refuses_unless_allowed(project: Path, fake_cloudflare: FakeCloudflare) -> None:
    _deploy(project, fake_cloudflare, "production")
    fake_cloudflare.set_var(
        fake_cloudflare.account_id, "dashboard-worker-production", "RATE_LIMIT_PER_MINUTE", 9000
    )
    env = _live_env(fake_cloudflare)
    refused = envman(
        "promote", "staging", "production", "--yes", "--reason", "x", cwd=project, env=env
    )
    assert refused.returncode == 1 and "has live drift" in refused.stdout
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
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert log_entries(project)[0]["flags"] == ["--allow-drift"]


def test_missing_live_secret_refuses(project: Path, fake_cloudflare: FakeCloudflare) -> None:
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
    assert result.returncode == 1
    assert "STRIPE_API_KEY" in result.stdout and "wrangler secret put" in result.stdout
