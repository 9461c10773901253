"""Sharded drift runs: stable slices, a budget share each, and one merged report and exit code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envman.errors import InputError, UsageError
from envman.usecases.live import LiveOptions, _settings
from envman.usecases.merge import in_shard, merge_reports, parse_shard, shard_envs
from tests.cli.test_live import live_env, worker
from tests.fakecf import FakeCloudflare
from tests.inprocess import Envman

ENVS = tuple(f"w{i:03d}" for i in range(100))


def test_shards_are_a_stable_partition() -> None:
    for count in (1, 2, 3, 4, 7):
        slices = [shard_envs(ENVS, (i, count)) for i in range(1, count + 1)]
        assert sorted(e for s in slices for e in s) == sorted(ENVS)
        assert sum(len(s) for s in slices) == len(ENVS)
    # adding environments never moves an existing one to another shard
    assert [e for e in shard_envs((*ENVS, "new-1", "new-2"), (2, 4)) if e in ENVS] == list(
        shard_envs(ENVS, (2, 4))
    )
    assert all(len(shard_envs(ENVS, (i, 4))) > 15 for i in range(1, 5))  # roughly balanced
    assert in_shard("w001", (1, 1))


@pytest.mark.parametrize("text", ["0/4", "5/4", "2", "a/b", "2/0"])
def test_a_bad_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_shard(text)


def test_each_shard_takes_its_share_of_the_request_budget() -> None:
    assert _settings(LiveOptions(environ={}, shards=4)).rate_limit_requests == 300
    assert _settings(LiveOptions(environ={}, shards=4, rate_limit=100)).rate_limit_requests == 100


def test_sharded_runs_merge_into_the_report_of_one_run(
    project: Path, deployed: FakeCloudflare, tmp_path: Path, envman: Envman
) -> None:
    deployed.set_var(deployed.account_id, worker("production"), "RATE_LIMIT_PER_MINUTE", 6000)
    env = live_env(deployed)
    whole = envman("drift", "--format", "json", cwd=project, env=env)
    parts = []
    for index in (1, 2, 3):
        out = tmp_path / f"shard-{index}.json"
        args = ("-q", "drift", "--shard", f"{index}/3", "--format", "json", "-o", str(out))
        result = envman(*args, cwd=project, env=env)
        assert result.code in (0, 1), result.err
        assert json.loads(out.read_text())["shard"] == f"{index}/3"
        parts.append(str(out))
    merged = envman("report", "merge", *parts, "--format", "json", cwd=project, env=env)
    assert merged.code == whole.code == 1
    one, other = json.loads(whole.out), json.loads(merged.out)
    assert sorted(one["environments"]) == sorted(other["environments"])
    assert one["findings"] == other["findings"] and one["summary"] == other["summary"]


def _report(path: Path, envs: list[str], shard: str | None, unknown: dict[str, str]) -> Path:
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "command": "drift",
                "findings": [],
                "summary": {},
                "unknown": unknown,
                "environments": envs,
                "shard": shard,
            }
        )
    )
    return path


def test_merge_refuses_a_missing_or_overlapping_shard(tmp_path: Path) -> None:
    a = _report(tmp_path / "a.json", ["a"], "1/3", {})
    b = _report(tmp_path / "b.json", ["b"], "2/3", {})
    again = _report(tmp_path / "c.json", ["a"], "3/3", {})
    with pytest.raises(InputError, match="missing \\[3\\]"):
        merge_reports([a, b])
    with pytest.raises(InputError, match="in two reports"):
        merge_reports([a, b, again])


def test_an_unknown_shard_makes_the_merged_run_exit_3(tmp_path: Path, envman: Envman) -> None:
    a = _report(tmp_path / "a.json", ["a"], "1/2", {})
    b = _report(tmp_path / "b.json", ["b"], "2/2", {"b": "HTTP 500"})
    report = merge_reports([a, b])
    assert report.undetermined and report.envs == ("a", "b")
    result = envman("report", "merge", str(a), str(b), cwd=tmp_path)
    assert result.code == 3
