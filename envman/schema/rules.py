"""One var's rules as a pydantic type, with the messages for values that break them."""

from __future__ import annotations

import json
import math
import re
from datetime import date, time
from functools import cache, partial
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    Field,
    Strict,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

from envman.schema.pattern import Pattern, compile_pattern

if TYPE_CHECKING:
    from collections.abc import Callable

    from envman.schema.specs import VarSpec

REDACTED = "<redacted>"


def annotation(spec: VarSpec) -> Any:
    """The pydantic type of a var's value under `spec`'s rules."""
    base: Any = {"integer": int, "number": float, "boolean": bool, "json": Any}.get(spec.type, str)
    meta: list[Any] = [] if spec.type == "json" else [Strict()]
    if spec.type == "url":
        meta.append(AfterValidator(_check_url))
    if spec.type == "json":
        meta.append(AfterValidator(_check_json))
    # Field ignores the bounds that are None.
    meta.append(
        Field(ge=spec.min, le=spec.max, min_length=spec.min_length, max_length=spec.max_length)
    )
    if spec.pattern is not None:
        meta.append(AfterValidator(partial(_check_pattern, compile_pattern(spec.pattern))))
    if spec.allowed is not None:
        meta.append(AfterValidator(partial(_check_allowed, spec.allowed)))
    return Annotated[(base, *meta)]


_ADAPTERS: dict[str, TypeAdapter[Any]] = {}
_MAX_ADAPTERS = 4096
"""Bounds the cache in a long-lived process (a test session); a project has a handful."""


def validator(spec: VarSpec) -> Callable[[Any], Any]:
    """What validates a value under `spec`'s rules (raising pydantic's ValidationError).

    Built once for each distinct set of rules and shared by every var that has them: 500
    vars of a handful of types need a handful of validators, not a model of 500 fields
    in each environment.
    """
    rules = (spec.min, spec.max, spec.min_length, spec.max_length, spec.pattern, spec.allowed)
    key = repr((spec.type, *rules))
    adapter = _ADAPTERS.get(key)
    if adapter is None:
        if len(_ADAPTERS) >= _MAX_ADAPTERS:
            _ADAPTERS.clear()
        adapter = _ADAPTERS[key] = TypeAdapter(annotation(spec))
    return adapter.validator.validate_python


def first_error(validate: Callable[[Any], Any], value: Any) -> str | None:
    """The pydantic error type of the first rule `value` breaks, or None when it passes."""
    try:
        validate(value)
    except ValidationError as e:
        return str(e.errors(include_url=False)[0]["type"])
    return None


_URL_START = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)


@cache
def _http_url() -> TypeAdapter[AnyHttpUrl]:
    return TypeAdapter(AnyHttpUrl)


def _check_url(value: str) -> str:
    # AnyHttpUrl also repairs "http:/x" and friends; require the literal scheme and host.
    if not _URL_START.match(value) or any(c.isspace() for c in value):
        raise PydanticCustomError("envman_url", "not an absolute http(s) URL")
    try:
        _http_url().validate_python(value)
    except ValidationError as e:
        raise PydanticCustomError("envman_url", "not an absolute http(s) URL") from e
    return value


def _check_json(value: Any) -> Any:
    if not _is_json(value):
        raise PydanticCustomError("envman_json", "not a JSON value")
    return value


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, str | bool | int):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


def _check_pattern(pattern: Pattern, value: str) -> str:
    if pattern.fullmatch(value) is None:
        raise PydanticCustomError("envman_pattern", "does not match the pattern")
    return value


def _check_allowed(allowed: tuple[Any, ...], value: Any) -> Any:
    if value not in allowed:
        raise PydanticCustomError("envman_allowed", "not an allowed value")
    return value


CONSTRAINT_OF = {
    "greater_than_equal": "min",
    "less_than_equal": "max",
    "string_too_short": "min_length",
    "string_too_long": "max_length",
    "envman_pattern": "pattern",
    "envman_allowed": "allowed",
}
_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer (no quotes, no decimals)",
    "number": "a number (no quotes)",
    "boolean": "true or false (no quotes)",
    "url": "an absolute http(s) URL string",
    "enum": "a string (one of the allowed values)",
    "json": "a JSON value",
}


def is_type_error(kind: str) -> bool:
    return (
        kind.endswith(("_type", "_parsing"))
        or kind.startswith("url")
        or kind in {"int_from_float", "is_instance_of", "none_required", "json_invalid"}
    )


def _kind(value: Any) -> str:
    for kind, word in (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
    ):
        if isinstance(value, kind):
            return word
    return f"a {type(value).__name__}"


def plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def show(value: Any, sensitive: bool) -> str:
    """A value for a message: quoted like TOML, shortened, or "<redacted>"."""
    if sensitive:
        return REDACTED
    if isinstance(value, date | time):
        return value.isoformat()
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def type_message(spec: VarSpec, value: Any, shown: str) -> str:
    return f"must be {_TYPE_WORDS[spec.type]}; got {_kind(value)}" + (
        "" if spec.sensitive else f" {shown}"
    )


def type_hint(spec: VarSpec, value: Any) -> str | None:
    if isinstance(value, str) and spec.type in {"integer", "number", "boolean"}:
        return "remove the quotes: TOML strings are never converted"
    if spec.type == "integer" and isinstance(value, float):
        return 'integers have no decimal part; use type = "number" for fractions'
    if isinstance(value, date | time) and spec.type in {"string", "json", "enum"}:
        return f"quote it: TOML reads {value.isoformat()} as a date, not a string"
    return None


def constraint_message(spec: VarSpec, key: str, env: str | None, value: Any, shown: str) -> str:
    """A message naming the broken constraint, and the environment when it is an override."""
    need = f"{env} requires" if env else "must be"
    if key == "allowed":
        listed = ", ".join(str(a) for a in spec.allowed or ())
        also = "" if spec.sensitive else f" (allowed: {listed})"
        return f"{env} does not allow {shown}{also}" if env else f"{shown} is not allowed{also}"
    if key == "pattern":
        match = "requires a full match of" if env else "must fully match"
        return f"{env or ''} {match} the pattern {spec.pattern!r} (pattern); got {shown}".strip()
    if key in {"min", "max"}:
        word = "at least" if key == "min" else "at most"
        return f"{need} {word} {getattr(spec, key)} ({key}); got {shown}"
    word = "at least" if key == "min_length" else "at most"
    got = "" if spec.sensitive else f"; got {len(value)}"
    return f"{need} {word} {getattr(spec, key)} characters long ({key}){got}"


def breaks(spec: VarSpec, value: Any, env: str | None = None) -> str | None:
    """Why `value` breaks `spec`'s rules, or None when it passes."""
    kind = first_error(validator(spec), value)
    if kind is None:
        return None
    shown = show(value, spec.sensitive)
    key = CONSTRAINT_OF.get(kind)
    if key is None:
        return type_message(spec, value, shown)
    where = env if env and key in spec.env_overrides.get(env, {}) else None
    return constraint_message(spec, key, where, value, shown)
