"""How a JSON value fits a wrangler key shape (wrangler_keys): matched, conformed, described."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from envman.wrangler.keys import B, J, N, S, Shape

DROP = object()
"""What conform() returns when no part of the value has the right type."""


def match_shape(value: Any, shape: Shape) -> Shape | None:
    """The alternative of `shape` that `value` has the JSON type of, or None."""
    if isinstance(shape, tuple):
        return next((m for alt in shape if (m := match_shape(value, alt)) is not None), None)
    if isinstance(shape, list):
        return shape if isinstance(value, list) else None
    if isinstance(shape, dict):
        return shape if isinstance(value, dict) else None
    if shape == J:
        return shape
    if shape == S:
        return shape if isinstance(value, str) else None
    if shape == B:
        return shape if isinstance(value, bool) else None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return shape if number else None


def conform(value: Any, shape: Shape) -> Any:
    """`value` with every part of the wrong type dropped (DROP when all of it is)."""
    matched = match_shape(value, shape)
    if matched is None:
        return DROP
    if isinstance(matched, list):
        return [c for item in value if (c := conform(item, matched[0])) is not DROP]
    if isinstance(matched, dict):
        result = {}
        for key, item in value.items():
            sub = matched.get(key, matched.get("*"))
            conformed = item if sub is None else conform(item, sub)
            if conformed is not DROP:
                result[key] = conformed
        return result
    return value


def unquote_hint(value: Any, shape: Shape) -> str | None:
    """For `"true"` or `"8787"` where a boolean or number belongs: drop the quotes."""
    if not isinstance(value, str):
        return None
    if match_shape(False, shape) is not None and value in ("true", "false"):
        return f"write {value} without quotes"
    if match_shape(0, shape) is not None and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
        return f"write {value} without quotes"
    return None


def describe(shape: Shape) -> str:
    """`shape` in words, for "must be …" messages: "a string", "a list of numbers"."""
    if isinstance(shape, tuple):
        return " or ".join(describe(alt) for alt in shape)
    if isinstance(shape, list):
        return f"a list of {describe(shape[0]).removeprefix('a ').removeprefix('an ')}s"
    if isinstance(shape, dict):
        return "a table"
    return {S: "a string", B: "true or false", N: "a number"}.get(shape, "a JSON value")


def kind_of(value: Any) -> str:
    """What `value` is, in words, for "…, not …" messages: "the string '8787'", "a list"."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.date | dt.time):
        return "a TOML date"
    return "null" if value is None else type(value).__name__
