"""`promote --plan-out FILE` then `promote --apply-plan FILE`: reviewed, then applied exactly."""

from __future__ import annotations

import json
from pathlib import Path

from tests.inprocess import Envman

PROMOTE = ("promote", "staging", "production")
FILES = ("environments/production.toml", "wrangler.toml")


def texts(project: Path) -> dict[str, str]:
    return {name: (project / name).read_text(encoding="utf-8") for name in FILES}


def entries(project: Path) -> list[dict[str, object]]:
    log = project / ".envman" / "audit.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_a_saved_plan_applies_exactly_with_its_options(project: Path, envman: Envman) -> None:
    before = texts(project)
    saved = envman(
        *PROMOTE, "--offline", "--only", "vars.LOG_LEVEL", "--plan-out", "p.json", cwd=project
    )
    assert saved.code == 0, saved.out + saved.err
    assert texts(project) == before and entries(project) == []  # saving writes nothing else
    plan = json.loads((project / "p.json").read_text(encoding="utf-8"))
    assert [s["path"] for s in plan["steps"]] == ["vars.LOG_LEVEL"] and plan["fingerprint"]
    assert plan["options"]["only"] == ["vars.LOG_LEVEL"] and plan["options"]["offline"] is True
    applied = envman(
        *PROMOTE, "--apply-plan", "p.json", "--yes", "--reason", "reviewed", cwd=project
    )
    assert applied.code == 0, applied.out + applied.err
    (entry,) = entries(project)
    assert [c["path"] for c in entry["changes"]] == ["vars.LOG_LEVEL"]  # the --only came along
    assert entry["flags"] == ["--offline"]
    assert "FEATURE_NEW_CHARTS" not in texts(project)["environments/production.toml"]


def test_a_stale_plan_is_refused_and_writes_nothing(project: Path, envman: Envman) -> None:
    assert envman(*PROMOTE, "--offline", "--plan-out", "p.json", cwd=project).code == 0
    staging = project / "environments" / "staging.toml"
    staging.write_text(staging.read_text(encoding="utf-8").replace("600", "700", 1))
    before = texts(project)
    stale = envman(*PROMOTE, "--apply-plan", "p.json", "--yes", "--reason", "r", cwd=project)
    assert stale.code == 1 and "is stale" in stale.err
    assert texts(project) == before and entries(project) == []


def test_a_plan_for_another_pair_or_not_a_plan_is_refused(project: Path, envman: Envman) -> None:
    assert envman(*PROMOTE, "--offline", "--plan-out", "p.json", cwd=project).code == 0
    other = envman("promote", "development", "staging", "--apply-plan", "p.json", cwd=project)
    assert other.code == 2 and "promotes staging -> production" in other.err
    (project / "junk.json").write_text('{"steps": []}', encoding="utf-8")
    junk = envman(*PROMOTE, "--apply-plan", "junk.json", "--yes", cwd=project)
    assert junk.code == 3 and "not a plan saved by" in junk.err
    (project / "broken.json").write_text("{", encoding="utf-8")
    assert envman(*PROMOTE, "--apply-plan", "broken.json", "--yes", cwd=project).code == 3
    both = envman(*PROMOTE, "--apply-plan", "p.json", "--dry-run", cwd=project)
    assert both.code == 2
