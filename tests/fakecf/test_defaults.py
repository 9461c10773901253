"""The server-defaults catalogue (tests/fakecf/defaults.py) and DEFAULTS.md agree, cite real
sources, and are what the fake answers with when server_defaults is on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cloudflare
import pytest

from tests.fakecf import FakeCloudflare
from tests.fakecf.defaults import SERVER_DEFAULTS, render_markdown
from tests.fakecf.fixtures import faithful_cloudflare, fake_cloudflare
from tests.paths import SHARED

__all__ = ["faithful_cloudflare", "fake_cloudflare"]

ACC = "acc123"
DEFAULTS_MD = Path(__file__).resolve().parent / "DEFAULTS.md"
SPEC_PATH = SHARED / "cloudflare" / "openapi-workers-subset.json"
SOURCES = {"openapi default", "openapi description", "Cloudflare docs", "observed"}


def test_defaults_md_is_generated_from_the_catalogue() -> None:
    assert DEFAULTS_MD.read_text(encoding="utf-8") == render_markdown(), (
        "regenerate: python -m tests.fakecf.defaults > tests/fakecf/DEFAULTS.md"
    )


def test_every_entry_names_its_source() -> None:
    for key, entry in SERVER_DEFAULTS.items():
        assert entry["source"] in SOURCES, key
        assert entry["ref"], key
        if entry["source"] == "Cloudflare docs":
            assert "https://developers.cloudflare.com/" in entry["ref"], key
        if not entry["applied"]:
            assert entry["note"].startswith("Not applied"), key


def _resolve(spec: dict[str, Any], pointer: str) -> Any:
    node: Any = spec
    for part in pointer.lstrip("#/").split("/"):
        node = node[part]
    return node


def test_openapi_defaults_are_the_specs_own() -> None:
    if not SPEC_PATH.exists():
        pytest.skip(f"Cloudflare OpenAPI subset not found at {SPEC_PATH}")
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    checked = 0
    for key, entry in SERVER_DEFAULTS.items():
        if entry["source"] != "openapi default":
            continue
        pointer = entry["ref"].split("#", 1)[1].split(" ", 1)[0]
        assert pointer.endswith("/default"), key
        assert _resolve(spec, pointer) == entry["value"], key
        checked += 1
    assert checked == sum(1 for e in SERVER_DEFAULTS.values() if e["source"] == "openapi default")


def _get(fake: FakeCloudflare, path: str) -> Any:
    with cloudflare.Cloudflare(api_token=fake.token, base_url=fake.base_url, max_retries=0) as c:
        return c.get(path, cast_to=object)["result"]


def seed(fake: FakeCloudflare) -> None:
    fake.deploy_wrangler(
        ACC,
        {
            "name": "api",
            "services": [{"binding": "AUTH", "service": "auth"}],
            "durable_objects": {"bindings": [{"name": "C", "class_name": "Counter"}]},
            "workflows": [{"binding": "FLOW", "name": "ingest", "class_name": "Ingest"}],
            "analytics_engine_datasets": [{"binding": "EVENTS"}],
            "d1_databases": [{"binding": "DB", "database_id": "d1", "database_name": "x"}],
            "migrations": [{"tag": "v1", "new_sqlite_classes": ["Counter"]}],
        },
    )


def test_faithful_reads_fill_binding_defaults(faithful_cloudflare: FakeCloudflare) -> None:
    seed(faithful_cloudflare)
    bindings = {
        b["name"]: b
        for b in _get(faithful_cloudflare, f"/accounts/{ACC}/workers/scripts/api/settings")[
            "bindings"
        ]
    }
    assert bindings["AUTH"]["environment"] == "production"
    assert bindings["C"]["script_name"] == "api" and len(bindings["C"]["namespace_id"]) == 32
    assert bindings["FLOW"]["script_name"] == "api"
    assert bindings["EVENTS"]["dataset"] == "EVENTS"
    assert bindings["DB"] == {"name": "DB", "type": "d1", "database_id": "d1"}


def test_historical_reads_leave_the_upload_alone(fake_cloudflare: FakeCloudflare) -> None:
    seed(fake_cloudflare)
    settings = _get(fake_cloudflare, f"/accounts/{ACC}/workers/scripts/api/settings")
    bindings = {b["name"]: b for b in settings["bindings"]}
    assert "environment" not in bindings["AUTH"] and "script_name" not in bindings["C"]
    assert "placement" not in settings and "annotations" not in settings
    assert settings["observability"] == {"enabled": False, "head_sampling_rate": 1}


def test_defaults_can_be_switched_on_one_by_one(fake_cloudflare: FakeCloudflare) -> None:
    seed(fake_cloudflare)
    fake_cloudflare.server_defaults = frozenset({"binding.service.environment", "placement"})
    settings = _get(fake_cloudflare, f"/accounts/{ACC}/workers/scripts/api/settings")
    bindings = {b["name"]: b for b in settings["bindings"]}
    assert bindings["AUTH"]["environment"] == "production"
    assert "script_name" not in bindings["C"]
    assert settings["placement"] == {}


@pytest.mark.parametrize(
    ("uploaded", "served"),
    [
        (None, None),  # never set: no observability key at all
        ({"enabled": False}, {"enabled": False, "head_sampling_rate": 1}),
        (
            {"enabled": True, "logs": {"invocation_logs": False}},
            {
                "enabled": True,
                "head_sampling_rate": 1,
                "logs": {
                    "invocation_logs": False,
                    "enabled": True,
                    "head_sampling_rate": 1,
                    "persist": True,
                },
                "traces": {"enabled": False, "persist": True, "head_sampling_rate": 1},
            },
        ),
        (
            {"enabled": False, "logs": {"enabled": True}},
            {
                "enabled": False,
                "head_sampling_rate": 1,
                "logs": {
                    "enabled": True,
                    "head_sampling_rate": 1,
                    "invocation_logs": True,
                    "persist": True,
                },
            },
        ),
    ],
)
def test_observability_as_served(
    faithful_cloudflare: FakeCloudflare, uploaded: dict[str, Any] | None, served: Any
) -> None:
    fake = faithful_cloudflare
    fake.put_script(ACC, "api", observability=uploaded)
    result = _get(fake, f"/accounts/{ACC}/workers/scripts/api/script-settings")
    assert result.get("observability") == served
    assert result["logpush"] is False and result["tags"] == [] and result["tail_consumers"] == []
