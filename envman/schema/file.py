"""Reading schemas/vars.toml into a Schema, with every problem of the file located at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, get_args

from pydantic import ValidationError

from envman.errors import InputError
from envman.models import FieldError, ScopeName, Source, did_you_mean, field_errors, model_keys
from envman.parse import Document, load_document
from envman.schema.model import (
    CONSTRAINTS,
    Schema,
    _Rules,
    _SchemaFile,
    _SecretEntry,
    _VarEntry,
)
from envman.schema.pattern import PatternError, compile_pattern
from envman.schema.rules import breaks
from envman.schema.specs import SecretSpec, VarSpec, VarType

Problem = tuple[tuple[str | int, ...], str, str | None]
"""A problem of the schema file: where (key path), what, and a hint."""


def load_schema(
    path: Path, shown: str | None = None, *, environments: Sequence[str] | None = None
) -> Schema:
    """Read schemas/vars.toml; every problem in it is raised at once as a located InputError.

    With `environments`, an override or a secret's `environments` naming any other
    environment is a problem too: a misspelt `[vars.X.env.prodution]` would never apply.
    """
    document = load_document(path, shown)
    key = (document.path, document.text, None if environments is None else tuple(environments))
    if key not in _LOADED:
        if len(_LOADED) >= 8:
            _LOADED.clear()
        _LOADED[key] = schema_from_document(document, environments=environments)
    return _LOADED[key]


_LOADED: dict[tuple[str, str, tuple[str, ...] | None], Schema] = {}
"""Schemas by file and text: a promotion validates its result in a scratch copy of the
project, whose schema file is the same text; its 1,000 vars are read once, not twice."""


def schema_from_document(
    document: Document, *, environments: Sequence[str] | None = None
) -> Schema:
    """The Schema of a parsed schemas/vars.toml, or an InputError listing all its problems."""
    problems: list[Problem] = []
    try:
        parsed = _SchemaFile.model_validate(document.data)
    except ValidationError as e:
        for error in field_errors(e, known=_known_keys(document.data)):
            if all(p[0] != error.loc for p in problems):  # int | float reports twice
                message = error.message
                if error.loc[-1] in {"min", "max"} and error.kind.endswith("_type"):
                    message = f"{error.loc[-1]} must be a number"
                problems.append((error.loc, message, error.hint or _file_hint(error, document)))
        raise _problems_error(document, problems) from e
    variables = {n: _var_spec(n, entry, problems) for n, entry in parsed.vars.items()}
    if environments is not None:
        problems += _unknown_environments(parsed, tuple(environments))
    secrets = {}
    for name, secret in parsed.secrets.items():
        if name in parsed.vars:
            problems.append(
                (
                    ("secrets", name),
                    f"{name} is declared both as a var and a secret",
                    "a name is either a var (plain text) or a secret, not both",
                )
            )
        if secret.environments is not None and not secret.environments:
            problems.append(
                (
                    ("secrets", name, "environments"),
                    "environments is empty",
                    "use required = false for a secret required nowhere",
                )
            )
        secrets[name] = SecretSpec(
            name,
            secret.required,
            secret.description,
            None if secret.environments is None else tuple(secret.environments),
        )
    if problems:
        raise _problems_error(document, problems)
    return Schema(vars=variables, secrets=secrets, source=document.path)


def _var_spec(
    name: str,
    entry: _VarEntry,
    problems: list[Problem],
) -> VarSpec:
    base = ("vars", name)
    var_wide: dict[str, Any] = {
        k: _tuple(getattr(entry, k)) for k in entry.model_fields_set & _RULE_KEYS
    }
    overrides = {
        env: {k: _tuple(getattr(rules, k)) for k in rules.model_fields_set}
        for env, rules in entry.env.items()
    }
    var_wide["required"] = entry.required is not False
    spec = VarSpec(
        name=name,
        type=entry.type,
        description=entry.description,
        scope=entry.scope,
        sensitive=entry.sensitive,
        not_secret=entry.not_secret,
        not_secret_reason=entry.not_secret_reason,
        env_overrides=overrides,
        **var_wide,
    )
    if entry.not_secret and not (entry.not_secret_reason or "").strip():
        problems.append(
            (
                (*base, "not_secret"),
                "not_secret needs a not_secret_reason",
                'say why the value is not a credential: not_secret_reason = "…"',
            )
        )
    if entry.not_secret and entry.sensitive:
        problems.append(
            (
                (*base, "not_secret"),
                "a var cannot be both sensitive and not_secret",
                "sensitive values are secrets in all but name; drop not_secret",
            )
        )
    tables = [(None, var_wide, base)] + [
        (env, o, (*base, "env", env)) for env, o in spec.env_overrides.items()
    ]
    for env, keys, loc in tables:
        for key, value in keys.items():
            if key in CONSTRAINTS and spec.type not in CONSTRAINTS[key]:
                types_ = ", ".join(sorted(CONSTRAINTS[key]))
                hint = (
                    "use min_length/max_length for lengths"
                    if key in {"min", "max"}
                    else f"it applies to: {types_}"
                )
                problems.append(((*loc, key), f"{key} does not apply to a {spec.type} var", hint))
                return replace(spec, env_overrides={})
            if key in {"min", "max"} and spec.type == "integer" and not isinstance(value, int):
                problems.append(((*loc, key), f"{key} of an integer var must be an integer", None))
                return replace(spec, env_overrides={})
            if key == "pattern":
                try:
                    compile_pattern(value)
                except PatternError as e:
                    problems.append(((*loc, key), f"pattern does not compile: {e}", None))
                    return replace(spec, env_overrides={})
            if key == "allowed" and not value:
                problems.append(((*loc, key), "allowed is empty; no value could pass", None))
                return replace(spec, env_overrides={})
        rules = spec.for_env(env)
        if spec.type == "enum" and rules.allowed is None:
            problems.append(
                (loc, f"{name} has type enum but no allowed values", 'add allowed = ["…", "…"]')
            )
            return replace(spec, env_overrides={})
        where = f" in {env}" if env else ""
        for low, high in (("min", "max"), ("min_length", "max_length")):
            a, b = getattr(rules, low), getattr(rules, high)
            if a is not None and b is not None and a > b:
                at = high if high in keys else low if low in keys else high
                problems.append(
                    ((*loc, at), f"{low} ({a}) is greater than {high} ({b}){where}", None)
                )
                return replace(spec, env_overrides={})
        bare = replace(rules, allowed=None, env_overrides={})
        for index, option in enumerate(rules.allowed or () if "allowed" in keys else ()):
            if (problem := breaks(bare, option)) is not None:
                problems.append(((*loc, "allowed", index), f"allowed value {problem}", None))
        if rules.default is not None and keys:  # noqa: SIM102 - the walrus reads better alone
            if (problem := breaks(rules, rules.default, env)) is not None:
                default_loc = (*loc, "default") if "default" in keys else (*base, "default")
                problems.append((default_loc, f"default {problem}{where}", None))
    return spec


def _unknown_environments(parsed: _SchemaFile, known: tuple[str, ...]) -> list[Problem]:
    """Overrides and secret environments that name no environment of the project."""
    problems: list[Problem] = []
    listed = ", ".join(known)
    for name, entry in parsed.vars.items():
        for env in entry.env:
            if env not in known:
                problems.append(
                    (
                        ("vars", name, "env", env),
                        f"[vars.{name}.env.{env}] names an environment the project does not "
                        f"have ({listed}), so it would never apply",
                        did_you_mean(env, known) or f"use one of: {listed}",
                    )
                )
    for name, secret in parsed.secrets.items():
        for index, env in enumerate(secret.environments or ()):
            if env not in known:
                problems.append(
                    (
                        ("secrets", name, "environments", index),
                        f"environment {env!r} is not one of the project's ({listed})",
                        did_you_mean(env, known),
                    )
                )
    return problems


_RULE_KEYS = frozenset(_Rules.model_fields)


def _tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _known_keys(data: Mapping[str, Any]) -> dict[tuple[str | int, ...], list[str]]:
    known: dict[tuple[str | int, ...], list[str]] = {(): model_keys(_SchemaFile)}
    for section, model in (("vars", _VarEntry), ("secrets", _SecretEntry)):
        table = data.get(section)
        for name, entry in table.items() if isinstance(table, Mapping) else ():
            known[(section, name)] = model_keys(model)
            envs = entry.get("env") if isinstance(entry, Mapping) and section == "vars" else None
            for env in envs if isinstance(envs, Mapping) else ():
                known[(section, name, "env", env)] = model_keys(_Rules)
    return known


def _file_hint(error: FieldError, document: Document) -> str | None:
    loc = error.loc
    if error.kind == "extra_forbidden" and len(loc) == 5 and loc[-1] in _VarEntry.model_fields:
        return f"{loc[-1]} holds in every environment; set it in [vars.{loc[1]}] itself"
    if error.kind == "literal_error" and loc and loc[-1] in {"type", "scope"}:
        value: Any = document.data
        for part in loc:
            value = value.get(part) if isinstance(value, Mapping) else None
        options = get_args(VarType if loc[-1] == "type" else ScopeName)
        return did_you_mean(str(value), options) or f"one of: {', '.join(options)}"
    return None


def _problems_error(document: Document, problems: list[Problem]) -> InputError:
    """The problems of a schema file (EM117) as one InputError, located at the first."""
    problems = sorted(problems, key=lambda p: _position(document.source(p[0])))
    lines = []
    for loc, message, hint in problems:
        where = ".".join(str(p) for p in loc) or "(top level)"
        lines.append(f"{document.source(loc)}: {where}: {message}" + (f" ({hint})" if hint else ""))
    loc, message, hint = problems[0]
    where = ".".join(str(p) for p in loc) or "(top level)"
    more = "" if len(lines) == 1 else f"\nand {len(lines) - 1} more:\n" + "\n".join(lines[1:])
    return document.error(loc, f"{where}: {message}{more}", hint=hint)


def _position(source: Source) -> tuple[int, int]:
    return (source.line or 0, source.column or 0)
