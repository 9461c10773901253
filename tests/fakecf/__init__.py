"""A stateful fake of the Cloudflare Workers API over real HTTP, for tests and benchmarks.

In tests, use the ``fake_cloudflare`` fixture (``tests.fakecf.fixtures``) or::

    with FakeCloudflare(token="t", account_id="acc123") as fake:
        fake.put_script("acc123", "api", vars={"MODE": "prod"}, secrets=["TOKEN"])
        client = cloudflare.Cloudflare(api_token="t", base_url=fake.base_url)

Standalone (benchmarks, manual runs)::

    python -m tests.fakecf --port 8787 --seed FILE.json --latency 0.05 [--token T]
        [--server-defaults] [--page-size N]

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
            # or what `wrangler deploy` of a resolved config leaves (FakeState.deploy_wrangler;
            # missing zones are created, missing required secrets get generated values):
            {"wrangler": {"name": "web", "vars": {...}, "kv_namespaces": [...],
                          "secrets": {"required": ["SESSION_KEY"]}},
             "secrets": {"SESSION_KEY": "value"},
             "env": "production", "message": "deploy 42", "author": "ci@example.com"}
          ]
        }
      ]
    }

Modules: ``state`` (the model and the seeding/mutation API), ``wrangler`` (what ``wrangler
deploy`` uploads, with the config-key → metadata table), ``defaults`` (the server-side
defaults catalogue; ``DEFAULTS.md`` is generated from it), ``api`` (the endpoints and the
pagination table), ``server`` (HTTP, request log, faults), ``faults``, ``fixtures``
(``fake_cloudflare``: historical answers; ``faithful_cloudflare``: server defaults on).

Served endpoints (below ``/client/v4``): zones (list with ``name``/``account.id``/``status``
filters and pagination, get); account audit logs (``since``/``before``/``direction``/
``page``/``per_page``/``action.type``/``actor.email``…; 403 with ``audit_logs_forbidden``);
scripts list; script upload (PUT multipart ``metadata``), version upload (POST
``…/versions``); script settings (GET, PATCH multipart), script-settings (GET, PATCH);
secrets (list, get, put, delete, bulk PATCH); schedules (GET, PUT); script subdomain (GET,
POST, DELETE); account subdomain (GET, PUT); custom domains (list with filters, PUT, get,
delete); deployments (list paginated, create, get); versions (list paginated, get); script
DELETE; zone routes (list, create, get, update, delete). Errors use Cloudflare's envelope
and codes (401/10000 bad token, 403/10000 unknown account or zone, 404/10007 unknown
script, 400/7000 unknown path, 400/10057 inherit of a missing binding, 400/10061 Durable
Object class without a migration, 400/10214 edit while a split deployment is live).

Who changed it: every change helper takes ``author=`` (an e-mail or an ``Actor``) and
``source=`` (``wrangler``, ``dash``, ``api``, ``terraform``, ``dash_template``…); versions
report ``metadata.author_email``/``author_id``/``source``/``created_on`` and
``annotations`` (``workers/message``, ``workers/tag``, ``workers/triggered_by``),
deployments ``author_email``, ``source`` and ``annotations``; every change is in the audit
log. Requests over HTTP act as ``FakeState.api_author`` with the source their User-Agent
implies.

Faults: see :mod:`tests.fakecf.faults` and the ``FakeCloudflare`` methods ``inject``,
``add_latency``, ``fail``, ``rate_limit``, ``hang``, ``malformed``, ``success_false``,
``null_result``, ``drop_connection``, ``clear_faults`` and the ``latency`` property.
"""

from __future__ import annotations

from tests.fakecf.faults import Fault
from tests.fakecf.server import FakeCloudflare, RequestRecord
from tests.fakecf.state import (
    Actor,
    ApiError,
    FakeState,
    WranglerDeploy,
    actor,
    var_binding,
    wrangler_bindings,
)
from tests.fakecf.wrangler import DeployPlan, WranglerError, plan_deploy

__all__ = [
    "Actor",
    "ApiError",
    "DeployPlan",
    "FakeCloudflare",
    "FakeState",
    "Fault",
    "RequestRecord",
    "WranglerDeploy",
    "WranglerError",
    "actor",
    "plan_deploy",
    "var_binding",
    "wrangler_bindings",
]
