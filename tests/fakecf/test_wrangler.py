"""What `wrangler deploy` uploads (tests/fakecf/wrangler.py) and what the fake keeps of it.

The expected metadata below is written from wrangler 4.x's createWorkerUploadForm and deploy
flow (packages/deploy-helpers); these tests pin the mapping so that envman can rely on
"exactly what a plain wrangler deploy leaves" when it checks for false drift.
"""

from __future__ import annotations

from typing import Any

import cloudflare
import pytest

from tests.fakecf import FakeCloudflare
from tests.fakecf.fixtures import faithful_cloudflare, fake_cloudflare
from tests.fakecf.state import ApiError
from tests.fakecf.wrangler import (
    WranglerError,
    main_module_name,
    metadata_bindings,
    pending_migrations,
    placement_metadata,
    plan_deploy,
)

__all__ = ["faithful_cloudflare", "fake_cloudflare"]  # fixtures used by name

ACC = "acc123"

EVERY_KIND: dict[str, Any] = {
    "vars": {"MODE": "prod", "LIMIT": 10},
    "kv_namespaces": [
        {"binding": "CACHE", "id": "kv1", "preview_id": "kv-preview", "remote": True}
    ],
    "send_email": [{"name": "MAIL", "destination_address": "ops@example.com"}],
    "durable_objects": {
        "bindings": [
            {"name": "COUNTER", "class_name": "Counter"},
            {"name": "ROOM", "class_name": "Room", "script_name": "chat", "environment": ""},
        ]
    },
    "workflows": [{"binding": "FLOW", "name": "ingest", "class_name": "Ingest"}],
    "queues": {
        "producers": [{"binding": "JOBS", "queue": "jobs", "delivery_delay": 5}],
        "consumers": [{"queue": "jobs", "max_batch_size": 10}],
    },
    "r2_buckets": [
        {"binding": "FILES", "bucket_name": "files", "preview_bucket_name": "files-preview"},
        {"binding": "EU", "bucket_name": "eu-files", "jurisdiction": "eu"},
    ],
    "d1_databases": [
        {
            "binding": "DB",
            "database_name": "main",
            "database_id": "d1-id",
            "preview_database_id": "d1-preview",
            "migrations_dir": "migrations",
            "remote": False,
        }
    ],
    "vectorize": [{"binding": "INDEX", "index_name": "docs"}],
    "hyperdrive": [{"binding": "PG", "id": "hd1", "localConnectionString": "postgres://x"}],
    "secrets_store_secrets": [{"binding": "KEY", "store_id": "st1", "secret_name": "key"}],
    "ratelimits": [{"name": "RL", "namespace_id": "1001", "simple": {"limit": 10, "period": 60}}],
    "vpc_services": [{"binding": "VPC", "service_id": "vpc1"}],
    "services": [
        {"binding": "AUTH", "service": "auth"},
        {"binding": "BILLING", "service": "billing", "environment": "staging", "entrypoint": "Rpc"},
    ],
    "analytics_engine_datasets": [{"binding": "METRICS", "dataset": "m"}, {"binding": "RAW"}],
    "dispatch_namespaces": [
        {
            "binding": "DISPATCH",
            "namespace": "tenants",
            "outbound": {"service": "out", "environment": "production", "parameters": ["a"]},
        }
    ],
    "mtls_certificates": [{"binding": "CERT", "certificate_id": "c1"}],
    "pipelines": [{"binding": "PIPE", "pipeline": "clicks"}],
    "browser": {"binding": "BROWSER"},
    "ai": {"binding": "AI"},
    "images": {"binding": "IMAGES"},
    "media": {"binding": "MEDIA"},
    "version_metadata": {"binding": "CF_VERSION"},
    "assets": {"binding": "ASSETS", "directory": "./public", "not_found_handling": "404-page"},
    "unsafe": {"bindings": [{"name": "HELLO", "type": "hello_world", "enable_timer": True}]},
}


