"""The typed schema of vars and secrets: types, constraints, overrides, secrets, the case folders."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from envman.errors import InputError
from envman.parse import load_document
from envman.schema import (
    REDACTED,
    empty_schema,
    load_schema,
    rules,
)
from envman.terms import Severity
from tests import paths
from tests.schema.schemas import check, codes, schema_of

CASES = paths.CASES / "schema"

# --------------------------------------------------------------------------- data-driven cases


def run_case(folder: Path) -> Any:
    try:
        schema = load_schema(folder / "vars.toml", "vars.toml")
    except InputError as e:
        return {"error": {"message": e.reason, "line": e.line, "column": e.column, "hint": e.hint}}
    document = load_document(folder / "env.toml", "env.toml")
    header = re.match(r"# env: (\S+)", document.text)
    assert header, f"{folder.name}/env.toml must start with '# env: NAME'"
    secrets = document.data.get("secrets", {}).get("required")
    findings = schema.check_env(header[1], document.data.get("vars"), secrets, document.source)
    return [f.model_dump(mode="json", exclude_none=True) for f in findings]


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_case(case: str) -> None:
    folder = CASES / case
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    assert run_case(folder) == expected


def test_there_are_enough_cases() -> None:
    assert len([p for p in CASES.iterdir() if (p / "expected.json").is_file()]) >= 8


@pytest.mark.parametrize(
    ("case", "values"),
    [
        ("secrets", ["s3cr3t-value-never-shown"]),
        ("sensitive", ["leaky-key", "gamma-0000", "123456", "alpha-7731", "beta-9911"]),
    ],
)
def test_secret_and_sensitive_values_never_appear(case: str, values: list[str]) -> None:
    dumped = json.dumps(run_case(CASES / case))
    assert REDACTED in dumped
    for value in values:
        assert value not in dumped


# --------------------------------------------------------------------------- types

ALL_TYPES: dict[str, dict[str, dict[str, Any]]] = {
    "vars": {
        "S": {"type": "string"},
        "I": {"type": "integer"},
        "N": {"type": "number"},
        "B": {"type": "boolean"},
        "U": {"type": "url"},
        "E": {"type": "enum", "allowed": ["a", "b"]},
        "J": {"type": "json"},
    }
}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("S", "text"),
        ("S", ""),
        ("I", 0),
        ("I", -12),
        ("N", 3),
        ("N", 2.5),
        ("B", True),
        ("B", False),
        ("U", "http://localhost:8787"),
        ("U", "https://api.example.com/v1?x=1"),
        ("E", "b"),
        ("J", [1, "two", {"three": 3}]),
        ("J", {"nested": {"list": []}}),
        ("J", "plain"),
        ("J", 1.5),
    ],
)
def test_valid_values(name: str, value: Any) -> None:
    schema = schema_of({"vars": {name: {**ALL_TYPES["vars"][name], "required": False}}})
    assert check(schema, "staging", {name: value}) == []


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("S", 1, "EM110"),
        ("I", True, "EM110"),
        ("I", 1.5, "EM110"),
        ("I", 1.0, "EM110"),
        ("I", "1", "EM110"),
        ("N", "1.5", "EM110"),
        ("N", False, "EM110"),
        ("B", "true", "EM110"),
        ("B", 1, "EM110"),
        ("U", "ftp://x", "EM110"),
        ("U", "not a url", "EM110"),
        ("U", "http:/missing-slash", "EM110"),
        ("U", "//example.com", "EM110"),
        ("E", "c", "EM111"),
        ("E", 1, "EM110"),
        ("J", float("nan"), "EM110"),
    ],
)
def test_invalid_values(name: str, value: Any, code: str) -> None:
    schema = schema_of({"vars": {name: ALL_TYPES["vars"][name]}})
    findings = check(schema, "staging", {name: value})
    assert codes(findings) == [(code, f"vars.{name}")]
    assert findings[0].severity is Severity.ERROR


def test_url_is_checked_as_written() -> None:
    """AnyHttpUrl would normalise the URL; the check takes it as written and passes it."""
    schema = schema_of({"vars": {"U": ALL_TYPES["vars"]["U"]}})
    assert check(schema, "production", {"U": "HTTPS://Example.com"}) == []


def test_vars_with_the_same_rules_share_one_validator(monkeypatch: pytest.MonkeyPatch) -> None:
    """500 vars of a few types cost a few validators, built once for every environment (not
    a model of 500 fields per environment); an override makes one more, where it applies."""
    built: list[object] = []
    real = rules.TypeAdapter

    def counting(annotation: object) -> object:
        built.append(annotation)
        return real(annotation)

    monkeypatch.setattr(rules, "TypeAdapter", counting)
    monkeypatch.setattr(rules, "_ADAPTERS", {})
    kinds = [{"type": "integer", "min": 0}, {"type": "enum", "allowed": ["a", "b"]}]
    declared: dict[str, Any] = {f"V{i}": dict(kinds[i % 2]) for i in range(500)}
    declared["V1"]["env"] = {"production": {"allowed": ["a"]}}
    schema = schema_of({"vars": declared})
    values = {f"V{i}": 1 if i % 2 == 0 else "a" for i in range(500)}
    for env in ("development", "staging", "production"):
        assert check(schema, env, values) == []
    # the integer rules, the enum's, the enum's without `allowed` (which checks the allowed
    # values themselves when the schema is read) and production's override
    assert len(built) == 4, built
    assert codes(check(schema, "production", {**values, "V1": "b"})) == [("EM111", "vars.V1")]
    assert len(built) == 4


def test_type_message_and_hint() -> None:
    schema = schema_of({"vars": {"RATE": {"type": "integer"}}})
    (finding,) = check(schema, "production", {"RATE": "60"})
    assert finding.message == "must be an integer (no quotes, no decimals); got a string '60'"
    assert finding.hint == "remove the quotes: TOML strings are never converted"
    assert (finding.expected, finding.actual) == ("integer", "60")


# --------------------------------------------------------------------------- constraints


@pytest.mark.parametrize(
    ("rules", "value", "message"),
    [
        ({"type": "integer", "min": 1}, 0, "must be at least 1 (min); got 0"),
        ({"type": "number", "max": 1}, 1.5, "must be at most 1 (max); got 1.5"),
        ({"min_length": 3}, "ab", "must be at least 3 characters long (min_length); got 2"),
        ({"max_length": 1}, "ab", "must be at most 1 characters long (max_length); got 2"),
        (
            {"pattern": "[a-z]+"},
            "abc1",
            "must fully match the pattern '[a-z]+' (pattern); got 'abc1'",
        ),
        ({"type": "url", "pattern": "https://.*"}, "http://x", "must fully match the pattern"),
        ({"type": "integer", "allowed": [1, 2]}, 3, "3 is not allowed (allowed: 1, 2)"),
    ],
)
def test_constraints(rules: dict[str, Any], value: Any, message: str) -> None:
    schema = schema_of({"vars": {"X": rules}})
    (finding,) = check(schema, "staging", {"X": value})
    assert finding.code == "EM111"
    assert finding.message.startswith(message)


def test_pattern_is_a_full_match() -> None:
    schema = schema_of({"vars": {"X": {"pattern": "https://"}}})
    assert codes(check(schema, "staging", {"X": "https://x"})) == [("EM111", "vars.X")]
    assert check(schema, "staging", {"X": "https://"}) == []


def test_override_names_the_environment() -> None:
    schema = schema_of(
        {
            "vars": {
                "LOG_LEVEL": {
                    "type": "enum",
                    "allowed": ["debug", "info", "warn", "error"],
                    "env": {"production": {"allowed": ["info", "warn", "error"]}},
                }
            }
        }
    )
    (finding,) = check(schema, "production", {"LOG_LEVEL": "debug"})
    assert finding.message == "production does not allow 'debug' (allowed: info, warn, error)"
    assert finding.expected == {"allowed": ["info", "warn", "error"]}
    assert check(schema, "staging", {"LOG_LEVEL": "debug"}) == []


def test_required_default_and_per_env_required() -> None:
    schema = schema_of(
        {
            "vars": {
                "NEEDED": {"type": "integer"},
                "DEFAULTED": {"type": "integer", "default": 3},
                "OPTIONAL": {"required": False},
                "DEV_ONLY": {"required": False, "env": {"development": {"required": True}}},
            }
        }
    )
    assert codes(check(schema, "production", {})) == [("EM112", "vars.NEEDED")]
    assert codes(check(schema, "development", {"NEEDED": 1})) == [("EM112", "vars.DEV_ONLY")]
    assert schema.check_env("production", None, None, lambda loc: None)[0].code == "EM112"


# --------------------------------------------------------------------------- undeclared, secrets


def test_undeclared_var_is_a_warning_only_with_a_schema() -> None:
    schema = schema_of({"vars": {"LOG_LEVEL": {}}})
    (finding,) = check(schema, "staging", {"LOG_LEVEL": "x", "LOG_LEVL": "y"})
    assert (finding.code, finding.severity) == ("EM113", Severity.WARNING)
    assert finding.hint == "did you mean 'LOG_LEVEL'?"
    assert check(empty_schema(), "staging", {"ANYTHING": 1}, ["ANY_SECRET"]) == []


def test_secret_as_var_never_echoes_the_value() -> None:
    schema = schema_of({"secrets": {"JWT_SECRET": {}}})
    findings = check(schema, "production", {"JWT_SECRET": "hunter2-the-value"}, ["JWT_SECRET"])
    assert codes(findings) == [("EM115", "vars.JWT_SECRET")]
    assert "hunter2-the-value" not in json.dumps([f.model_dump(mode="json") for f in findings])


def test_secret_environments() -> None:
    schema = schema_of(
        {"secrets": {"STRIPE": {"environments": ["production"]}, "OPT": {"required": False}}}
    )
    assert codes(check(schema, "production", {}, [])) == [("EM114", "secrets.STRIPE")]
    assert check(schema, "staging", {}, []) == []
    (warning,) = check(schema, "staging", {}, ["STRIPES"])
    assert (warning.code, warning.hint) == ("EM116", "did you mean 'STRIPE'?")


def test_sensitive_names_scope_and_redact() -> None:
    schema = schema_of(
        {
            "vars": {"DSN": {"sensitive": True}, "URL": {"scope": "environment"}, "PLAIN": {}},
            "secrets": {"JWT": {}},
        }
    )
    assert schema.sensitive_names() == frozenset({"DSN", "JWT"})
    assert (schema.scope_of("URL"), schema.scope_of("PLAIN"), schema.scope_of("NEW")) == (
        "environment",
        "promotable",
        "promotable",
    )
    assert schema.redact("vars.DSN", "https://k@x") == REDACTED
    assert schema.redact("vars.JWT", "leaked") == REDACTED
    assert schema.redact("secrets.JWT", "x") == REDACTED
    assert schema.redact("vars.PLAIN", "ok") == "ok"
    assert schema.redact("secrets.required", ["JWT"]) == ["JWT"]


def test_sensitive_values_are_redacted_in_every_field() -> None:
    schema = schema_of(
        {
            "vars": {
                "PIN": {"type": "integer", "sensitive": True, "allowed": [1111]},
                "KEY": {"sensitive": True, "min_length": 30},
            }
        }
    )
    findings = check(schema, "production", {"PIN": 4242, "KEY": "short-but-secret"})
    dumped = json.dumps([f.model_dump(mode="json") for f in findings])
    assert codes(findings) == [("EM111", "vars.KEY"), ("EM111", "vars.PIN")]
    assert "4242" not in dumped and "1111" not in dumped and "short-but-secret" not in dumped


# --------------------------------------------------------------------------- properties


@given(
    bounds=st.tuples(st.integers(-1000, 1000), st.integers(-1000, 1000)).map(sorted),
    values=st.lists(st.integers(-1500, 1500), min_size=1, max_size=5),
)
def test_integer_bounds(bounds: list[int], values: list[int]) -> None:
    low, high = bounds
    schema = schema_of(
        {
            "vars": {
                f"V{i}": {"type": "integer", "min": low, "max": high} for i in range(len(values))
            }
        }
    )
    findings = check(schema, "production", {f"V{i}": v for i, v in enumerate(values)})
    assert {f.path for f in findings} == {
        f"vars.V{i}" for i, v in enumerate(values) if not low <= v <= high
    }
    assert all(f.code == "EM111" for f in findings)
