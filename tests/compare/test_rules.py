"""Cross-environment rules: shared resources and names, compatibility date order, bindings."""

from __future__ import annotations

from typing import Any

from envman.compare.rules import cross_environment
from envman.config import WorkerConfig
from envman.models import Source

ORDER = ("development", "staging", "production")


def run(
    configs: dict[str, dict[str, Any]], names: dict[str, str] | None = None
) -> list[tuple[str, str, str]]:
    typed = {env: WorkerConfig.model_validate(data) for env, data in configs.items()}
    worker_names = names or {env: f"w-{env}" for env in configs}
    findings = cross_environment(
        typed, ORDER, worker_names, lambda env, loc: Source(file=f"{env}.toml", line=1)
    )
    return sorted((f.code, f.env or "", f.path) for f in findings)


def kv(binding: str, ident: str) -> dict[str, Any]:
    return {"kv_namespaces": [{"binding": binding, "id": ident}]}


def test_distinct_resources_are_clean() -> None:
    assert run({"staging": kv("CACHE", "a"), "production": kv("CACHE", "b")}) == []


def test_shared_resource_ids_are_errors_in_the_later_environment() -> None:
    configs = {
        "staging": {
            **kv("CACHE", "same"),
            "r2_buckets": [{"binding": "X", "bucket_name": "b"}],
            "queues": {"producers": [{"binding": "Q", "queue": "jobs"}]},
            "d1_databases": [{"binding": "DB", "database_id": "d"}],
        },
        "production": {
            **kv("CACHE", "same"),
            "r2_buckets": [{"binding": "X", "bucket_name": "b"}],
            "queues": {"producers": [{"binding": "Q", "queue": "jobs"}]},
            "d1_databases": [{"binding": "DB", "database_id": "d"}],
        },
    }
    assert run(configs) == [
        ("EM201", "production", "d1_databases.DB"),
        ("EM201", "production", "kv_namespaces.CACHE"),
        ("EM201", "production", "queues.producers.Q"),
        ("EM201", "production", "r2_buckets.X"),
    ]


def test_shared_worker_name() -> None:
    assert run({"staging": {}, "production": {}}, {"staging": "w", "production": "w"}) == [
        ("EM202", "production", "name")
    ]


def routes(*routes: str | dict[str, Any]) -> dict[str, Any]:
    return {"routes": [r if isinstance(r, dict) else {"pattern": r} for r in routes]}


def test_a_route_or_custom_domain_two_workers_declare_is_an_error_in_each() -> None:
    """Found on the corpus: a deploy of the second Worker fails ("Can't deploy routes that
    are assigned to another worker"), or takes the custom domain from the first."""
    domain = {"pattern": "api.example.com", "custom_domain": True}
    configs = {
        "development": routes("https://Example.com/items*", domain),
        "staging": routes("staging.example.com/*"),
        "production": routes("example.com/items*", domain),
    }
    assert run(configs) == [
        ("EM205", "development", "routes"),
        ("EM205", "development", "routes"),
        ("EM205", "production", "routes"),
        ("EM205", "production", "routes"),
    ]


def test_a_route_on_one_worker_or_only_alike_is_no_conflict() -> None:
    same_worker = {"staging": routes("example.com/*"), "production": routes("example.com/*")}
    assert run(same_worker, {"staging": "w", "production": "w"}) == [
        ("EM202", "production", "name")  # the shared Worker is the finding
    ]
    alike = {  # another path, and a custom domain is not a route of the same text
        "staging": routes("example.com/a/*", {"pattern": "x.example.com", "custom_domain": True}),
        "production": routes("example.com/b/*", "x.example.com"),
    }
    assert run(alike) == []


def test_compatibility_date_must_not_increase_along_the_pipeline() -> None:
    configs = {
        "development": {"compatibility_date": "2025-03-01"},
        "staging": {"compatibility_date": "2025-02-01"},
        "production": {"compatibility_date": "2025-02-15"},
    }
    assert run(configs) == [("EM203", "production", "compatibility_date")]


def test_binding_missing_in_one_environment_warns_there() -> None:
    configs = {"staging": kv("CACHE", "a"), "production": {}}
    assert run(configs) == [("EM204", "production", "kv_namespaces.CACHE")]