def test_every_binding_kind_is_uploaded_in_wranglers_shape_and_order() -> None:
    bindings = metadata_bindings(EVERY_KIND, secrets={"TOKEN": "t"}, inherit=["OLD"])
    assert bindings == [
        {"name": "OLD", "type": "inherit"},
        {"name": "MODE", "type": "plain_text", "text": "prod"},
        {"name": "LIMIT", "type": "json", "json": 10},
        {"name": "TOKEN", "type": "secret_text", "text": "t"},
        {"name": "CACHE", "type": "kv_namespace", "namespace_id": "kv1"},
        {"name": "MAIL", "type": "send_email", "destination_address": "ops@example.com"},
        {"name": "COUNTER", "type": "durable_object_namespace", "class_name": "Counter"},
        {
            "name": "ROOM",
            "type": "durable_object_namespace",
            "class_name": "Room",
            "script_name": "chat",
        },
        {"type": "workflow", "name": "FLOW", "workflow_name": "ingest", "class_name": "Ingest"},
        {"type": "queue", "name": "JOBS", "queue_name": "jobs", "delivery_delay": 5},
        {"name": "FILES", "type": "r2_bucket", "bucket_name": "files"},
        {"name": "EU", "type": "r2_bucket", "bucket_name": "eu-files", "jurisdiction": "eu"},
        {"name": "DB", "type": "d1", "id": "d1-id"},
        {"name": "INDEX", "type": "vectorize", "index_name": "docs"},
        {"name": "PG", "type": "hyperdrive", "id": "hd1"},
        {"name": "KEY", "type": "secrets_store_secret", "store_id": "st1", "secret_name": "key"},
        {
            "name": "RL",
            "type": "ratelimit",
            "namespace_id": "1001",
            "simple": {"limit": 10, "period": 60},
        },
        {"name": "VPC", "type": "vpc_service", "service_id": "vpc1"},
        {"name": "AUTH", "type": "service", "service": "auth"},
        {
            "name": "BILLING",
            "type": "service",
            "service": "billing",
            "environment": "staging",
            "entrypoint": "Rpc",
        },
        {"name": "METRICS", "type": "analytics_engine", "dataset": "m"},
        {"name": "RAW", "type": "analytics_engine"},
        {
            "name": "DISPATCH",
            "type": "dispatch_namespace",
            "namespace": "tenants",
            "outbound": {
                "worker": {"service": "out", "environment": "production"},
                "params": [{"name": "a"}],
            },
        },
        {"name": "CERT", "type": "mtls_certificate", "certificate_id": "c1"},
        {"name": "PIPE", "type": "pipelines", "pipeline": "clicks"},
        {"name": "BROWSER", "type": "browser"},
        {"name": "AI", "type": "ai"},
        {"name": "IMAGES", "type": "images"},
        {"name": "MEDIA", "type": "media"},
        {"name": "CF_VERSION", "type": "version_metadata"},
        {"name": "ASSETS", "type": "assets"},
        {"name": "HELLO", "type": "hello_world", "enable_timer": True},
    ]


def test_top_level_metadata_keys_and_what_wrangler_drops() -> None:
    config = {
        "name": "api",
        "account_id": "acc123",
        "main": "src/index.ts",
        "compatibility_date": "2025-01-01",
        "compatibility_flags": ["nodejs_compat"],
        "usage_model": "unbound",
        "keep_vars": True,
        "logpush": True,
        "placement": {"mode": "smart"},
        "limits": {"cpu_ms": 100},
        "tail_consumers": [{"service": "tail"}],
        "observability": {"enabled": True, "head_sampling_rate": 0.5},
        "workers_dev": False,
        "preview_urls": False,
        "routes": ["api.example.com/*"],
        "triggers": {"crons": ["0 * * * *"]},
        "define": {"X": "1"},
        "build": {"command": "make"},
        "vars": {},
    }
    plan = plan_deploy(config, exists=False, message="ship it", tag="v1")
    assert plan.metadata == {
        "main_module": "index.js",
        "bindings": [],
        "compatibility_date": "2025-01-01",
        "compatibility_flags": ["nodejs_compat"],
        "keep_bindings": ["plain_text", "json", "secret_text", "secret_key"],
        "logpush": True,
        "placement": {"mode": "smart"},
        "tail_consumers": [{"service": "tail"}],
        "limits": {"cpu_ms": 100},
        "annotations": {"workers/message": "ship it", "workers/tag": "v1"},
        "observability": {"enabled": True, "head_sampling_rate": 0.5},
    }
    assert not plan.use_versions_api  # a first deploy uploads the script
    assert (plan.workers_dev, plan.preview_urls, plan.crons) == (False, False, ["0 * * * *"])
    assert plan.routes == ["api.example.com/*"]


