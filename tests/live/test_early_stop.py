"""A refused token is one message and stops the run; progress advances per request.

Measured before: a bad token on 100 environments printed the same 401 twice per
environment (801 lines) after a request for every Worker; the progress bar counted
finished Workers and sat at 0% for the first third of a long drift.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envman.cli import main
from envman.live import Target, read_live_sync
from envman.settings import load_settings
from tests.fakecf import FakeCloudflare

ENVS = [f"e{i:03}" for i in range(100)]


def _hundred_environments(folder: Path) -> Path:
    lines = ['name = "shop"', 'main = "src/index.ts"', 'compatibility_date = "2025-01-15"']
    for env in ENVS:
        lines += ["", f"[env.{env}]", f'name = "shop-{env}"']
    (folder / "wrangler.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def hundred(
    tmp_path: Path, fake_cloudflare: FakeCloudflare, monkeypatch: pytest.MonkeyPatch
) -> FakeCloudflare:
    _hundred_environments(tmp_path)
    for env in ENVS:
        fake_cloudflare.put_script(fake_cloudflare.account_id, f"shop-{env}", vars={})
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", fake_cloudflare.account_id)
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", fake_cloudflare.base_url)
    monkeypatch.chdir(tmp_path)
    return fake_cloudflare


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_token_on_100_environments_is_one_message_and_an_early_stop(
    hundred: FakeCloudflare,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    status: int,
) -> None:
    if status == 401:
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "not-the-token")
    else:
        monkeypatch.setenv("CLOUDFLARE_API_TOKEN", hundred.token)
        hundred.fail(403, path="*/settings", code=10000, message="Authentication error")
    assert main(["drift", "--all", "--concurrency", "4"]) == 3
    out, err = capsys.readouterr()
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert len(lines) <= 3, lines
    assert f"HTTP {status}" in err and "CLOUDFLARE_API_TOKEN" in err
    assert len(hundred.requests) <= 8  # stopped: not a request per Worker


def test_a_403_on_one_workers_secrets_still_fails_that_worker_only(
    hundred: FakeCloudflare, monkeypatch: pytest.MonkeyPatch
) -> None:
    hundred.fail(403, path="*/shop-e001/secrets", code=10000)
    settings = load_settings(
        {}, cloudflare_api_token=hundred.token, cloudflare_base_url=hundred.base_url
    )
    targets = [Target(env, f"shop-{env}") for env in ENVS[:3]]
    result = read_live_sync(targets, settings=settings, account_id=hundred.account_id)
    assert set(result.errors) == {"e001"} and set(result.workers) == {"e000", "e002"}


class _Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, int, int]] = []

    def __call__(self, message: str) -> None:
        self.events.append(("worker", 0, 0))

    def requests(self, done: int, expected: int) -> None:
        self.events.append(("request", done, expected))


def test_progress_advances_per_request(hundred: FakeCloudflare) -> None:
    settings = load_settings(
        {},
        cloudflare_api_token=hundred.token,
        cloudflare_base_url=hundred.base_url,
        concurrency=8,
    )
    targets = [Target(env, f"shop-{env}") for env in ENVS[:30]]
    recorder = _Recorder()
    result = read_live_sync(
        targets, settings=settings, account_id=hundred.account_id, progress=recorder
    )
    assert not result.errors
    ticks = [(done, expected) for kind, done, expected in recorder.events if kind == "request"]
    assert [done for done, _ in ticks] == list(range(1, result.requests + 1))
    assert all(expected >= done for done, expected in ticks)
    # the bar moves before the first Worker is finished (Workers' requests interleave)
    first_worker = next(i for i, e in enumerate(recorder.events) if e[0] == "worker")
    assert first_worker > 0 and recorder.events[first_worker - 1][1] > 0
    # and it ends full: the estimate was the real count
    assert ticks[-1][0] == ticks[-1][1]
