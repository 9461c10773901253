"""Who changed it: version/deployment metadata and the account audit log, through the SDK."""

from __future__ import annotations

from typing import Any

import cloudflare
import httpx
import pytest

from tests.fakecf import FakeCloudflare
from tests.fakecf.fixtures import fake_cloudflare
from tests.fakecf.state import VERSION_SOURCES

__all__ = ["fake_cloudflare"]

ACC = "acc123"
BASE = f"/accounts/{ACC}/workers/scripts/api"


def sdk(fake: FakeCloudflare) -> cloudflare.Cloudflare:
    return cloudflare.Cloudflare(api_token=fake.token, base_url=fake.base_url, max_retries=0)


def raw(fake: FakeCloudflare, path: str, **params: Any) -> Any:
    with sdk(fake) as client:
        return client.get(path, cast_to=object, options={"params": params})


def test_every_change_path_records_author_source_and_trigger(
    fake_cloudflare: FakeCloudflare,
) -> None:
    fake = fake_cloudflare
    fake.deploy_wrangler(
        ACC,
        {"name": "api", "vars": {"MODE": "a"}},
        author="ci@example.com",
        message="first",
        tag="v1",
    )
    fake.set_var(ACC, "api", "MODE", "b", author="alice@example.com")
    fake.set_secret(ACC, "api", "TOKEN", "t", author="bob@example.com", source="wrangler")
    fake.upload_script(
        ACC, "api", {"main_module": "index.js", "bindings": []}, author="tf@example.com"
    )
    fake.set_binding(
        ACC, "api", {"type": "ai", "name": "AI"}, author="eve@example.com", source="dash_template"
    )
    fake.rollback(ACC, "api", author="ops@example.com", message="bad release")
    versions = raw(fake, f"{BASE}/versions")["result"]["items"]
    assert [
        (
            v["metadata"]["author_email"],
            v["metadata"]["source"],
            v["annotations"]["workers/triggered_by"],
        )
        for v in versions
    ] == [
        ("eve@example.com", "dash_template", "version_settings"),
        ("tf@example.com", "terraform", "upload"),
        ("bob@example.com", "wrangler", "secret"),
        ("alice@example.com", "dash", "version_settings"),
        ("ci@example.com", "wrangler", "upload"),
    ]
    first = versions[-1]
    assert first["annotations"] == {
        "workers/triggered_by": "upload",
        "workers/message": "first",
        "workers/tag": "v1",
    }
    assert first["metadata"]["author_id"] != versions[0]["metadata"]["author_id"]
    assert {v["metadata"]["source"] for v in versions} <= VERSION_SOURCES
    deployments = raw(fake, f"{BASE}/deployments")["result"]["deployments"]
    active = deployments[0]
    assert (active["author_email"], active["source"]) == ("ops@example.com", "wrangler")
    assert active["annotations"] == {
        "workers/triggered_by": "rollback",
        "workers/rollback_from": deployments[1]["id"],
        "workers/message": "bad release",
    }
    # Without a version, rollback returns to the previous single-version deployment.
    assert active["versions"] == [{"version_id": versions[1]["id"], "percentage": 100.0}]


def test_changes_over_http_take_their_source_from_the_user_agent(
    fake_cloudflare: FakeCloudflare,
) -> None:
    fake = fake_cloudflare
    fake.put_script(ACC, "api", vars={"MODE": "a"})
    fake.api_author = fake.api_author.__class__("token@example.com", "f" * 32)
    headers = {"Authorization": f"Bearer {fake.token}"}
    with httpx.Client(base_url=fake.base_url, headers=headers) as http:
        for agent in (
            "wrangler/4.40.0",
            "Terraform/1.9 terraform-provider-cloudflare/5.9",
            "curl/8",
        ):
            response = http.put(
                f"{BASE}/secrets",
                json={"name": "S", "text": agent, "type": "secret_text"},
                headers={"User-Agent": agent},
            )
            assert response.status_code == 200, response.text
    versions = fake.script(ACC, "api").versions[1:]
    assert [(v.source, v.author.email) for v in versions] == [
        ("wrangler", "token@example.com"),
        ("terraform", "token@example.com"),
        ("api", "token@example.com"),
    ]
    with sdk(fake) as client:  # the SDK's own User-Agent is plain API
        client.workers.scripts.schedules.update("api", account_id=ACC, body=[{"cron": "* * * * *"}])
    schedules = [e for e in fake.audit_log(ACC) if e["resource"]["type"] == "worker_schedules"]
    assert schedules[-1]["metadata"]["source"] == "api"
    assert schedules[-1]["newValue"] == "* * * * *"


