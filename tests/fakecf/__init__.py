"""A stateful fake of the Cloudflare Workers API over real HTTP, for tests and benchmarks.

In tests, use the ``fake_cloudflare`` fixture (``tests.fakecf.fixtures``) or::

    with FakeCloudflare(token="t", account_id="acc123") as fake:
        fake.put_script("acc123", "api", vars={"MODE": "prod"}, secrets=["TOKEN"])
        client = cloudflare.Cloudflare(api_token="t", base_url=fake.base_url)

Standalone (benchmarks, manual runs)::

    python -m tests.fakecf --port 8787 --seed FILE.json --latency 0.05 [--token T]

prints the base URL (``http://127.0.0.1:8787/client/v4``) as the first line of stdout and
serves until interrupted (SIGINT/SIGTERM). With no ``--seed`` an empty account ``acc123``
exists.

Seed file format (JSON)::

    {
      "token": "test-token",                  # optional; --token overrides
      "accounts": [
        {
          "id": "acc123",
          "subdomain": "acme",                # workers.dev subdomain; default: the id
          "zones": [{"name": "example.com", "id": "<32 hex, optional>"}],
          "scripts": [
            # keyword arguments of FakeState.put_script, plus "name":
            {"name": "api", "compatibility_date": "2024-09-23",
             "vars": {"MODE": "prod", "LIMITS": {"rpm": 60}},
             "bindings": [{"type": "kv_namespace", "name": "CACHE", "namespace_id": "..."}],
             "secrets": {"API_KEY": "value"},  # or ["API_KEY"]
             "crons": ["*/5 * * * *"], "workers_dev": true,
             "routes": ["api.example.com/*"], "custom_domains": ["app.example.com"]},
            # or what `wrangler deploy` of a resolved config would leave:
            {"wrangler": {"name": "web", "vars": {...}, "kv_namespaces": [...],
                          "secrets": {"required": ["SESSION_KEY"]}},
             "secrets": {"SESSION_KEY": "value"}}
          ]
        }
      ]
    }

Served endpoints (below ``/client/v4``): scripts list; script settings (GET, PATCH
multipart), script-settings (GET, PATCH); secrets (list, get, put, delete, bulk PATCH);
schedules (GET, PUT); script subdomain (GET, POST, DELETE); account subdomain (GET, PUT);
custom domains (list with filters, PUT, get, delete); deployments (list, create, get);
versions (list, get); script DELETE; zone routes (list, create, get, update, delete).
Errors use Cloudflare's envelope and codes (401/10000 bad token, 403/10000 unknown account
or zone, 404/10007 unknown script, 400/7000 unknown path).

Faults: see :mod:`tests.fakecf.faults` and the ``FakeCloudflare`` methods ``inject``,
``add_latency``, ``fail``, ``rate_limit``, ``hang``, ``malformed``, ``success_false``,
``null_result``, ``drop_connection``, ``clear_faults`` and the ``latency`` property.
"""

from __future__ import annotations

from tests.fakecf.faults import Fault
from tests.fakecf.server import FakeCloudflare, RequestRecord
from tests.fakecf.state import ApiError, FakeState, var_binding, wrangler_bindings

__all__ = [
    "ApiError",
    "FakeCloudflare",
    "FakeState",
    "Fault",
    "RequestRecord",
    "var_binding",
    "wrangler_bindings",
]
