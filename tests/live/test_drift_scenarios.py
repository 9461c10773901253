"""Drift never cries wolf: no-drift scenarios exit 0 against Cloudflare's defaults, drift is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakecf import FakeCloudflare
from tests.live.scenarios import ACCOUNT, Scenario, info, noisy, run_drift

BASE = {"main": "src/index.ts", "compatibility_date": "2025-01-01"}

NO_DRIFT = [
    Scenario("minimal", {"name": "minimal", **BASE}),
    Scenario(  # `remote` is for `wrangler dev`, never uploaded: found on the corpus (054)
        "single bindings marked remote for wrangler dev",
        {
            "name": "remote-dev",
            **BASE,
            "browser": {"binding": "BROWSER", "remote": True},
            "ai": {"binding": "AI", "remote": True},
        },
    ),
    Scenario(  # wrangler ignores the key (EM310) and uploads nothing: found on the corpus
        "usage_model of the old pricing, never uploaded",
        {"name": "legacy-usage", **BASE, "usage_model": "unbound"},
    ),
    Scenario(
        "observability enabled: logs and traces filled in",
        {"name": "obs", **BASE, "observability": {"enabled": True}},
    ),
    Scenario(
        "observability with part of logs and traces",
        {
            "name": "obs-part",
            **BASE,
            "observability": {
                "enabled": True,
                "head_sampling_rate": 0.5,
                "logs": {"invocation_logs": False},
                "traces": {"enabled": True},
            },
        },
    ),
    Scenario(
        "observability disabled, redeployed (versions API patches enabled=false)",
        {"name": "obs-off", **BASE, "observability": {"enabled": False}},
        deploys=2,
    ),
    Scenario(
        "bindings the API fills with its defaults",
        {
            "name": "filled",
            **BASE,
            "services": [{"binding": "AUTH", "service": "auth"}],
            "analytics_engine_datasets": [{"binding": "EVENTS"}],
            "workflows": [{"binding": "FLOW", "name": "flow", "class_name": "Flow"}],
            "durable_objects": {"bindings": [{"name": "ROOMS", "class_name": "Room"}]},
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Room"]}],
            "d1_databases": [
                {"binding": "DB", "database_name": "db", "database_id": "d1-0000-1111"}
            ],
            "r2_buckets": [{"binding": "FILES", "bucket_name": "files"}],
        },
    ),
    Scenario(
        "routes as plain strings, no zone_name",
        {"name": "routed", **BASE, "routes": ["api.example.com/*", "shop.example.com/cart/*"]},
    ),
    Scenario(
        "a route with zone_name, a zone-less route and a custom domain",
        {
            "name": "mixed-routes",
            **BASE,
            "routes": [
                {"pattern": "www.example.org/*", "zone_name": "example.org"},
                "example.com/blog/*",
                {"pattern": "app.example.com", "custom_domain": True},
            ],
            "workers_dev": False,
        },
    ),
    Scenario(
        "triggers, workers.dev, previews, placement, logpush, tail consumers, limits",
        {
            "name": "settings",
            **BASE,
            "compatibility_flags": ["nodejs_compat", "global_fetch_strictly_public"],
            "triggers": {"crons": ["*/5  * * * *", "0 3 * * *"]},
            "workers_dev": True,
            "preview_urls": False,
            "placement": {"mode": "smart"},
            "logpush": True,
            "tail_consumers": [{"service": "tail"}],
            "limits": {"cpu_ms": 100},
        },
    ),
    Scenario(
        "placement off, vars of every type, secrets",
        {
            "name": "vars",
            **BASE,
            "placement": {"mode": "off"},
            "vars": {"MODE": "prod", "RPM": 60, "FLAGS": {"beta": True}, "HOSTS": ["a", "b"]},
            "secrets": {"required": ["API_KEY"]},
        },
        secrets={"API_KEY": "value-1"},
    ),
    Scenario(
        "every other binding kind",
        {
            "name": "kinds",
            **BASE,
            "kv_namespaces": [{"binding": "KV", "id": "kv-1", "preview_id": "kv-p"}],
            "queues": {"producers": [{"binding": "Q", "queue": "jobs"}]},
            "vectorize": [{"binding": "VEC", "index_name": "idx"}],
            "hyperdrive": [{"binding": "HD", "id": "hd-1"}],
            "ai": {"binding": "AI"},
            "browser": {"binding": "BROWSER"},
            "version_metadata": {"binding": "VERSION"},
            "images": {"binding": "IMAGES"},
            "media": {"binding": "MEDIA"},
            "dispatch_namespaces": [{"binding": "TENANTS", "namespace": "tenants"}],
            "mtls_certificates": [{"binding": "CERT", "certificate_id": "cert-1"}],
            "send_email": [{"name": "MAIL", "destination_address": "ops@example.com"}],
            "ratelimits": [
                {"name": "LIMIT", "namespace_id": "1001", "simple": {"limit": 10, "period": 60}}
            ],
            "secrets_store_secrets": [
                {"binding": "SS", "store_id": "store-1", "secret_name": "stripe"}
            ],
            "vpc_services": [{"binding": "VPC", "service_id": "svc-1"}],
            "pipelines": [{"binding": "PIPE", "pipeline": "events"}],
            "assets": {"directory": "./public", "binding": "ASSETS"},
        },
    ),
    Scenario(
        "service binding to an explicit environment and entrypoint, DO in another Worker",
        {
            "name": "linked",
            **BASE,
            "services": [
                {
                    "binding": "AUTH",
                    "service": "auth",
                    "environment": "staging",
                    "entrypoint": "Api",
                }
            ],
            "durable_objects": {
                "bindings": [{"name": "LOCKS", "class_name": "Lock", "script_name": "locker"}]
            },
        },
    ),
]


@pytest.mark.parametrize("scenario", NO_DRIFT, ids=lambda s: s.name)
def test_no_drift_after_a_plain_deploy(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path, scenario: Scenario
) -> None:
    code, report = run_drift(faithful_cloudflare, tmp_path, scenario)
    assert (code, noisy(report)) == (0, []), [f.message for f in report.active]
    assert not report.unknown


def _dash(fake: FakeCloudflare, name: str) -> None:
    fake.set_var(ACCOUNT, name, "MODE", "debug", author="ops@example.com")


def _service_to_staging(fake: FakeCloudflare, name: str) -> None:
    binding = {"type": "service", "name": "AUTH", "service": "auth", "environment": "staging"}
    fake.set_binding(ACCOUNT, name, binding)


def _extra_route(fake: FakeCloudflare, name: str) -> None:
    fake.add_route("extra.example.com/*", name, account_id=ACCOUNT, source="dash")


def _triggers(fake: FakeCloudflare, name: str) -> None:
    fake.set_crons(ACCOUNT, name, ["0 4 * * *"])
    fake.set_workers_dev(ACCOUNT, name, False, previews_enabled=False)


def _filled(fake: FakeCloudflare, name: str) -> None:
    workflow = {"type": "workflow", "name": "FLOW", "workflow_name": "flow", "class_name": "Flow"}
    fake.update_version_settings(
        ACCOUNT,
        name,
        placement={"mode": "smart"},
        bindings=[
            {"type": "analytics_engine", "name": "EVENTS", "dataset": "other"},
            {**workflow, "script_name": "elsewhere"},
        ],
    )


def _browser_renamed(fake: FakeCloudflare, name: str) -> None:
    fake.remove_binding(ACCOUNT, name, "BROWSER")
    fake.set_binding(ACCOUNT, name, {"type": "browser", "name": "HEADLESS"})


DRIFT = [
    Scenario(
        "a single binding marked remote, renamed in the dashboard",
        {"name": "d-single", **BASE, "browser": {"binding": "BROWSER", "remote": True}},
        mutate=_browser_renamed,
        expect=(("browser", "changed"),),
    ),
    Scenario(
        "a var edited in the dashboard",
        {"name": "d-var", **BASE, "vars": {"MODE": "prod"}},
        mutate=_dash,
        expect=(("vars.MODE", "changed"),),
    ),
    Scenario(
        "logs switched off in the dashboard",
        {"name": "d-obs", **BASE, "observability": {"enabled": True}},
        mutate=lambda f, n: f.set_script_settings(
            ACCOUNT, n, observability={"enabled": True, "logs": {"enabled": False}}
        ),
        expect=(("observability", "changed"),),
    ),
    Scenario(
        "a service binding pointed at staging",
        {"name": "d-svc", **BASE, "services": [{"binding": "AUTH", "service": "auth"}]},
        mutate=_service_to_staging,
        expect=(("services.AUTH", "changed"),),
    ),
    Scenario(
        "a route added in the dashboard next to a zone-less one",
        {"name": "d-routes", **BASE, "routes": ["api.example.com/*"]},
        mutate=_extra_route,
        expect=(("routes", "changed"),),
    ),
    Scenario(
        "crons, workers.dev and previews changed",
        {
            "name": "d-trig",
            **BASE,
            "triggers": {"crons": ["0 3 * * *"]},
            "workers_dev": True,
            "preview_urls": True,
        },
        mutate=_triggers,
        expect=(
            ("preview_urls", "changed"),
            ("triggers.crons", "changed"),
            ("workers_dev", "changed"),
        ),
    ),
    Scenario(
        "dataset, workflow owner and placement changed",
        {
            "name": "d-fill",
            **BASE,
            "analytics_engine_datasets": [{"binding": "EVENTS"}],
            "workflows": [{"binding": "FLOW", "name": "flow", "class_name": "Flow"}],
        },
        mutate=_filled,
        expect=(("analytics_engine_datasets.EVENTS", "changed"), ("workflows.FLOW", "changed")),
    ),
]


@pytest.mark.parametrize("scenario", DRIFT, ids=lambda s: s.name)
def test_seeded_drift_is_found(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path, scenario: Scenario
) -> None:
    code, report = run_drift(faithful_cloudflare, tmp_path, scenario, attribution=False)
    assert (code, noisy(report)) == (1, sorted(scenario.expect))


def test_a_route_whose_zone_cannot_be_read_is_unknown_not_drift(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path
) -> None:
    scenario = Scenario(
        "unreadable zone", {"name": "hidden", **BASE, "routes": ["api.example.com/*"]}
    )
    faithful_cloudflare.fail(403, path="/zones", code=10000)
    code, report = run_drift(faithful_cloudflare, tmp_path, scenario)
    assert code == 3
    (unknown,) = report.active
    assert (unknown.code, unknown.path, unknown.kind) == ("EM409", "routes", "unknown")
    assert unknown.actual is None and "routes not read" in unknown.message


def test_zones_are_listed_once_per_run(faithful_cloudflare: FakeCloudflare, tmp_path: Path) -> None:
    scenario = Scenario(
        "two zones", {"name": "twice", **BASE, "routes": ["a.example.com/*", "b.example.org/*"]}
    )
    code, _ = run_drift(faithful_cloudflare, tmp_path, scenario)
    assert code == 0
    assert len([r for r in faithful_cloudflare.requests if r.path == "/zones"]) == 1


def test_live_settings_envman_does_not_model_are_listed(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path
) -> None:
    scenario = Scenario(
        "tags",
        {"name": "tagged", **BASE},
        mutate=lambda f, n: f.set_script_settings(ACCOUNT, n, tags=["team:web"]),
    )
    code, report = run_drift(faithful_cloudflare, tmp_path, scenario)
    assert code == 0
    assert [(f.code, f.path) for f in info(report)] == [("EM410", "settings.tags.team:web")]


def _migrated_elsewhere(fake: FakeCloudflare, name: str) -> None:
    fake.script(ACCOUNT, name).migration_tag = "v2"  # a deploy from another branch


def test_the_last_migration_tag_is_compared(
    faithful_cloudflare: FakeCloudflare, tmp_path: Path
) -> None:
    config = {
        "name": "rooms",
        **BASE,
        "durable_objects": {"bindings": [{"name": "ROOMS", "class_name": "Room"}]},
        "migrations": [{"tag": "v1", "new_sqlite_classes": ["Room"]}],
    }
    code, report = run_drift(faithful_cloudflare, tmp_path, Scenario("clean", config))
    assert (code, noisy(report)) == (0, [])
    code, report = run_drift(
        faithful_cloudflare, tmp_path, Scenario("moved", config, mutate=_migrated_elsewhere)
    )
    assert (code, noisy(report)) == (1, [("migrations", "changed")])
    (found,) = [f for f in report.active if f.path == "migrations"]
    assert (found.expected, found.actual) == ([{"tag": "v1"}], [{"tag": "v2"}])