@pytest.mark.parametrize(
    ("main", "module"),
    [
        ("src/index.ts", "index.js"),
        ("worker.mjs", "worker.mjs"),
        ("a/b/app.tsx", "app.js"),
        (None, "index.js"),
    ],
)
def test_main_module_name(main: str | None, module: str) -> None:
    assert main_module_name(main) == module


@pytest.mark.parametrize(
    ("placement", "uploaded"),
    [
        (None, None),
        ({"mode": "off"}, None),
        ({"mode": "smart"}, {"mode": "smart"}),
        ({"mode": "smart", "hint": "wnam"}, {"mode": "smart", "hint": "wnam"}),
        ({"region": "aws:us-east-1"}, {"mode": "targeted", "region": "aws:us-east-1"}),
        ({"mode": "targeted", "host": "db:5432"}, {"mode": "targeted", "host": "db:5432"}),
    ],
)
def test_placement_as_wrangler_parses_it(
    placement: dict[str, Any] | None, uploaded: dict[str, Any] | None
) -> None:
    assert placement_metadata(placement) == uploaded


def test_only_migrations_after_the_live_tag_are_sent() -> None:
    migrations = [
        {"tag": "v1", "new_sqlite_classes": ["A"]},
        {"tag": "v2", "renamed_classes": [{"from": "A", "to": "B"}]},
    ]
    assert pending_migrations(migrations, None) == {
        "new_tag": "v2",
        "steps": [{"new_sqlite_classes": ["A"]}, {"renamed_classes": [{"from": "A", "to": "B"}]}],
    }
    assert pending_migrations(migrations, "v1") == {
        "old_tag": "v1",
        "new_tag": "v2",
        "steps": [{"renamed_classes": [{"from": "A", "to": "B"}]}],
    }
    assert pending_migrations(migrations, "v2") is None
    assert pending_migrations(migrations, "gone")["old_tag"] == "gone"  # type: ignore[index]


def test_workers_dev_defaults_to_no_routes_and_route_with_routes_is_refused() -> None:
    assert plan_deploy({"name": "a"}, exists=False).workers_dev is True
    assert plan_deploy({"name": "a", "route": "a.example.com/*"}, exists=False).workers_dev is False
    with pytest.raises(WranglerError, match="only one of"):
        plan_deploy({"name": "a", "route": "x/*", "routes": ["y/*"]}, exists=False)


def test_first_deploy_needs_required_secrets_in_the_secrets_file(
    fake_cloudflare: FakeCloudflare,
) -> None:
    config = {"name": "api", "secrets": {"required": ["TOKEN"]}}
    with pytest.raises(WranglerError, match="TOKEN"):
        fake_cloudflare.deploy_wrangler(ACC, config)
    fake_cloudflare.deploy_wrangler(ACC, config, secrets={"TOKEN": "t"})
    assert fake_cloudflare.secret_value(ACC, "api", "TOKEN") == "t"


def test_second_deploy_uses_the_versions_api_and_inherits_required_secrets(
    fake_cloudflare: FakeCloudflare,
) -> None:
    fake = fake_cloudflare
    config = {
        "name": "api",
        "main": "src/index.ts",
        "secrets": {"required": ["TOKEN"]},
        "vars": {"MODE": "a"},
    }
    first = fake.deploy_wrangler(ACC, config, secrets={"TOKEN": "t"})
    second = fake.deploy_wrangler(ACC, {**config, "vars": {"MODE": "b"}}, message="m")
    assert second.plan.use_versions_api and not first.plan.use_versions_api
    assert second.metadata["bindings"] == [
        {"name": "TOKEN", "type": "inherit"},
        {"name": "MODE", "type": "plain_text", "text": "b"},
    ]
    assert second.plan.script_settings == {"observability": {"enabled": False}, "tags": []}
    script = fake.script(ACC, "api")
    assert fake.secret_value(ACC, "api", "TOKEN") == "t"
    assert [v.triggered_by for v in script.versions] == ["upload", "version_upload"]
    assert [d.triggered_by for d in script.deployments] == ["upload", "deployment"]
    assert script.deployments[0].message == "Automatic deployment on upload."
    assert script.deployments[1].message == "m"
    assert script.observability == {"enabled": False}  # wrangler's PATCH when none declared


