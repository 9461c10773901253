"""`drift --adopt`: live values written into the declared files, validated, audited, drift clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envman import api
from envman.audit import read_entries
from envman.errors import PromotionError
from envman.usecases.adopt import apply_adoption, propose_adoption
from envman.usecases.live import LiveOptions
from tests.cli.test_live import live_env, worker
from tests.fakecf import FakeCloudflare
from tests.inprocess import Envman


def options(fake: FakeCloudflare) -> LiveOptions:
    return LiveOptions(environ=live_env(fake))


def test_adopting_a_dashboard_change_makes_drift_and_validate_clean(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
    account = deployed.account_id
    deployed.set_var(account, worker("staging"), "LOG_LEVEL", "debug", author="ops@example.com")
    deployed.set_crons(account, worker("staging"), ["0 5 * * *"])
    deployed.set_binding(
        account,
        worker("staging"),
        {"type": "kv_namespace", "name": "CACHE", "namespace_id": "ffff"},
    )
    before = {p: (project / p).read_text() for p in ("environments/staging.toml", "wrangler.toml")}
    ws = api.open_workspace(project)
    proposal = propose_adoption(ws, "staging", options=options(deployed))
    assert not proposal.refusals
    assert [s.path for s in proposal.plan.steps] == [
        "kv_namespaces.CACHE",
        "triggers.crons",
        "vars.LOG_LEVEL",
    ]
    assert {c.name for c in proposal.changes} == {"environments/staging.toml", "wrangler.toml"}
    entry = apply_adoption(ws, proposal, reason="hotfix kept", environ={})
    assert entry.action == "adopt" and entry.target == "staging" and entry.reason == "hotfix kept"
    entries = read_entries(project / ".envman" / "audit.jsonl")
    assert [e.action for e in entries][-1:] == ["adopt"]
    staging = (project / "environments/staging.toml").read_text()
    assert 'LOG_LEVEL = "debug"' in staging and "ffff" in staging and "0 5 * * *" in staging
    # surgical: the comments and the order of everything else survive
    old = before["environments/staging.toml"].splitlines()
    assert [line for line in old if line.startswith("#")] == [
        line for line in staging.splitlines() if line.startswith("#")
    ]
    env = live_env(deployed)
    assert envman("validate", cwd=project, env=env).code == 0
    code = envman("drift", "staging", "--format", "json", cwd=project, env=env)
    assert code.code == 0, json.loads(code.out)["findings"]


def test_only_adopts_the_selected_paths(project: Path, deployed: FakeCloudflare) -> None:
    account = deployed.account_id
    deployed.set_var(account, worker("staging"), "LOG_LEVEL", "debug")
    deployed.set_crons(account, worker("staging"), ["0 5 * * *"])
    ws = api.open_workspace(project)
    proposal = propose_adoption(ws, "staging", only=["vars.*"], options=options(deployed))
    assert [s.path for s in proposal.plan.steps] == ["vars.LOG_LEVEL"]


def test_nothing_to_adopt_is_refused(project: Path, deployed: FakeCloudflare) -> None:
    ws = api.open_workspace(project)
    proposal = propose_adoption(ws, "staging", options=options(deployed))
    assert proposal.plan.steps == ()
    with pytest.raises(PromotionError, match="nothing to adopt"):
        apply_adoption(ws, proposal, reason=None, environ={})


def test_the_cli_adopts_with_a_plan_and_dry_run(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
    deployed.set_var(deployed.account_id, worker("staging"), "LOG_LEVEL", "debug")
    env = live_env(deployed)
    dry = envman("drift", "staging", "--adopt", "--dry-run", cwd=project, env=env)
    assert dry.code == 1 and "vars.LOG_LEVEL" in dry.out
    assert 'LOG_LEVEL = "debug"' not in (project / "environments/staging.toml").read_text()
    done = envman("drift", "staging", "--adopt", "--yes", cwd=project, env=env)
    assert done.code == 0, done.err
    assert 'LOG_LEVEL = "debug"' in (project / "environments/staging.toml").read_text()
    assert envman("drift", "staging", cwd=project, env=env).code == 0
