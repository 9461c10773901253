"""The starter schema `envman init` infers: type, scope and sensitivity of each var."""

from __future__ import annotations

from typing import Any

import pytest

from envman.config import WorkerConfig
from envman.schema import (
    Stage,
    infer_secrets,
    infer_type,
    infer_vars,
    secret_looking,
    stage_aliases,
    stage_rank,
)


def stage(name: str, worker: str | None = None, **config: Any) -> Stage:
    return Stage(name, WorkerConfig.model_validate(config), worker or f"app-{name}")


def scope_of(stages: list[Stage], var: str) -> tuple[str, tuple[str, ...]]:
    (found,) = [v for v in infer_vars(stages) if v.name == var]
    return found.scope, found.reasons


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([True, False], "boolean"),
        ([1, 2], "integer"),
        ([1, 2.5], "number"),
        (["https://a.example.com", "http://localhost:8787/x"], "url"),
        (["https://a.example.com", "not a url"], "string"),
        (["true", "false"], "string"),
        ([1, "1"], "json"),
        ([{"a": 1}], "json"),
        ([True, 1], "json"),
    ],
)
def test_the_type_every_value_already_has(values: list[Any], expected: str) -> None:
    assert infer_type(values) == expected


@pytest.mark.parametrize(
    ("name", "sensitive"),
    [
        ("JWT_SECRET", True),
        ("adminSecret", True),
        ("API_TOKEN", True),
        ("STRIPE_API_KEY", True),
        ("DB_PASSWORD", True),
        ("SENTRY_DSN", True),
        ("JWT_REGISTRY_TOKENS_PUBLIC_KEY", False),
        ("GITHUB_CLIENT_ID", False),
        ("GOOGLE_KMS_KEYRING_NAME", False),
        ("ASYNC_WEBHOOK_SECRET_ENCRYPTION_KEY_VERSION", False),
        ("CACHE_KEY_PREFIX", False),
        ("LOG_LEVEL", False),
    ],
)
def test_secret_looking_names(name: str, sensitive: bool) -> None:
    assert secret_looking(name) is sensitive


def test_stage_words() -> None:
    assert {"prod", "production", "live"} <= stage_aliases("prod")
    assert stage_aliases("alanshaw") == {"alanshaw"}
    ranks = [stage_rank(n) for n in ("dev", "qa", "preview", "staging", "canary", "prod")]
    assert ranks == sorted(ranks) and stage_rank("alanshaw") == stage_rank("development")


def test_a_value_naming_a_stage_is_stage_identity() -> None:
    stages = [
        stage("staging", vars={"ENVIRONMENT": "staging", "BUCKET": "dist-prod"}),
        stage("production", vars={"ENVIRONMENT": "production", "BUCKET": "dist-prod"}),
    ]
    assert scope_of(stages, "ENVIRONMENT") == (
        "environment",
        ("names its stage (staging: 'staging')",),
    )
    assert scope_of(stages, "BUCKET")[0] == "environment"  # names production, even in staging


def test_a_stage_hostname_or_resource_is_stage_identity() -> None:
    staging = stage(
        "beta",
        worker="auth-svc",
        routes=["edge.example.com/*"],
        vars={
            "ISSUER": "https://auth-svc.acme.workers.dev",
            "APP_URL": "https://edge.example.com/app",
            "BUCKET": "uploads-s1",
        },
        r2_buckets=[{"binding": "UPLOADS", "bucket_name": "uploads-s1"}],
    )
    assert "hostname" in scope_of([staging], "ISSUER")[1][0]
    assert "hostname" in scope_of([staging], "APP_URL")[1][0]
    assert "resources" in scope_of([staging], "BUCKET")[1][0]


def test_what_differs_per_stage_as_addresses_or_identifiers_is_stage_identity() -> None:
    stages = [
        stage("a", vars={"CLIENT_ID": "Iv23liQAclientid1", "ORIGIN": "https://x.one", "TTL": 10}),
        stage(
            "b", vars={"CLIENT_ID": "Ov23liz2NEskOA2spZSE", "ORIGIN": "https://x.two", "TTL": 60}
        ),
    ]
    assert scope_of(stages, "CLIENT_ID")[0] == "environment"
    assert scope_of(stages, "ORIGIN")[0] == "environment"
    assert scope_of(stages, "TTL") == ("promotable", ())  # what promotion is for


def test_flags_levels_and_shared_values_stay_promotable() -> None:
    stages = [
        stage("staging", vars={"DEBUG": "true", "LOG_LEVEL": "debug", "REGION": "us-west-2"}),
        stage("production", vars={"DEBUG": "false", "LOG_LEVEL": "info", "REGION": "us-west-2"}),
    ]
    for var in ("DEBUG", "LOG_LEVEL", "REGION"):
        assert scope_of(stages, var)[0] == "promotable", var


def test_a_local_address_is_a_developer_machine() -> None:
    dev = stage("alice", vars={"API": "http://127.0.0.1:8000", "GW": "ipfs.localhost:8787"})
    assert scope_of([dev], "API")[0] == scope_of([dev], "GW")[0] == "environment"


def test_secrets_listed_in_some_stages() -> None:
    stages = [
        stage("staging", secrets={"required": ["JWT"]}),
        stage("production", secrets={"required": ["JWT", "STRIPE"]}),
    ]
    found = {s.name: s.environments for s in infer_secrets(stages)}
    assert found == {"JWT": None, "STRIPE": ("production",)}