def test_a_required_secret_missing_live_is_refused_with_10057(
    fake_cloudflare: FakeCloudflare,
) -> None:
    fake = fake_cloudflare
    fake.deploy_wrangler(ACC, {"name": "api"})
    with pytest.raises(ApiError) as caught:
        fake.deploy_wrangler(ACC, {"name": "api", "secrets": {"required": ["A", "B"]}})
    assert [code for code, _ in caught.value.errors] == [10057, 10057]
    assert caught.value.message.startswith("inherit binding 'A' is invalid")


def test_keep_vars_keeps_dashboard_vars_and_a_plain_deploy_drops_them(
    fake_cloudflare: FakeCloudflare,
) -> None:
    fake = fake_cloudflare
    fake.deploy_wrangler(ACC, {"name": "api", "vars": {"MODE": "a"}}, secrets={"S": "s"})
    fake.set_var(ACC, "api", "DASH", "x")
    fake.deploy_wrangler(ACC, {"name": "api", "vars": {"MODE": "b"}, "keep_vars": True})
    names = {b["name"] for b in fake.script(ACC, "api").latest.bindings}
    assert names == {"MODE", "DASH", "S"}
    fake.deploy_wrangler(ACC, {"name": "api", "vars": {"MODE": "c"}})
    names = {b["name"] for b in fake.script(ACC, "api").latest.bindings}
    assert names == {"MODE", "S"}  # dashboard var gone, secret kept (deploys keep secrets)


def test_a_terraform_upload_with_keep_bindings_drops_unlisted_secrets(
    fake_cloudflare: FakeCloudflare,
) -> None:
    fake = fake_cloudflare
    fake.deploy_wrangler(ACC, {"name": "api"}, secrets={"S": "s"})
    version = fake.upload_script(
        ACC, "api", {"main_module": "index.js", "bindings": [], "keep_bindings": ["plain_text"]}
    )
    assert version.source == "terraform" and version.bindings == []


