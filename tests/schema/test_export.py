"""The editor JSON Schemas: valid, deterministic, and what `envman schema export` writes and checks."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from envman.schema import (
    export_json_schemas,
    load_schema,
)
from tests.inprocess import Envman
from tests.paths import REPO

# --------------------------------------------------------------------------- JSON Schema export


@pytest.fixture(scope="module")
def exported() -> dict[str, Any]:
    schema = load_schema(REPO / "schemas" / "vars.toml", "schemas/vars.toml")
    return {name: json.loads(text) for name, text in export_json_schemas(schema).items()}


def test_export_is_valid_deterministic_json_schema() -> None:
    schema = load_schema(REPO / "schemas" / "vars.toml", "schemas/vars.toml")
    texts = export_json_schemas(schema)
    assert set(texts) == {
        "envman.schema.json",
        "environment.schema.json",
        "vars.schema.json",
        "vars-schema.schema.json",
    }
    assert texts == export_json_schemas(schema)
    for text in texts.values():
        assert text.endswith("}\n")
        document = json.loads(text)
        assert "$id" not in document
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        jsonschema.Draft202012Validator.check_schema(document)
        assert text == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert set(export_json_schemas(None)) == {
        "envman.schema.json",
        "environment.schema.json",
        "vars-schema.schema.json",
    }


@pytest.mark.parametrize("env", ["base", "development", "staging", "production"])
def test_environment_files_validate(exported: dict[str, Any], env: str) -> None:
    data = tomllib.loads((REPO / "environments" / f"{env}.toml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(exported["environment.schema.json"])
    assert [e.message for e in validator.iter_errors(data)] == []


WORKER = {
    "name": "w",
    "routes": ["example.com/*", {"pattern": "api.example.com", "custom_domain": True}],
    "kv_namespaces": [{"binding": "CACHE", "id": "abc"}],
    "durable_objects": {"bindings": [{"name": "ROOM", "class_name": "Room"}]},
    "queues": {
        "producers": [{"binding": "JOBS", "queue": "jobs"}],
        "consumers": [{"queue": "jobs", "max_batch_size": 10}],
    },
    "secrets": {"required": ["JWT_SECRET"]},
}


@pytest.mark.parametrize(
    ("change", "valid"),
    [
        ({}, True),
        ({"kv_namespace": [{"binding": "X", "id": "y"}]}, False),
        ({"kv_namespaces": [{"id": "no-binding"}]}, False),
        ({"kv_namespaces": {"CACHE": {"id": "keyed-form"}}}, False),
        ({"workers_dev": "yes"}, False),
        ({"vars": {"RATE_LIMIT_PER_MINUTE": 5}}, False),
        ({"vars": {"LOG_LEVEL": 3}}, False),
        ({"vars": {"JWT_SECRET": "x"}}, False),
        ({"vars": {"API_BASE_URL": "http://dashboard.example.com"}}, False),
        ({"vars": {"UNDECLARED": "fine", "LOG_LEVEL": "debug"}}, True),
    ],
)
def test_environment_schema_accepts_the_file_form(
    exported: dict[str, Any], change: dict[str, Any], valid: bool
) -> None:
    validator = jsonschema.Draft202012Validator(exported["environment.schema.json"])
    assert validator.is_valid({**WORKER, **change}) is valid


def test_vars_schema_file_schema_describes_vars_toml(exported: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(exported["vars-schema.schema.json"])
    assert validator.is_valid(
        tomllib.loads((REPO / "schemas" / "vars.toml").read_text(encoding="utf-8"))
    )
    assert not validator.is_valid({"vars": {"X": {"requierd": True}}})


def test_envman_schema_describes_envman_toml(exported: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(exported["envman.schema.json"])
    assert validator.is_valid(tomllib.loads((REPO / "envman.toml").read_text(encoding="utf-8")))
    assert not validator.is_valid({"worker": "w", "environments": ["a"], "enviroments": []})


def test_committed_json_schemas_are_up_to_date(envman: Envman) -> None:
    result = envman("schema", "export", "--check", cwd=REPO)
    assert result.code == 0, "run `envman schema export` and commit schemas/:\n" + result.out


def test_export_writes_and_check_notices_staleness(project: Path, envman: Envman) -> None:
    tmp_path = project
    stale = tmp_path / "schemas/environment.schema.json"
    stale.write_text("{}\n")
    assert envman("schema", "export", "--check", cwd=tmp_path).code == 1
    result = envman("schema", "export", cwd=tmp_path)
    assert result.code == 0 and "written  environment.schema.json" in result.out
    assert stale.read_text() == (REPO / "schemas/environment.schema.json").read_text()
