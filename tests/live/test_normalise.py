"""Tests of envman.live_normalise: Cloudflare's JSON for a Worker into a WorkerConfig, failing closed."""

from __future__ import annotations

from typing import Any

import pytest

from envman.live.normalise import (
    ReadFailure,
    expect,
    expect_field,
    parse_crons,
    parse_secrets,
    settings_config,
    version_config,
)

WHAT = "GET /settings"
BINDINGS: list[dict[str, Any]] = [
    {"type": "plain_text", "name": "LOG_LEVEL", "text": "info"},
    {"type": "json", "name": "LIMITS", "json": {"max": 3}},
    {"type": "secret_text", "name": "API_KEY"},
    {"type": "kv_namespace", "name": "CACHE", "namespace_id": "kv1"},
    {"type": "d1", "name": "DB", "id": "d1-old-name"},
    {
        "type": "durable_object_namespace",
        "name": "ROOMS",
        "class_name": "Room",
        "script_name": "app",
    },
    {"type": "queue", "name": "JOBS", "queue_name": "jobs"},
    {"type": "ai", "name": "AI"},
    {"type": "messaging", "name": "ORDERS"},
]


def config(settings: dict[str, Any], unsupported: list[str] | None = None, **kw: Any) -> Any:
    given: dict[str, Any] = {"secrets": [], "crons": (), "subdomain": {}, "routes": []}
    return settings_config(
        "app", "acc", settings, WHAT, [] if unsupported is None else unsupported, **(given | kw)
    )


def test_settings_become_a_worker_config() -> None:
    unsupported: list[str] = []
    live = config(
        {"bindings": BINDINGS, "compatibility_date": "2024-01-01", "placement_mode": "smart"},
        unsupported,
        secrets=[{"name": "API_KEY", "type": "secret_text"}],
        crons=("0 * * * *",),
        subdomain={"enabled": True, "previews_enabled": False},
    )
    assert live.name == "app" and live.account_id == "acc"
    assert live.vars == {"LOG_LEVEL": "info", "LIMITS": {"max": 3}}
    assert live.kv_namespaces["CACHE"].id == "kv1"
    assert live.d1_databases["DB"].database_id == "d1-old-name"
    # a class of this very Worker: no script_name
    assert live.durable_objects["ROOMS"].script_name is None
    assert live.queues.producers["JOBS"].queue == "jobs"
    assert live.ai.binding == "AI"
    assert live.secrets.required == ("API_KEY",)
    assert (live.workers_dev, live.preview_urls) == (True, False)
    assert live.placement.mode == "smart"
    assert unsupported == ["messaging ORDERS"]


def test_fields_the_api_did_not_return_stay_none() -> None:
    live = config({"bindings": []})
    assert live.compatibility_date is None and live.logpush is None and live.workers_dev is None
    assert live.vars == {} and live.kv_namespaces == {}


def test_version_config_takes_secret_names_from_its_bindings() -> None:
    result = {
        "resources": {
            "bindings": BINDINGS[:3],
            "script_runtime": {"compatibility_flags": ["nodejs_compat"]},
        }
    }
    live = version_config("app", result, "GET /versions/v1", [])
    assert live.secrets.required == ("API_KEY",)
    assert live.compatibility_flags == ("nodejs_compat",)


@pytest.mark.parametrize(
    "bindings",
    [
        "not a list",
        [{"type": "plain_text", "name": "A"}],
        [{"type": "json", "name": "A"}],
        [{"type": "kv_namespace", "name": "A"}],
        [{"name": "A"}],
    ],
)
def test_malformed_bindings_fail_closed(bindings: Any) -> None:
    with pytest.raises(ReadFailure, match="malformed response from GET /settings"):
        config({"bindings": bindings})


def test_secrets_keep_names_and_types_only() -> None:
    result = [{"name": "API_KEY", "type": "secret_text", "text": "sk-live-value"}]
    assert parse_secrets(result, WHAT) == [{"name": "API_KEY", "type": "secret_text"}]


def test_crons_and_shape_checks() -> None:
    assert parse_crons({"schedules": [{"cron": "0 * * * *"}]}, WHAT) == ("0 * * * *",)
    assert expect({"a": 1}, dict, WHAT) == {"a": 1}
    assert expect_field({"id": "z"}, "id", str, WHAT) == "z"
    with pytest.raises(ReadFailure, match="expected a dict"):
        parse_crons([], WHAT)
    with pytest.raises(ReadFailure, match="'id' missing or not a str"):
        expect_field({"id": 1}, "id", str, WHAT)