def test_durable_object_classes_need_a_migration(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    do = {"bindings": [{"name": "C", "class_name": "Counter"}]}
    with pytest.raises(ApiError) as caught:
        fake.deploy_wrangler(ACC, {"name": "api", "durable_objects": do})
    assert caught.value.code == 10061
    assert "Cannot create binding for class 'Counter'" in caught.value.message
    migrations = [{"tag": "v1", "new_sqlite_classes": ["Counter"]}]
    result = fake.deploy_wrangler(
        ACC, {"name": "api", "durable_objects": do, "migrations": migrations}
    )
    assert result.metadata["migrations"] == {
        "new_tag": "v1",
        "steps": [{"new_sqlite_classes": ["Counter"]}],
    }
    script = fake.script(ACC, "api")
    assert (script.migration_tag, script.do_classes) == ("v1", {"Counter"})
    # Up to date: no migrations sent, so the versions API is used.
    again = fake.deploy_wrangler(
        ACC, {"name": "api", "durable_objects": do, "migrations": migrations}
    )
    assert again.plan.use_versions_api and "migrations" not in again.metadata


def test_deploy_leaves_triggers_as_wrangler_does(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    fake.add_zone("example.com")
    fake.deploy_wrangler(
        ACC,
        {
            "name": "api",
            "routes": ["api.example.com/*", {"pattern": "app.example.com", "custom_domain": True}],
            "triggers": {"crons": ["0 * * * *"]},
        },
    )
    script = fake.script(ACC, "api")
    assert (script.subdomain_enabled, script.previews_enabled) == (False, False)
    assert [s["cron"] for s in script.schedules] == ["0 * * * *"]
    # No [triggers], no routes: the live crons, routes and domains stay.
    fake.deploy_wrangler(ACC, {"name": "api", "workers_dev": True})
    assert [s["cron"] for s in script.schedules] == ["0 * * * *"]
    assert [r["pattern"] for z in fake.zones.values() for r in z.routes] == ["api.example.com/*"]
    assert [d["hostname"] for d in fake.account(ACC).domains] == ["app.example.com"]
    assert (script.subdomain_enabled, script.previews_enabled) == (True, True)
    fake.deploy_wrangler(ACC, {"name": "api", "triggers": {"crons": []}, "preview_urls": False})
    assert script.schedules == []
    assert (script.subdomain_enabled, script.previews_enabled) == (True, False)


def test_routes_without_a_zone_need_a_zone_unless_seeding(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    with pytest.raises(WranglerError, match=r"Could not find zone for `api\.example\.org`"):
        fake.deploy_wrangler(ACC, {"name": "api", "route": "api.example.org/*"})
    fake.deploy_wrangler(ACC, {"name": "api", "route": "api.example.org/*"}, create_zones=True)
    assert fake.zone_by_name(ACC, "example.org") is not None


def test_a_route_of_another_worker_is_refused(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    fake.add_zone("example.com")
    fake.deploy_wrangler(ACC, {"name": "one", "route": "example.com/*"})
    with pytest.raises(WranglerError, match="assigned to another worker"):
        fake.deploy_wrangler(ACC, {"name": "two", "route": "example.com/*"})


def test_environment_tags_are_added_when_the_config_has_environments(
    fake_cloudflare: FakeCloudflare,
) -> None:
    fake = fake_cloudflare
    fake.deploy_wrangler(ACC, {"name": "web-staging"})
    fake.set_script_settings(ACC, "web-staging", tags=["team", "cf:service=old"])
    fake.deploy_wrangler(ACC, {"name": "web-staging"}, env="staging", top_level_name="web")
    assert fake.script(ACC, "web-staging").tags == [
        "team",
        "cf:service=web",
        "cf:environment=staging",
    ]


def test_zero_false_drift_inputs_after_a_plain_deploy(faithful_cloudflare: FakeCloudflare) -> None:
    """What GET settings answers after a plain deploy: the upload plus the catalogued
    server defaults, nothing else (the input envman's normalisation has to absorb)."""
    fake = faithful_cloudflare
    config = {
        "name": "api",
        "main": "src/index.ts",
        "compatibility_date": "2025-01-01",
        "vars": {"MODE": "prod"},
        "services": [{"binding": "AUTH", "service": "auth"}],
        "observability": {"enabled": True},
    }
    fake.deploy_wrangler(ACC, config)
    with cloudflare.Cloudflare(api_token=fake.token, base_url=fake.base_url, max_retries=0) as c:
        settings = c.get(f"/accounts/{ACC}/workers/scripts/api/settings", cast_to=object)
    assert settings["result"] == {
        "bindings": [
            {"name": "MODE", "type": "plain_text", "text": "prod"},
            {"name": "AUTH", "type": "service", "service": "auth", "environment": "production"},
        ],
        "compatibility_date": "2025-01-01",
        "compatibility_flags": [],
        "usage_model": "standard",
        "placement": {},
        "annotations": {"workers/triggered_by": "upload"},
        "logpush": False,
        "observability": {
            "enabled": True,
            "head_sampling_rate": 1,
            "logs": {
                "enabled": True,
                "head_sampling_rate": 1,
                "invocation_logs": True,
                "persist": True,
            },
            "traces": {"enabled": False, "persist": True, "head_sampling_rate": 1},
        },
        "tags": [],
        "tail_consumers": [],
    }


def test_seed_form_deploys_every_environment_of_a_project(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    fake.load_seed(
        {
            "accounts": [
                {
                    "id": ACC,
                    "zones": [{"name": "example.com"}],
                    "scripts": [
                        {
                            "wrangler": {
                                "name": "web",
                                "secrets": {"required": ["S"]},
                                "route": "web.example.com/*",
                            },
                            "env": "production",
                            "message": "seeded",
                            "author": "seed@example.com",
                        }
                    ],
                }
            ]
        }
    )
    script = fake.script(ACC, "web")
    assert script.latest.message == "seeded" and script.latest.author.email == "seed@example.com"
    assert fake.secret_value(ACC, "web", "S") == "secret-S"
