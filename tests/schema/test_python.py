"""Tests of envman.schema_python: a user's pydantic model as the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from envman.errors import InputError
from envman.schema import Schema, export_json_schemas, load_python_schema
from tests.schema.schemas import check, codes, write

MODEL = """
    from typing import Literal

    from pydantic import BaseModel, ConfigDict, Field, HttpUrl


    class Vars(BaseModel):
        model_config = ConfigDict(strict=True)
        __envman_secrets__ = {"JWT_SECRET": {"required": True, "environments": ["production"]}}

        LOG_LEVEL: Literal["debug", "info"] = "info"
        RATE: int = Field(ge=1, le=100, description="Requests per minute.")
        API: HttpUrl = Field(json_schema_extra={"scope": "environment"})
        TOKEN: str = Field(min_length=5, json_schema_extra={"sensitive": True})
        LIMITS: dict[str, int] | None = None
        ratio: float = Field(1.0, alias="RATIO")
"""


@pytest.fixture
def python_schema(tmp_path: Path) -> Schema:
    write(tmp_path / "schema_pkg_one" / "__init__.py", "")
    write(tmp_path / "schema_pkg_one" / "config.py", MODEL)
    return load_python_schema("python:schema_pkg_one.config:Vars", tmp_path)


def test_python_schema_fields_become_vars(python_schema: Schema, tmp_path: Path) -> None:
    import sys

    assert str(tmp_path) not in sys.path
    specs = python_schema.vars
    assert {n: s.type for n, s in specs.items()} == {
        "LOG_LEVEL": "enum",
        "RATE": "integer",
        "API": "url",
        "TOKEN": "string",
        "LIMITS": "json",
        "RATIO": "number",
    }
    assert specs["LOG_LEVEL"].allowed == ("debug", "info") and not specs["LOG_LEVEL"].required
    assert (specs["RATE"].min, specs["RATE"].max, specs["RATE"].description) == (
        1,
        100,
        "Requests per minute.",
    )
    assert python_schema.scope_of("API") == "environment"
    assert python_schema.sensitive_names() == frozenset({"TOKEN", "JWT_SECRET"})
    assert python_schema.secrets["JWT_SECRET"].environments == ("production",)


def test_python_schema_validates_with_the_users_model(python_schema: Schema) -> None:
    values = {
        "LOG_LEVEL": "trace",
        "RATE": "5",
        "API": "ftp://x",
        "TOKEN": "abc",
        "EXTRA": 1,
        "JWT_SECRET": "s3cr3t",
    }
    findings = check(python_schema, "production", values, [])
    assert codes(findings) == [
        ("EM114", "secrets.JWT_SECRET"),
        ("EM110", "vars.API"),
        ("EM113", "vars.EXTRA"),
        ("EM115", "vars.JWT_SECRET"),
        ("EM111", "vars.LOG_LEVEL"),
        ("EM110", "vars.RATE"),
        ("EM111", "vars.TOKEN"),
    ]
    dumped = json.dumps([f.model_dump(mode="json") for f in findings])
    assert "s3cr3t" not in dumped and "abc" not in dumped
    assert codes(check(python_schema, "staging", {"TOKEN": "abcdef", "API": "https://x"})) == [
        ("EM112", "vars.RATE")
    ]


def test_python_schema_errors(tmp_path: Path) -> None:
    write(
        tmp_path / "schema_pkg_two.py",
        "from pydantic import BaseModel\nclass Vars(BaseModel):\n    A: int\n",
    )
    with pytest.raises(InputError, match="no pydantic model 'Varz'") as raised:
        load_python_schema("python:schema_pkg_two:Varz", tmp_path)
    assert raised.value.hint == "did you mean 'Vars'?"
    with pytest.raises(InputError, match="cannot import schema_pkg_missing"):
        load_python_schema("python:schema_pkg_missing:Vars", tmp_path)
    with pytest.raises(InputError, match=re.escape("not python:package.module:Model")):
        load_python_schema("python:schema_pkg_two", tmp_path)


def test_python_model_level_errors_and_crashes(tmp_path: Path) -> None:
    write(
        tmp_path / "schema_pkg_four.py",
        """
        from pydantic import BaseModel, model_validator

        class Vars(BaseModel):
            LOW: int = 0
            HIGH: int = 0

            @model_validator(mode="after")
            def ordered(self) -> "Vars":
                if self.LOW > self.HIGH:
                    raise ValueError("LOW must not exceed HIGH")
                if self.LOW < 0:
                    raise RuntimeError("boom")
                return self
    """,
    )
    schema = load_python_schema("python:schema_pkg_four:Vars", tmp_path)
    (finding,) = check(schema, "staging", {"LOW": 5, "HIGH": 1})
    assert (finding.code, finding.path) == ("EM111", "vars")
    assert "LOW must not exceed HIGH" in finding.message
    with pytest.raises(InputError, match="raised RuntimeError: boom"):
        check(schema, "staging", {"LOW": -1})


def test_python_schema_bad_secrets(tmp_path: Path) -> None:
    write(
        tmp_path / "schema_pkg_three.py",
        """
        from pydantic import BaseModel
        class Vars(BaseModel):
            __envman_secrets__ = {"JWT": {"requird": True}}
    """,
    )
    with pytest.raises(InputError, match="unknown key 'requird'") as raised:
        load_python_schema("python:schema_pkg_three:Vars", tmp_path)
    assert raised.value.hint == "did you mean 'required'?"


def test_python_schema_export(python_schema: Schema) -> None:
    texts = export_json_schemas(python_schema)
    env = json.loads(texts["environment.schema.json"])
    jsonschema.Draft202012Validator.check_schema(env)
    validator = jsonschema.Draft202012Validator(env)
    assert validator.is_valid({"vars": {"RATE": 5}})
    assert not validator.is_valid({"vars": {"RATE": 500}})
