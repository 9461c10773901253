"""Tests of the live reader: the real SDK over real HTTP against the fake Cloudflare API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest

from envman.config import WorkerConfig
from envman.errors import LiveStateError
from envman.live import LiveRead, Target, read_live, read_live_sync
from envman.live.ratelimit import THROTTLE_FLOOR, RateLimiter
from envman.settings import Settings, load_settings
from tests.fakecf import FakeCloudflare, RequestRecord
from tests.live.clock import FakeClock

ACCOUNT = "acc123"
SECRET_VALUES = {"API_KEY": "sk-live-9f8e7d6c5b4a", "DB_PASSWORD": "hunter2-correct-horse"}


@pytest.fixture
def fake(fake_cloudflare: FakeCloudflare) -> FakeCloudflare:
    """The fake Cloudflare API over HTTP on 127.0.0.1, account acc123, token test-token."""
    return fake_cloudflare


def settings_for(fake: FakeCloudflare, **overrides: Any) -> Settings:
    given: dict[str, Any] = {
        "cloudflare_api_token": fake.token,
        "cloudflare_base_url": fake.base_url,
        "request_timeout": 2.0,
        "timeout": 15.0,
    }
    return load_settings({}, **(given | overrides))


def read(
    fake: FakeCloudflare,
    targets: list[Target],
    clock: FakeClock | None = None,
    **overrides: Any,
) -> LiveRead:
    """A live read; with `clock`, every wait is recorded on it instead of waited."""
    settings = settings_for(fake, **overrides)
    if clock is None:
        return read_live_sync(targets, settings=settings, account_id=ACCOUNT)
    reading = read_live(
        targets, settings=settings, account_id=ACCOUNT, clock=clock, sleep=clock.sleep
    )
    return asyncio.run(reading)


def seed_plain(fake: FakeCloudflare, *names: str) -> None:
    for name in names:
        fake.put_script(ACCOUNT, name, vars={"MODE": name}, secrets=["TOKEN"])


def dump(result: LiveRead) -> str:
    return json.dumps(
        {
            "workers": {k: w.model_dump(mode="json") for k, w in result.workers.items()},
            "errors": result.errors,
            "unsupported": result.unsupported,
        }
    )


def max_in_flight(records: list[RequestRecord]) -> int:
    events = sorted(
        [(r.started, 1) for r in records] + [(r.finished or r.started, -1) for r in records],
        key=lambda e: (e[0], e[1]),  # an end before a start at the same instant
    )
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


# --------------------------------------------------------------------------- normalisation


def test_every_binding_kind_normalises_into_the_declared_shape(
    fake: FakeCloudflare,
) -> None:
    zone_id = fake.add_zone("example.com")
    fake.put_script(
        ACCOUNT,
        "api-production",
        vars={"LOG_LEVEL": "info", "LIMITS": {"rpm": 60}, "RATIO": 0.5},
        secrets=SECRET_VALUES,
        bindings=[
            {"type": "kv_namespace", "name": "CACHE", "namespace_id": "kv0001"},
            {"type": "d1", "name": "DB", "database_id": "d1-0001"},
            {
                "type": "r2_bucket",
                "name": "FILES",
                "bucket_name": "files-prod",
                "jurisdiction": "eu",
            },
            {"type": "durable_object_namespace", "name": "ROOMS", "class_name": "Room"},
            {
                "type": "durable_object_namespace",
                "name": "LOCKS",
                "class_name": "Lock",
                "script_name": "locker",
            },
            {"type": "service", "name": "AUTH", "service": "auth", "environment": "production"},
            {"type": "service", "name": "RPC", "service": "rpc", "entrypoint": "Api"},
            {"type": "queue", "name": "JOBS", "queue_name": "jobs-prod"},
            {"type": "analytics_engine", "name": "EVENTS", "dataset": "events_prod"},
            {"type": "hyperdrive", "name": "PG", "id": "hd0001"},
            {"type": "vectorize", "name": "INDEX", "index_name": "docs-prod"},
            {"type": "ai", "name": "AI"},
            {"type": "browser", "name": "BROWSER"},
            {"type": "version_metadata", "name": "VERSION"},
            {"type": "workflow", "name": "ORDERS", "workflow_name": "orders"},
        ],
        compatibility_date="2025-01-15",
        compatibility_flags=["nodejs_compat"],
        usage_model="standard",
        limits={"cpu_ms": 50},
        placement={"mode": "smart"},
        logpush=True,
        observability={"enabled": True, "head_sampling_rate": 0.1},
        tail_consumers=[{"service": "tail-worker"}],
        crons=["*/5 * * * *", "0 3 * * *"],
        workers_dev=False,
        routes=["example.com/api/*"],
        custom_domains=["api.example.com"],
    )
    fake.put_script(ACCOUNT, "other", routes=["example.com/other/*"])  # same zone, not ours

    result = read(fake, [Target("production", "api-production", (zone_id,))])

    assert result.errors == {}
    worker = result.workers["production"]
    assert worker.exists
    expected = WorkerConfig.model_validate(
        {
            "name": "api-production",
            "account_id": ACCOUNT,
            "compatibility_date": "2025-01-15",
            "compatibility_flags": ["nodejs_compat"],
            "workers_dev": False,
            "preview_urls": False,
            "routes": [
                {"pattern": "api.example.com", "custom_domain": True},
                {"pattern": "example.com/api/*", "zone_id": zone_id},
            ],
            "triggers": {"crons": ["*/5 * * * *", "0 3 * * *"]},
            "migrations": [],  # no Durable Object migration applied
            "vars": {"LOG_LEVEL": "info", "LIMITS": {"rpm": 60}, "RATIO": 0.5},
            "secrets": {"required": ["API_KEY", "DB_PASSWORD"]},
            "kv_namespaces": {"CACHE": {"id": "kv0001"}},
            "d1_databases": {"DB": {"database_id": "d1-0001"}},
            "r2_buckets": {"FILES": {"bucket_name": "files-prod", "jurisdiction": "eu"}},
            "durable_objects": {
                "ROOMS": {"class_name": "Room"},
                "LOCKS": {"class_name": "Lock", "script_name": "locker"},
            },
            "services": {
                "AUTH": {"service": "auth", "environment": "production"},
                "RPC": {"service": "rpc", "entrypoint": "Api"},
            },
            "queues": {"producers": {"JOBS": {"queue": "jobs-prod"}}},
            "analytics_engine_datasets": {"EVENTS": {"dataset": "events_prod"}},
            "hyperdrive": {"PG": {"id": "hd0001"}},
            "vectorize": {"INDEX": {"index_name": "docs-prod"}},
            "ai": {"binding": "AI"},
            "browser": {"binding": "BROWSER"},
            "version_metadata": {"binding": "VERSION"},
            "workflows": {"ORDERS": {"name": "orders"}},
            # Modelled kinds the API lists none of start empty: the Worker has none.
            **{
                kind: {}
                for kind in (
                    "dispatch_namespaces",
                    "mtls_certificates",
                    "send_email",
                    "pipelines",
                    "ratelimits",
                    "secrets_store_secrets",
                    "vpc_services",
                    "vpc_networks",
                    "ai_search",
                    "ai_search_namespaces",
                    "flagship",
                )
            },
            "usage_model": "standard",
            "placement": {"mode": "smart"},
            "limits": {"cpu_ms": 50},
            "observability": {"enabled": True, "head_sampling_rate": 0.1},
            "logpush": True,
            "tail_consumers": [{"service": "tail-worker"}],
        }
    )
    assert worker.config == expected
    assert worker.secret_types == {"API_KEY": "secret_text", "DB_PASSWORD": "secret_text"}
    assert result.unsupported == {}  # workflows are modelled now: every kind here is
    assert worker.unsupported == ()
    assert worker.deployment is not None
    assert [v["percentage"] for v in worker.deployment["versions"]] == [100.0]
    assert worker.versions == {}  # one version: no extra reads
    # settings, secrets, schedules, subdomain, deployments; the shared lookups on top
    # (zone routes, custom domains, and the scripts list for the migration tag)
    assert worker.requests == 5
    assert result.requests == 8
    assert fake.request_count("*/script-settings") == 0  # settings already had them


def test_a_script_unknown_to_the_sdk_is_reported_not_coerced(
    fake: FakeCloudflare,
) -> None:
    fake.put_script(ACCOUNT, "api", vars={"MODE": "x"})
    with fake.lock:  # a binding type newer than the SDK (and the fake's upload checks)
        fake.script(ACCOUNT, "api").latest.bindings.append(
            {"type": "quantum_link", "name": "QL", "entangled_with": "api-2"}
        )
    result = read(fake, [Target("production", "api")])
    assert result.unsupported == {"production": ["quantum_link QL"]}
    config = result.workers["production"].config
    assert config is not None and config.vars == {"MODE": "x"}


def test_a_missing_worker_exists_false_and_is_not_an_error(fake: FakeCloudflare) -> None:
    seed_plain(fake, "present")
    result = read(fake, [Target("staging", "absent"), Target("production", "present")])
    assert result.errors == {}
    missing = result.workers["staging"]
    assert (missing.exists, missing.config, missing.requests) == (False, None, 1)
    assert result.workers["production"].exists


def test_secrets_are_names_and_their_values_never_leave_the_fake(
    fake: FakeCloudflare,
) -> None:
    fake.put_script(ACCOUNT, "api", secrets=SECRET_VALUES)
    fake.split_deployment(ACCOUNT, "api", 10, vars={"MODE": "canary"})  # versions read too
    result = read(fake, [Target("production", "api")])
    worker = result.workers["production"]
    assert worker.config is not None and worker.config.secrets is not None
    assert worker.config.secrets.required == ("API_KEY", "DB_PASSWORD")
    text = dump(result)
    for value in SECRET_VALUES.values():
        assert value not in text
    assert not [r for r in fake.requests if "/secrets/" in r.path]  # no single-secret GET


def test_a_secret_value_the_api_should_never_send_is_dropped(fake: FakeCloudflare) -> None:
    seed_plain(fake, "api")
    leaky = {
        "success": True,
        "errors": [],
        "messages": [],
        "result": [{"name": "TOKEN", "type": "secret_text", "text": "leaked-value-123"}],
    }
    fake.malformed(path="*/api/secrets", body=json.dumps(leaky))
    result = read(fake, [Target("production", "api")])
    assert result.workers["production"].secret_types == {"TOKEN": "secret_text"}
    assert "leaked-value-123" not in dump(result)


# --------------------------------------------------------------------------- faults


Inject = Callable[[FakeCloudflare], object]
# A 401 is the token refused, which stops the whole run: tests/live/test_early_stop.py.
FAULTS: list[tuple[str, Inject, str]] = [
    ("403", lambda f: f.fail(403, path="*/bad/secrets", code=10000), "lacks permission (HTTP 403)"),
    ("404-sub-resource", lambda f: f.fail(404, path="*/bad/schedules"), "not found (HTTP 404)"),
    (
        "404-not-a-script",
        lambda f: f.fail(
            404,
            path="*/bad/settings",
            code=7003,
            message="Could not route to /accounts/…, perhaps your object identifier is invalid?",
        ),
        "not found (HTTP 404): 7003",
    ),
    ("500-persisting", lambda f: f.fail(500, path="*/bad/subdomain"), "gave up after 3 attempts"),
    ("timeout", lambda f: f.hang(path="*/bad/subdomain"), "timed out after 0.3 s"),
    ("dropped", lambda f: f.drop_connection(path="*/bad/subdomain"), "connection failed"),
    ("malformed", lambda f: f.malformed(path="*/bad/settings"), "malformed response from GET"),
    (
        "malformed-shape",
        lambda f: f.malformed(
            path="*/bad/schedules",
            body='{"success": true, '
            '"errors": [], "messages": [], "result": {"schedules": "hourly"}}',
        ),
        "malformed response",
    ),
    (
        "success-false",
        lambda f: f.success_false(path="*/bad/deployments"),
        "Cloudflare returned success=false for GET",
    ),
    (
        "null-result",
        lambda f: f.null_result(path="*/bad/secrets"),
        "Cloudflare returned no result for GET",
    ),
    (
        "429-past-budget",
        lambda f: f.rate_limit(retry_after=600, path="*/bad/settings"),
        "rate limited past the budget",
    ),
]


@pytest.mark.parametrize(("inject", "reason"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_a_fault_fails_its_environment_only(
    fake: FakeCloudflare, clock: FakeClock, inject: Inject, reason: str
) -> None:
    seed_plain(fake, "bad", "good")
    inject(fake)
    result = read(
        fake,
        [Target("staging", "bad"), Target("production", "good")],
        clock,
        request_timeout=0.3,
        max_retries=2,
    )
    assert set(result.errors) == {"staging"}
    assert reason in result.errors["staging"]
    assert set(result.workers) == {"production"}
    assert result.workers["production"].config is not None
    assert sum(clock.sleeps) < 2  # backoffs at most: never waits out a 600 s Retry-After


def test_a_bad_token_fails_every_environment_and_is_never_retried(
    fake: FakeCloudflare,
) -> None:
    seed_plain(fake, "a", "b")
    settings = settings_for(fake, cloudflare_api_token="wrong-token")
    with pytest.raises(LiveStateError) as caught:  # one error for the run, not one per Worker
        read_live_sync([Target("x", "a"), Target("y", "b")], settings=settings, account_id=ACCOUNT)
    assert "authentication failed (HTTP 401)" in caught.value.message
    assert "CLOUDFLARE_API_TOKEN" in caught.value.message
    assert len(fake.requests) <= 2


def test_a_500_once_is_retried_and_counted(fake: FakeCloudflare) -> None:
    seed_plain(fake, "api")
    fault = fake.fail(503, path="*/api/schedules", times=1)
    result = read(fake, [Target("production", "api")])
    assert result.errors == {}
    assert fault.hits == 1
    assert fake.request_count("*/api/schedules") == 2
    assert result.workers["production"].requests == 6


def test_backoff_grows_exponentially_with_injected_sleep(
    fake: FakeCloudflare, clock: FakeClock
) -> None:
    seed_plain(fake, "api")
    fake.fail(500, path="*/api/subdomain")
    result = read(fake, [Target("p", "api")], clock, max_retries=4)
    assert "gave up after 5 attempts" in result.errors["p"]
    assert len(clock.sleeps) == 4
    for attempt, wait in enumerate(clock.sleeps):  # 0.25 s doubling, ±50 % jitter
        assert 0.125 * 2**attempt <= wait <= 0.375 * 2**attempt


def test_429_with_retry_after_1_waits_then_succeeds(fake: FakeCloudflare, clock: FakeClock) -> None:
    seed_plain(fake, "api")
    fake.rate_limit(retry_after=1, path="*/api/secrets", times=1)
    result = read(fake, [Target("production", "api")], clock)
    assert result.errors == {}
    assert clock.sleeps == [1.0]  # exactly the Retry-After, before the retry could go
    secrets = [r for r in fake.requests if r.path.endswith("/api/secrets")]
    assert [r.status for r in secrets] == [429, 200]


def test_429_without_retry_after_backs_off_and_retries(
    fake: FakeCloudflare, clock: FakeClock
) -> None:
    seed_plain(fake, "api")
    fake.fail(429, path="*/api/deployments", times=2)
    result = read(fake, [Target("production", "api")], clock)
    assert result.errors == {}
    assert fake.request_count("*/api/deployments") == 3
    # each throttle waits its backoff (0.25 s, 0.5 s, ±50 %), but never under the floor
    assert clock.sleeps == [THROTTLE_FLOOR, THROTTLE_FLOOR]


def test_the_run_timeout_turns_unfinished_environments_into_errors(
    fake: FakeCloudflare,
) -> None:
    """The slow environment is cut off by the run timeout, not by its request timeout."""
    seed_plain(fake, "slow", "fast")
    read(fake, [Target("production", "fast")])  # the SDK imported before the clock runs
    fake.hang(path="*/slow/settings")
    result = read(
        fake,
        [Target("staging", "slow"), Target("production", "fast")],
        timeout=0.5,
        request_timeout=10.0,
    )
    assert result.errors == {"staging": "not read within the run timeout of 0.5 s"}
    assert set(result.workers) == {"production"}


def test_no_token_is_a_live_state_error_naming_the_variable() -> None:
    settings = load_settings({}, cloudflare_base_url="http://127.0.0.1:9/client/v4")
    with pytest.raises(LiveStateError) as caught:
        read_live_sync([Target("p", "api")], settings=settings, account_id=ACCOUNT)
    assert caught.value.exit_code == 3
    assert caught.value.hint is not None and "CLOUDFLARE_API_TOKEN" in caught.value.hint


# --------------------------------------------------------------------------- limits


def test_concurrency_bounds_requests_in_flight(fake: FakeCloudflare) -> None:
    names = [f"w{i:02}" for i in range(20)]
    seed_plain(fake, *names)
    fake.latency = 0.02  # each request stays in flight long enough for others to overlap it
    result = read(fake, [Target(n, n) for n in names], concurrency=8)
    assert result.errors == {}
    assert result.requests == len(fake.requests) == 20 * 5 + 2  # + domains, scripts list
    peak = max_in_flight(fake.requests)
    assert 4 <= peak <= 8  # concurrent, and never more than allowed


def test_rate_limiter_spreads_requests_over_windows(
    fake: FakeCloudflare, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["a", "b", "c", "d"]
    seed_plain(fake, *names)
    granted: list[float] = []
    acquire = RateLimiter.acquire

    async def recorded(self: RateLimiter, deadline: float) -> None:
        await acquire(self, deadline)
        granted.append(clock())  # when the limiter let this request go

    monkeypatch.setattr(RateLimiter, "acquire", recorded)
    result = read(
        fake,
        [Target(n, n) for n in names],
        clock,
        rate_limit_requests=10,
        rate_limit_period=1.0,
    )
    assert result.errors == {}
    assert result.requests == len(fake.requests) == 22
    assert granted == [0.0] * 10 + [1.0] * 10 + [2.0] * 2  # 10 now, 10 after 1 s, 2 after 2 s
    assert clock.sleeps == [1.0, 1.0]


def test_shared_lookups_happen_once_per_run(fake: FakeCloudflare) -> None:
    zone_id = fake.add_zone("example.com")
    for name in ("a", "b", "c"):
        fake.put_script(ACCOUNT, name, routes=[f"example.com/{name}/*"])
    canned = {
        "success": True,
        "errors": [],
        "messages": [],
        "result": [{"id": zone_id, "name": "example.com"}],
    }
    # Answer the account's zone listing with a canned body.
    fake.fail(200, path="/zones", body=json.dumps(canned))
    result = read(fake, [Target(n, n, ("example.com",)) for n in ("a", "b", "c")])
    assert result.errors == {}
    counts = fake.counts_by_endpoint()
    assert counts["GET /zones/{zone_id}/workers/routes"] == 1
    assert counts["GET /accounts/{account_id}/workers/domains"] == 1
    assert fake.request_count("/zones") == 1
    # one listing of the account's zones, not one lookup per zone name
    assert [r.query.get("account.id") for r in fake.requests if r.path == "/zones"] == [[ACCOUNT]]
    for name in ("a", "b", "c"):
        config = result.workers[name].config
        assert config is not None and config.routes is not None
        assert [(r.pattern, r.zone_name) for r in config.routes] == [
            (f"example.com/{name}/*", "example.com")
        ]
        assert result.workers[name].requests == 5
    assert result.requests == 3 * 5 + 4  # + zones, zone routes, domains, scripts list


def test_an_unknown_zone_name_leaves_the_routes_of_the_environments_that_name_it_unread(
    fake: FakeCloudflare,
) -> None:
    seed_plain(fake, "a", "b")
    empty = {"success": True, "errors": [], "messages": [], "result": []}
    fake.fail(200, path="/zones", body=json.dumps(empty))
    result = read(fake, [Target("x", "a", ("nowhere.example",)), Target("y", "b")])
    assert result.errors == {}
    x, y = result.workers["x"], result.workers["y"]
    assert "zone 'nowhere.example' is not among the account's zones" in x.unread["routes"]
    assert x.config is not None and x.config.routes is None  # unknown, never []
    assert "routes" not in y.unread and x.config.vars == {"MODE": "a"}


def test_split_deployment_reads_each_version(fake: FakeCloudflare) -> None:
    first = fake.put_script(
        ACCOUNT, "api", vars={"MODE": "stable"}, compatibility_date="2025-01-01"
    )
    second = fake.split_deployment(ACCOUNT, "api", 10, vars={"MODE": "canary"})
    result = read(fake, [Target("production", "api")])
    worker = result.workers["production"]
    assert worker.deployment is not None
    shares = {v["version_id"]: v["percentage"] for v in worker.deployment["versions"]}
    assert shares == {first: 90.0, second: 10.0}
    assert set(worker.versions) == {first, second}
    assert worker.versions[first].vars == {"MODE": "stable"}
    assert worker.versions[second].vars == {"MODE": "canary"}
    assert worker.versions[second].compatibility_date == "2025-01-01"
    assert worker.requests == 7 < 10


# --------------------------------------------------------------------------- credentials


def test_base_url_comes_from_settings(
    fake: FakeCloudflare, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_plain(fake, "api")
    # The SDK would read this one; envman passes the URL from its settings explicitly.
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", "http://127.0.0.1:9/client/v4")
    settings = load_settings(
        {
            "CLOUDFLARE_API_TOKEN": fake.token,
            "CLOUDFLARE_BASE_URL": fake.base_url,
        }
    )
    result = read_live_sync([Target("p", "api")], settings=settings, account_id=ACCOUNT)
    assert result.errors == {}
    assert len(fake.requests) == result.requests == 7


def test_stray_global_api_key_variables_never_replace_the_token(
    fake: FakeCloudflare, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_plain(fake, "api")
    monkeypatch.setenv("CLOUDFLARE_EMAIL", "someone@example.com")
    monkeypatch.setenv("CLOUDFLARE_API_KEY", "global-api-key")
    monkeypatch.setenv("CLOUDFLARE_CUSTOM_HEADERS", "X-Auth-Email: other@example.com")
    result = read(fake, [Target("p", "api")])
    assert result.errors == {}  # the fake only accepts "Bearer test-token"
    for record in fake.requests:
        names = {name.lower() for name in record.headers}
        assert "authorization" in names
        assert not names & {"x-auth-email", "x-auth-key", "x-auth-user-service-key"}


def test_progress_reports_each_environment(fake: FakeCloudflare) -> None:
    seed_plain(fake, "api", "gone")
    fake.fail(403, path="*/gone/secrets")  # on settings, a 403 stops the run
    lines: list[str] = []
    read_live_sync(
        [Target("p", "api"), Target("s", "gone")],
        settings=settings_for(fake),
        account_id=ACCOUNT,
        progress=lines.append,
    )
    assert sorted(line.split(":")[0] for line in lines) == ["p", "s"]
    assert any("failed" in line for line in lines)


def test_optional_reads_are_skipped_when_not_wanted(fake: FakeCloudflare) -> None:
    seed_plain(fake, "lean", "full")
    fake.reset_requests()
    result = read(fake, [Target("lean", "lean", reads=frozenset()), Target("full", "full")])
    lean, full = result.workers["lean"], result.workers["full"]
    assert lean.requests == 2  # settings and deployments only
    assert full.requests == 5
    assert lean.config is not None and full.config is not None
    assert (lean.config.secrets, lean.config.triggers, lean.config.workers_dev) == (
        None,
        None,
        None,
    )
    assert full.config.secrets is not None and full.config.secrets.required == ("TOKEN",)
    assert fake.request_count("*/lean/subdomain") == 0
    assert fake.request_count("*/full/subdomain") == 1


@pytest.mark.parametrize("name", ["..", "."])
def test_a_dot_name_never_reaches_another_endpoint(fake: FakeCloudflare, name: str) -> None:
    """quote() keeps "." and "..", and httpx resolves them: `/scripts/../settings` would
    be read as `/workers/settings`. Such a Worker name or account id fails its read."""
    seed_plain(fake, "good")
    result = read(fake, [Target("staging", name), Target("production", "good")])
    assert set(result.errors) == {"staging"}
    assert "cannot be an account id or a Worker name" in result.errors["staging"]
    assert set(result.workers) == {"production"}
    fake.reset_requests()
    settings = settings_for(fake)
    unread = read_live_sync([Target("staging", "good")], settings=settings, account_id=name)
    assert set(unread.errors) == {"staging"} and not unread.workers
    assert all("/accounts/" in r.path for r in fake.requests)  # none resolved elsewhere
