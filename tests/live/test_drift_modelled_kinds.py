"""A Worker deployed with the newly modelled kinds shows no false drift against its wrangler file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from envman.compare import worker_findings
from envman.live import Target, read_live_sync
from envman.settings import load_settings
from envman.wrangler import read_wrangler, resolve
from tests.fakecf import FakeCloudflare
from tests.fakecf.fixtures import fake_cloudflare  # noqa: F401 - registers the fixture

ACCOUNT = "acc123"

WRANGLER = """\
name = "shop"
main = "src/index.ts"
compatibility_date = "2025-01-15"
workers_dev = false

[assets]
directory = "./public"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["Cart"]

[[durable_objects.bindings]]
name = "CARTS"
class_name = "Cart"

[[workflows]]
binding = "ORDERS"
name = "orders"
class_name = "OrderFlow"
limits = { steps = 100 }

[[dispatch_namespaces]]
binding = "TENANTS"
namespace = "tenants"

[[mtls_certificates]]
binding = "CERT"
certificate_id = "cert-1"

[[secrets_store_secrets]]
binding = "KEY"
store_id = "store-1"
secret_name = "stripe"

[[ratelimits]]
name = "LIMITER"
namespace_id = "1001"
simple = { limit = 100, period = 60 }

[[vpc_services]]
binding = "DB_TUNNEL"
service_id = "svc-1"

[[send_email]]
name = "MAIL"
destination_address = "ops@example.com"
"""

LIVE_BINDINGS: list[dict[str, Any]] = [
    {"type": "durable_object_namespace", "name": "CARTS", "class_name": "Cart"},
    {"type": "workflow", "name": "ORDERS", "workflow_name": "orders", "class_name": "OrderFlow"},
    {"type": "dispatch_namespace", "name": "TENANTS", "namespace": "tenants"},
    {"type": "mtls_certificate", "name": "CERT", "certificate_id": "cert-1"},
    {"type": "secrets_store_secret", "name": "KEY", "store_id": "store-1", "secret_name": "stripe"},
    {"type": "ratelimit", "name": "LIMITER", "namespace_id": "1001",
     "simple": {"limit": 100, "period": 60}},
    {"type": "vpc_service", "name": "DB_TUNNEL", "service_id": "svc-1"},
    {"type": "send_email", "name": "MAIL", "destination_address": "ops@example.com"},
]  # fmt: skip


def _drift(fake: FakeCloudflare, tmp_path: Path, bindings: list[dict[str, Any]]) -> list[str]:
    (tmp_path / "wrangler.toml").write_text(WRANGLER, encoding="utf-8")
    declared = resolve(read_wrangler(tmp_path / "wrangler.toml"), "top-level").config()
    fake.put_script(
        ACCOUNT, "shop", bindings=bindings, compatibility_date="2025-01-15", workers_dev=False
    )
    fake.script(ACCOUNT, "shop").migration_tag = "v1"  # what the deploy's migration left
    settings = load_settings({}, cloudflare_api_token=fake.token, cloudflare_base_url=fake.base_url)
    result = read_live_sync([Target("top-level", "shop", ())], settings=settings,
                            account_id=ACCOUNT)  # fmt: skip
    assert result.errors == {}
    live = result.workers["top-level"]
    assert live.unsupported == ()
    found = worker_findings("top-level", declared, live, redact=lambda _p, v: v,
                            locate=lambda _loc: None)  # fmt: skip
    return sorted(f"{f.code} {f.path}" for f in found)


def test_no_false_drift_for_the_modelled_kinds(
    fake_cloudflare: FakeCloudflare,  # noqa: F811 - imported fixture
    tmp_path: Path,
) -> None:
    assert [d for d in _drift(fake_cloudflare, tmp_path, LIVE_BINDINGS)
            if not d.endswith(("routes", "secrets", "triggers"))] == []  # fmt: skip


def test_a_changed_workflow_is_drift(
    fake_cloudflare: FakeCloudflare,  # noqa: F811 - imported fixture
    tmp_path: Path,
) -> None:
    changed = [
        {**b, "workflow_name": "orders-v2"} if b["type"] == "workflow" else b for b in LIVE_BINDINGS
    ]
    drift = _drift(fake_cloudflare, tmp_path, changed)
    assert [d for d in drift if d.startswith("EM400 workflows.ORDERS")], drift