def test_audit_logs_filter_page_and_sort(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    fake.put_script(ACC, "api")  # 2025-01-01
    fake.advance_clock(days=2)
    fake.set_var(ACC, "api", "A", "1", author="alice@example.com")  # 2025-01-03
    fake.advance_clock(days=2)
    fake.set_crons(ACC, "api", ["0 * * * *"], author="bob@example.com")  # 2025-01-05
    with sdk(fake) as client:
        everything = list(client.audit_logs.list(account_id=ACC))
        assert [e.actor.email for e in everything] == [  # newest first
            "bob@example.com",
            "alice@example.com",
            "alice@example.com",
            "dev@example.com",
            "dev@example.com",
        ]
        # Dashboard edits come through the UI, wrangler (the seed) through the API.
        assert [e.interface for e in everything] == ["UI", "UI", "UI", "API", "API"]
        window = client.audit_logs.list(
            account_id=ACC, since="2025-01-02", before="2025-01-04", direction="asc"
        )
        assert [(e.action.type, e.resource.type) for e in window] == [
            ("update", "worker_script"),
            ("deploy", "worker_deployment"),
        ]
        by_actor = client.audit_logs.list(account_id=ACC, actor={"email": "bob@example.com"})
        assert [e.resource.type for e in by_actor] == ["worker_schedules"]
        fake.page_size = 2
        paged = list(client.audit_logs.list(account_id=ACC, per_page=100))
        assert [e.id for e in paged] == [e.id for e in everything]
    pages = [r for r in fake.requests if r.path.endswith("/audit_logs")][-4:]
    assert [r.query.get("page") for r in pages] == [None, ["2"], ["3"], ["4"]]
    first = raw(fake, f"/accounts/{ACC}/audit_logs", per_page=2)
    assert first["result_info"] == {
        "page": 1,
        "per_page": 2,
        "count": 2,
        "total_count": 5,
        "total_pages": 3,
    }


def test_audit_logs_answer_403_without_the_permission(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    fake.audit_logs_forbidden = True
    with sdk(fake) as client, pytest.raises(cloudflare.PermissionDeniedError) as caught:
        list(client.audit_logs.list(account_id=ACC))
    assert caught.value.body["errors"][0]["code"] == 10000  # type: ignore[index]


def test_deployments_and_versions_paginate(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    fake.put_script(ACC, "api")
    for i in range(4):
        fake.set_var(ACC, "api", "N", i)
    fake.page_size = 2
    with sdk(fake) as client:
        versions = list(client.workers.scripts.versions.list("api", account_id=ACC))
    assert [v.number for v in versions] == [5, 4, 3, 2, 1]
    first = raw(fake, f"{BASE}/deployments")
    assert len(first["result"]["deployments"]) == 2
    assert first["result_info"]["total_count"] == 5
    third = raw(fake, f"{BASE}/deployments", page=3)["result"]["deployments"]
    assert len(third) == 1 and third[0]["annotations"]["workers/triggered_by"] == "upload"
    fake.page_size = None
    recent = raw(fake, f"{BASE}/deployments", since="2025-01-01T00:00:08Z")
    assert len(recent["result"]["deployments"]) < 5
