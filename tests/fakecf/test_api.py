"""Zones, zone-less route resolution and the writes `envman reconcile --push` makes."""

from __future__ import annotations

import json
from typing import Any

import cloudflare
import httpx
import pytest

from tests.fakecf import FakeCloudflare
from tests.fakecf.fixtures import fake_cloudflare

__all__ = ["fake_cloudflare"]

ACC = "acc123"
BASE = f"/accounts/{ACC}/workers/scripts/api"


def sdk(fake: FakeCloudflare) -> cloudflare.Cloudflare:
    return cloudflare.Cloudflare(api_token=fake.token, base_url=fake.base_url, max_retries=0)


def raw(fake: FakeCloudflare, path: str, **params: Any) -> Any:
    with sdk(fake) as client:
        return client.get(path, cast_to=object, options={"params": params})


# --------------------------------------------------------------------------- zones
def test_zones_filter_by_name_and_account_and_paginate(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    fake.add_account("other")
    for name in ("example.com", "api.example.com", "example.org", "shop.example.net"):
        fake.add_zone(name, account_id=ACC)
    fake.add_zone("example.com.au", account_id="other")
    with sdk(fake) as client:
        exact = list(client.zones.list(name="example.com"))
        assert [(z.name, z.account.id) for z in exact] == [("example.com", ACC)]
        mine = [z.name for z in client.zones.list(account={"id": ACC})]
        assert mine == ["api.example.com", "example.com", "example.org", "shop.example.net"]
        assert [z.name for z in client.zones.list(name="ends_with:.com")] == [
            "api.example.com",
            "example.com",
        ]
        fake.page_size = 1
        assert [z.name for z in client.zones.list()] == [
            "api.example.com",
            "example.com",
            "example.com.au",
            "example.org",
            "shop.example.net",
        ]
        assert client.zones.get(zone_id=exact[0].id).name == "example.com"  # type: ignore[union-attr]
    listed = raw(fake, "/zones", per_page=5)
    assert listed["result_info"] == {
        "page": 1,
        "per_page": 1,
        "count": 1,
        "total_count": 5,
        "total_pages": 5,
    }
    # The SDK asks for one page past the last (an empty one) before it stops: 2 + 2 + 2
    # for the first three lists, 5 + 1 for the paged one, 1 raw request.
    assert fake.request_count("/zones") == 13


def test_zone_less_routes_go_to_the_longest_matching_zone(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    short = fake.add_zone("example.com")
    long = fake.add_zone("api.example.com")
    fake.deploy_wrangler(
        ACC,
        {
            "name": "api",
            "routes": [
                "v1.api.example.com/*",
                "*.example.com/static/*",
                {"pattern": "shop.example.com/*", "zone_name": "example.com"},
                {"pattern": "api.example.com/health", "zone_id": short},
            ],
        },
    )
    with sdk(fake) as client:
        by_zone = {
            zone: sorted(r.pattern for r in client.workers.routes.list(zone_id=zone))
            for zone in (short, long)
        }
    assert by_zone == {
        long: ["v1.api.example.com/*"],
        short: ["*.example.com/static/*", "api.example.com/health", "shop.example.com/*"],
    }
    assert fake.resolve_zone(ACC, "deep.v1.api.example.com") is fake.zones[long]
    assert fake.resolve_zone(ACC, "example.net") is None


def test_custom_domains_resolve_their_zone_the_same_way(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    fake.add_zone("example.com")
    long = fake.add_zone("app.example.com")
    fake.deploy_wrangler(
        ACC, {"name": "api", "routes": [{"pattern": "eu.app.example.com", "custom_domain": True}]}
    )
    (domain,) = fake.account(ACC).domains
    assert (domain["zone_id"], domain["zone_name"]) == (long, "app.example.com")


# --------------------------------------------------------------------------- reconcile --push
def _settings(settings: dict[str, Any]) -> dict[str, Any]:
    return {"settings": (None, json.dumps(settings), "application/json")}


def test_push_settings_keeps_secrets_through_inherit(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    fake.deploy_wrangler(ACC, {"name": "api", "vars": {"MODE": "a"}}, secrets={"TOKEN": "t"})
    fake.set_var(ACC, "api", "MODE", "dashboard")
    with sdk(fake) as client:
        client.workers.scripts.script_and_version_settings.edit(
            "api",
            account_id=ACC,
            settings={
                "bindings": [
                    {"type": "plain_text", "name": "MODE", "text": "a"},
                    {"type": "inherit", "name": "TOKEN"},
                ],
                "observability": {"enabled": True},
            },
        )
    script = fake.script(ACC, "api")
    assert fake.secret_value(ACC, "api", "TOKEN") == "t"
    assert {b["name"]: b.get("text") for b in script.latest.bindings} == {"MODE": "a", "TOKEN": "t"}
    assert script.observability == {"enabled": True}
    assert (script.latest.source, script.latest.author.email) == (
        "api",
        "api-token-owner@example.com",
    )
    assert script.active_deployment is not None
    assert script.active_deployment.versions[0]["version_id"] == script.latest.id
    changes = [(e["resource"]["type"], e["metadata"]["source"]) for e in fake.audit_log(ACC)][-3:]
    assert changes == [
        ("worker_script", "api"),
        ("worker_deployment", "api"),
        ("worker_script_settings", "api"),
    ]


def test_push_settings_refuses_what_needs_new_code(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    fake.deploy_wrangler(ACC, {"name": "api"})
    before = len(fake.script(ACC, "api").versions)
    with sdk(fake) as client:
        with pytest.raises(cloudflare.BadRequestError) as main:
            client.workers.scripts.script_and_version_settings.edit(
                "api",
                account_id=ACC,
                settings={"main_module": "other.js"},  # type: ignore[typeddict-unknown-key]
            )
        assert "needs new code" in main.value.body["errors"][0]["message"]  # type: ignore[index]
        new_class = {"type": "durable_object_namespace", "name": "C", "class_name": "Counter"}
        with pytest.raises(cloudflare.BadRequestError) as do:
            client.workers.scripts.script_and_version_settings.edit(
                "api", account_id=ACC, settings={"bindings": [new_class]}
            )
        assert do.value.body["errors"][0]["code"] == 10061  # type: ignore[index]
        assert len(fake.script(ACC, "api").versions) == before  # nothing changed
        client.workers.scripts.script_and_version_settings.edit(
            "api",
            account_id=ACC,
            settings={
                "bindings": [new_class],
                "migrations": {"new_tag": "v1", "new_sqlite_classes": ["Counter"]},
            },
        )
    assert fake.script(ACC, "api").migration_tag == "v1"


def test_push_triggers_routes_domains_and_subdomain(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    zone = fake.add_zone("example.com")
    fake.deploy_wrangler(ACC, {"name": "api", "routes": ["old.example.com/*"]})
    (old,) = fake.zones[zone].routes
    with sdk(fake) as client:
        client.workers.scripts.schedules.update("api", account_id=ACC, body=[{"cron": "0 1 * * *"}])
        client.workers.routes.update(
            old["id"], zone_id=zone, pattern="new.example.com/*", script="api"
        )
        created = client.workers.routes.create(
            zone_id=zone, pattern="b.example.com/*", script="api"
        )
        client.workers.routes.delete(created.id, zone_id=zone)  # type: ignore[arg-type]
        domain = client.workers.domains.update(
            account_id=ACC, hostname="app.example.com", service="api", zone_id=zone
        )
        client.workers.domains.delete(domain.id, account_id=ACC)  # type: ignore[arg-type]
        client.workers.scripts.subdomain.create("api", account_id=ACC, enabled=True)
        assert client.workers.scripts.subdomain.get("api", account_id=ACC).previews_enabled
        client.workers.scripts.subdomain.delete("api", account_id=ACC)
        client.workers.scripts.settings.edit("api", account_id=ACC, logpush=True)
    script = fake.script(ACC, "api")
    assert [s["cron"] for s in script.schedules] == ["0 1 * * *"]
    assert [r["pattern"] for r in fake.zones[zone].routes] == ["new.example.com/*"]
    assert fake.account(ACC).domains == []
    assert (script.subdomain_enabled, script.previews_enabled, script.logpush) == (
        False,
        False,
        True,
    )
    pushed = [
        (e["action"]["type"], e["resource"]["type"])
        for e in fake.audit_log(ACC)
        if e["metadata"]["source"] == "api"
    ]
    assert pushed == [
        ("update", "worker_schedules"),
        ("update", "worker_route"),
        ("create", "worker_route"),
        ("delete", "worker_route"),
        ("create", "worker_custom_domain"),
        ("delete", "worker_custom_domain"),
        ("update", "worker_subdomain"),
        ("update", "worker_subdomain"),
        ("update", "worker_script_settings"),
    ]


def test_upload_over_http_creates_a_script_with_api_defaults(
    fake_cloudflare: FakeCloudflare,
) -> None:
    fake = fake_cloudflare
    files = {
        "metadata": (None, json.dumps({"main_module": "w.js", "bindings": []}), "application/json"),
        "w.js": ("w.js", b"export default {}", "application/javascript+module"),
    }
    headers = {"Authorization": f"Bearer {fake.token}"}
    with httpx.Client(base_url=fake.base_url, headers=headers) as http:
        response = http.put(BASE, files=files)
    assert response.status_code == 200, response.text
    assert response.json()["result"]["entry_point"] == "w.js"
    with sdk(fake) as client:
        subdomain = client.workers.scripts.subdomain.get("api", account_id=ACC)
    script = fake.script(ACC, "api")
    assert (subdomain.enabled, script.latest.compatibility_date) == (False, "")
    assert script.latest.triggered_by == "upload" and script.latest.source == "api"
