"""`reconcile --push`: the live Worker brought back to the declared config, then drift is clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envman import api
from envman.audit import read_entries
from envman.errors import PromotionError
from envman.usecases.live import LiveOptions
from envman.usecases.reconcile import apply_push, propose_push
from tests.bundled import SECRET_VALUES
from tests.cli.test_live import drift, live_env, worker
from tests.fakecf import FakeCloudflare
from tests.inprocess import Envman


def options(fake: FakeCloudflare) -> LiveOptions:
    return LiveOptions(environ=live_env(fake))


def _drift_everywhere(fake: FakeCloudflare, name: str) -> None:
    account = fake.account_id
    fake.set_var(account, name, "LOG_LEVEL", "debug")
    fake.set_var(account, name, "DEBUG_BANNER", "on")  # unexpected: removed by the push
    fake.set_binding(account, name, {"type": "kv_namespace", "name": "CACHE", "namespace_id": "ff"})
    fake.update_version_settings(
        account, name, compatibility_flags=["nodejs_compat", "streams_enable_constructors"]
    )
    fake.set_crons(account, name, ["0 5 * * *"])
    fake.set_script_settings(account, name, observability={"enabled": False})


def test_drift_push_drift_is_clean_and_secrets_survive(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
    _drift_everywhere(deployed, worker("staging"))
    code, before, _ = drift(envman, project, deployed, "staging")
    assert code == 1
    assert {f["path"] for f in before if not f["suppressed"]} == {
        "compatibility_flags",
        "kv_namespaces.CACHE",
        "observability",
        "triggers.crons",
        "vars.DEBUG_BANNER",
        "vars.LOG_LEVEL",
    }
    ws = api.open_workspace(project)
    proposal = propose_push(ws, "staging", options=options(deployed))
    assert not proposal.refusals, [f.message for f in proposal.refusals]
    entry = apply_push(ws, proposal, reason=None, environ={})
    assert entry.action == "push" and entry.target == "staging"
    assert [e.action for e in read_entries(project / ".envman" / "audit.jsonl")][-1] == "push"
    code, after, _ = drift(envman, project, deployed, "staging")
    assert (code, [f for f in after if not f["suppressed"]]) == (0, [])
    # the secret values envman cannot read are kept (inherit), never lost
    assert (
        deployed.secret_value(deployed.account_id, worker("staging"), "JWT_SECRET")
        == (SECRET_VALUES["JWT_SECRET"])
    )


def test_a_missing_secret_is_refused_with_the_command_that_sets_it(
    project: Path, deployed: FakeCloudflare
) -> None:
    deployed.delete_secret(deployed.account_id, worker("staging"), "JWT_SECRET")
    ws = api.open_workspace(project)
    proposal = propose_push(ws, "staging", options=options(deployed))
    (refused,) = proposal.refusals
    assert "wrangler secret put JWT_SECRET --env staging" in (refused.hint or "")
    with pytest.raises(PromotionError, match="refused"):
        apply_push(ws, proposal, reason=None, environ={})


def test_a_protected_environment_needs_a_reason_and_confirmation(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
    deployed.set_var(deployed.account_id, worker("production"), "LOG_LEVEL", "debug")
    env = live_env(deployed)
    no_reason = envman("reconcile", "production", "--push", "--yes", cwd=project, env=env)
    assert no_reason.code == 1 and "--reason" in no_reason.err  # refused, not misused
    unconfirmed = envman("reconcile", "production", "--push", "--reason", "x", cwd=project, env=env)
    assert unconfirmed.code == 1 and "confirmation" in unconfirmed.err
    assert drift(envman, project, deployed, "production")[0] == 1  # nothing was written
    done = envman(
        "reconcile", "production", "--push", "--reason", "revert dashboard edit", "--yes",
        cwd=project, env=env,
    )  # fmt: skip
    assert done.code == 0, done.err
    assert drift(envman, project, deployed, "production")[0] == 0
    (entry,) = [e for e in read_entries(project / ".envman" / "audit.jsonl") if e.action == "push"]
    assert entry.reason == "revert dashboard edit"


def test_dry_run_shows_the_plan_and_writes_nothing(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
    deployed.set_var(deployed.account_id, worker("staging"), "LOG_LEVEL", "debug")
    writes = len([r for r in deployed.requests if r.method != "GET"])
    result = envman(
        "reconcile", "staging", "--push", "--dry-run", "--format", "json",
        cwd=project, env=live_env(deployed),
    )  # fmt: skip
    assert result.code == 1
    plan = json.loads(result.out)
    assert [s["path"] for s in plan["steps"]] == ["vars.LOG_LEVEL"]
    assert len([r for r in deployed.requests if r.method != "GET"]) == writes


def test_routes_and_workers_dev_are_pushed(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path
) -> None:
    from tests.live.scenarios import ACCOUNT, Scenario, deploy, live_options, write_project

    config = {
        "name": "web",
        "main": "src/index.ts",
        "compatibility_date": "2025-01-01",
        "routes": ["api.example.com/*", {"pattern": "app.example.com", "custom_domain": True}],
        "workers_dev": False,
    }
    fake = faithful_cloudflare
    root = write_project(tmp_path, config)
    (root / "envman.toml").write_text('environments = ["production"]\nworker = "web"\n')
    (root / "environments").mkdir()
    (root / "environments" / "production.toml").write_text(
        'name = "web"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
        'workers_dev = false\nroutes = ["api.example.com/*", '
        '{ pattern = "app.example.com", custom_domain = true }]\n'
    )
    deploy(fake, Scenario("web", config))
    fake.add_route("extra.example.com/*", "web", account_id=ACCOUNT, source="dash")
    fake.set_workers_dev(ACCOUNT, "web", True)
    ws = api.open_workspace(root)
    assert api.drift(ws, ["production"], options=live_options(fake)).active
    proposal = propose_push(ws, "production", options=live_options(fake))
    assert not proposal.refusals
    apply_push(ws, proposal, reason="x", environ={})
    report = api.drift(ws, ["production"], options=live_options(fake), attribution=False)
    assert [f.path for f in report.active] == []


def test_what_needs_a_code_upload_is_refused_with_wrangler_deploy() -> None:
    from envman.codes import finding
    from envman.usecases.reconcile import _refused

    assets = finding("EM400", env="staging", path="assets", message="assets differs")
    assert _refused(assets, "staging") == (
        "needs a new code upload",
        "wrangler deploy --env staging",
    )
    var = finding("EM400", env="staging", path="vars.X", message="vars.X differs")
    assert _refused(var, "staging") is None
