"""The normalisation catalogue mirrors the fake's server defaults, and every entry is folded."""

from __future__ import annotations

from typing import Any

import pytest

from envman.bindings import BY_LIVE_TYPE
from envman.compare import compare
from envman.compare.normalisation import BY_KEY, CATALOGUE, SOURCES, counts, fold
from envman.config import WorkerConfig
from tests.fakecf.defaults import SERVER_DEFAULTS
from tests.live.test_drift_scenarios import NO_DRIFT

NOT_UPLOADED_BY_THE_FAKE_WRANGLER = {
    "vpc_networks",
    "ai_search",
    "ai_search_namespaces",
    "flagship",
}
"""Binding kinds the fake's model of `wrangler deploy` does not upload (tests/fakecf/wrangler.py)."""


def test_every_server_default_of_the_fake_is_catalogued_with_its_source() -> None:
    for key, entry in SERVER_DEFAULTS.items():
        assert key in BY_KEY, f"{key} of tests/fakecf/DEFAULTS.md is not in envman's catalogue"
        assert BY_KEY[key].source == entry["source"], key


def test_entries_are_unique_and_sourced() -> None:
    assert len(BY_KEY) == len(CATALOGUE)
    for entry in CATALOGUE:
        assert entry.source in SOURCES, entry.key
        assert entry.ref and entry.folded and entry.where, entry.key
        if entry.source == "Cloudflare docs":
            assert entry.ref.startswith("https://developers.cloudflare.com/"), entry.key
    assert sum(counts().values()) == len(CATALOGUE)


def test_the_round_trip_scenarios_cover_every_live_binding_kind() -> None:
    def kinds(config: dict[str, Any]) -> set[str]:
        parsed = WorkerConfig.model_validate(
            {k: v for k, v in config.items() if k not in ("main", "assets")}
        )
        return {k.path for k in BY_LIVE_TYPE.values() if k.entries(parsed) or _single(parsed, k)}

    covered = set().union(*(kinds(s.config) for s in NO_DRIFT))
    wanted = {k.path for k in BY_LIVE_TYPE.values()} - NOT_UPLOADED_BY_THE_FAKE_WRANGLER
    assert wanted <= covered, sorted(wanted - covered)


def _single(config: WorkerConfig, kind: Any) -> bool:
    return bool(kind.single and getattr(config, kind.field) is not None)


FOLDED: list[tuple[str, str, Any, Any]] = [
    ("usage_model", "usage_model", None, "standard"),
    ("compatibility_flags", "compatibility_flags", None, []),
    ("compatibility_date", "compatibility_date", "", None),
    ("placement", "placement", {}, {"mode": "off"}),
    ("wrangler.placement", "placement", {"hint": "aws:us-east-1"},
     {"mode": "smart", "hint": "aws:us-east-1"}),
    ("logpush", "logpush", None, False),
    ("tail_consumers", "tail_consumers", None, []),
    ("observability.absent", "observability", None, {"enabled": False, "head_sampling_rate": 1}),
    ("observability.head_sampling_rate", "observability", {"enabled": False},
     {"enabled": False, "head_sampling_rate": 1}),
    ("observability.traces.propagation_policy", "observability",
     {"enabled": False, "traces": {"enabled": True}},
     {"enabled": False, "head_sampling_rate": 1,
      "traces": {"enabled": True, "persist": True, "head_sampling_rate": 1,
                 "propagation_policy": "authenticated"}}),
    ("binding.service.environment", "services", {"A": {"service": "auth"}},
     {"A": {"service": "auth", "environment": "production"}}),
    ("binding.durable_object_namespace.script_name", "durable_objects",
     {"D": {"class_name": "C", "script_name": "me"}}, {"D": {"class_name": "C"}}),
    ("binding.workflow.script_name", "workflows",
     {"W": {"name": "w", "script_name": "me"}}, {"W": {"name": "w"}}),
    ("binding.analytics_engine.dataset", "analytics_engine_datasets", {"E": {}},
     {"E": {"dataset": "E"}}),
    ("binding.r2_bucket.jurisdiction", "r2_buckets", {"R": {"bucket_name": "b",
                                                            "jurisdiction": "default"}},
     {"R": {"bucket_name": "b"}}),
    ("wrangler.pipelines", "pipelines", {"P": {"pipeline": "p"}}, {"P": {"stream": "p"}}),
    ("wrangler.crons", "triggers", {"crons": ["0  3 * * *", "0 3 * * *"]},
     {"crons": ["0 3 * * *"]}),
]  # fmt: skip


@pytest.mark.parametrize(("key", "field", "value", "folded"), FOLDED, ids=[f[0] for f in FOLDED])
def test_each_default_folds(key: str, field: str, value: Any, folded: Any) -> None:
    assert key in BY_KEY
    assert fold(field, value, script="me") == folded
    assert fold(field, folded, script="me") == folded  # idempotent


def test_folding_never_hides_a_real_difference() -> None:
    declared = WorkerConfig.model_validate(
        {"services": [{"binding": "A", "service": "auth"}], "observability": {"enabled": True}}
    )
    live = WorkerConfig.model_validate(
        {
            "services": [{"binding": "A", "service": "auth", "environment": "staging"}],
            "observability": {"enabled": True, "logs": {"enabled": False}},
        }
    )
    assert [d.path for d in compare(declared, live, script="me")] == [
        "observability",
        "services.A",
    ]
