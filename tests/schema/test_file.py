"""Reading schemas/vars.toml: every problem of the file located, with a suggestion."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from envman.errors import InputError
from envman.schema import (
    load_schema,
)
from tests.paths import REPO
from tests.schema.schemas import schema_of, write

# --------------------------------------------------------------------------- the schema file


def test_typo_is_located_with_did_you_mean(tmp_path: Path) -> None:
    path = write(
        tmp_path / "vars.toml",
        """
        [vars.LOG_LEVEL]
        type = "string"
        requierd = true
    """,
    )
    with pytest.raises(InputError) as raised:
        load_schema(path, "schemas/vars.toml")
    error = raised.value
    assert (error.file, error.line, error.column) == ("schemas/vars.toml", 3, 1)
    assert error.hint == "did you mean 'required'?"
    assert str(error).startswith("schemas/vars.toml:3:1: vars.LOG_LEVEL.requierd: unknown key")
    assert error.exit_code == 3


@pytest.mark.parametrize(
    ("var", "message"),
    [
        ({"type": "enum"}, "has type enum but no allowed values"),
        ({"type": "integer", "min": 5, "max": 1}, "min (5) is greater than max (1)"),
        ({"min_length": 5, "max_length": 1}, "min_length (5) is greater than max_length (1)"),
        ({"pattern": "(open"}, "pattern does not compile"),
        ({"min": 1}, "min does not apply to a string var"),
        ({"type": "boolean", "allowed": [True]}, "allowed does not apply to a boolean var"),
        ({"type": "integer", "min": 1.5}, "min of an integer var must be an integer"),
        ({"type": "integer", "allowed": [1, "2"]}, "allowed value must be an integer"),
        ({"type": "enum", "allowed": ["a"], "default": "b"}, "default 'b' is not allowed"),
        ({"type": "integer", "default": "1"}, "default must be an integer"),
        ({"type": "strng"}, "Input should be"),
        ({"allowed": []}, "allowed is empty"),
        (
            {"type": "integer", "max": 9, "env": {"production": {"min": 10}}},
            "min (10) is greater than max (9) in production",
        ),
        (
            {
                "type": "enum",
                "allowed": ["a", "b"],
                "default": "a",
                "env": {"production": {"allowed": ["b"]}},
            },
            "default production does not allow 'a'",
        ),
        ({"env": {"production": {"type": "integer"}}}, "unknown key 'type'"),
        ({"required": "yes"}, "Input should be a valid boolean"),
    ],
)
def test_invalid_rules(var: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        schema_of({"vars": {"X": var}})


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path / "vars.toml",
        """
        [vars.A]
        type = "integer"
        min = 3
        max = 1

        [vars.B]
        type = "enum"

        [secrets.A]
    """,
    )
    with pytest.raises(InputError) as raised:
        load_schema(path, "vars.toml")
    text = str(raised.value)
    assert text.startswith("vars.toml:4:1: vars.A.max: min (3) is greater than max (1)")
    assert (
        "and 2 more:" in text
        and "vars.toml:6:7: vars.B" in text
        and "declared both as a var and a secret" in text
    )


def test_type_hint_for_misspelt_type() -> None:
    with pytest.raises(InputError) as raised:
        schema_of({"vars": {"X": {"type": "integr"}}})
    assert raised.value.hint == "did you mean 'integer'?"


def test_the_projects_own_schema_loads() -> None:
    schema = load_schema(REPO / "schemas" / "vars.toml", "schemas/vars.toml")
    assert schema.vars and schema.present
