"""The typed schema of a Worker's vars and secrets, compiled into pydantic models.

`schemas/vars.toml` declares every var and secret a Worker may have. Its format,
in full:

```toml
[vars.LOG_LEVEL]
type = "enum"             # string (default) | integer | number | boolean | url | enum | json
allowed = ["debug", "info", "warn", "error"]
required = true           # must be set in every environment (default: true)
default = "info"          # used when an environment omits it; the var is then not missing
description = "Minimum level written to logs."
scope = "promotable"      # promotable (default) | environment (never copied by promotion)
sensitive = false         # true: the value is "<redacted>" in every message and output

[vars.LOG_LEVEL.env.production]   # rules for one environment
allowed = ["info", "warn", "error"]

[secrets.JWT_SECRET]
required = true                            # must be in secrets.required (default: true)
description = "Signs session tokens."
environments = ["staging", "production"]   # optional: required only in these
```

Types. There is no coercion: a var must already have its type in the file, as
wrangler passes it to the Worker unchanged.

- `string`: a string.
- `integer`: a TOML/JSON integer. `true`, `1.5` and `"1"` are all refused.
- `number`: an integer or a float (not a boolean, not a string).
- `boolean`: `true` or `false`; the string `"true"` is refused.
- `url`: a string holding an absolute `http://` or `https://` URL with a host. It is
  checked with pydantic's `AnyHttpUrl` but stays the string you wrote.
- `enum`: a string from `allowed` (required for enum). For a number from a fixed set,
  use `integer` or `number` with `allowed`.
- `json`: any JSON value: string, number, boolean, array, table (null in JSON files).
  TOML dates and times are refused: wrangler cannot pass them.

Constraints, and the types they apply to:

- `allowed` (string, url, enum, integer, number): the value must be one of these.
- `pattern` (string, url): a Python `re` regular expression that must match the
  WHOLE value (`re.fullmatch`): `pattern = 'https://.*'` needs no anchors.
- `min`, `max` (integer, number): inclusive bounds.
- `min_length`, `max_length` (string, url): inclusive bounds on the length.

`[vars.NAME.env.ENV]` sets `required`, `default` and any constraint for one
environment. An override replaces the var-wide value of that key (it is not merged:
`allowed` in production is exactly the production list); the other keys still apply.
`type`, `description`, `scope` and `sensitive` hold in every environment.

Checks of the schema file itself (each an EM117 problem, raised together as one
`InputError`, exit 3, located file:line:col): unknown keys (with "did you mean"),
wrong value types, a constraint that does not apply to the type, `enum` without
`allowed`, an empty `allowed`, `min > max` or `min_length > max_length` in any
environment, a `pattern` that does not compile, a `default` (or an `allowed` value)
that breaks the var's own rules, a name declared as both var and secret.

Checks of one environment (`Schema.check_env`): EM110 wrong type, EM111 broken
constraint (the message names the constraint, and the environment when the rule is
an override), EM112 required var not set and without default, EM113 var set but not
declared (warning; only when the project has a schema at all), EM114 required secret
not listed in `secrets.required`, EM115 a declared secret set as a plain var (its value
is never shown), EM116 `secrets.required` names an undeclared secret (warning).

A pydantic model can be the schema instead: `schema = "python:package.module:Model"`
in envman.toml. Each field is a var (its alias, if any, is the var name); the type is
taken from the annotation where it maps (str, int, float, bool, `Literal[...]` as
enum, `AnyUrl` and subclasses as url, dict/list as json, anything else as json), and
`Field(json_schema_extra={"sensitive": True, "scope": "environment"})` is honoured.
Values are validated by the model itself, in its own mode (set
`model_config = ConfigDict(strict=True)` for the no-coercion rules above); its errors
become EM110 (type and parsing errors) or EM111 (everything else). Secrets are declared
with a class attribute, keyed like `[secrets.NAME]`:
`__envman_secrets__ = {"JWT_SECRET": {"required": True, "environments": ["production"]}}`.
Per-environment overrides are a vars.toml feature only.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    ValidationError,
    create_model,
)
from pydantic_core import PydanticCustomError, PydanticUndefined

from envman.codes import severity_of
from envman.errors import InputError
from envman.files import Document, load_document
from envman.models import (
    JSON,
    KEYED_LISTS,
    FieldError,
    Finding,
    Project,
    ScopeName,
    Source,
    WorkerConfig,
    did_you_mean,
    field_errors,
    model_keys,
)

VarType = Literal["string", "integer", "number", "boolean", "url", "enum", "json"]
REDACTED = "<redacted>"
Locate = Callable[[tuple[str | int, ...]], Source | None]
Problem = tuple[tuple[str | int, ...], str, str | None]
"""A problem of the schema file: where (key path), what, and a hint."""

CONSTRAINTS: dict[str, frozenset[str]] = {
    "allowed": frozenset({"string", "url", "enum", "integer", "number"}),
    "pattern": frozenset({"string", "url"}),
    "min": frozenset({"integer", "number"}),
    "max": frozenset({"integer", "number"}),
    "min_length": frozenset({"string", "url"}),
    "max_length": frozenset({"string", "url"}),
}
"""Each constraint key and the var types it applies to."""


# --------------------------------------------------------------------------- the file format


class _Rules(BaseModel):
    """Keys a var may set for all environments and override for one."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="rules")

    required: bool | None = Field(None, description="Must be set (default: true).")
    default: JSON = Field(None, description="Used when an environment omits the var.")
    allowed: list[JSON] | None = Field(None, description="The value must be one of these.")
    pattern: str | None = Field(None, description="Python regex the whole value must match.")
    min: int | float | None = Field(None, description="Inclusive lower bound (integer, number).")
    max: int | float | None = Field(None, description="Inclusive upper bound (integer, number).")
    min_length: int | None = Field(None, ge=0, description="Minimum length (string, url).")
    max_length: int | None = Field(None, ge=0, description="Maximum length (string, url).")


class _VarEntry(_Rules):
    """`[vars.NAME]`: one var of the Worker."""

    model_config = ConfigDict(title="var")

    type: VarType = Field("string", description="The type the value must already have.")
    description: str | None = Field(None, description="What the var is for.")
    scope: ScopeName = Field("promotable", description="`environment`: never copied by promotion.")
    sensitive: bool = Field(False, description="Redact the value in every output.")
    env: dict[str, _Rules] = Field(
        default_factory=dict, description="Per-environment `required`, `default`, constraints."
    )


class _SecretEntry(BaseModel):
    """`[secrets.NAME]`: one secret of the Worker (a name only; values never live here)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="secret")

    required: bool = Field(True, description="Must be listed in secrets.required.")
    description: str | None = Field(None, description="What the secret is for.")
    environments: list[str] | None = Field(
        None, description="Required only in these environments (default: all)."
    )


class _SchemaFile(BaseModel):
    """schemas/vars.toml: the typed vars and the secrets of a Worker."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, title="schemas/vars.toml")

    vars: dict[str, _VarEntry] = Field(default_factory=dict, description="Vars by name.")
    secrets: dict[str, _SecretEntry] = Field(default_factory=dict, description="Secrets by name.")


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class VarSpec:
    """One declared var: its type, rules, and per-environment overrides of those rules.

    `default` is None when there is none (TOML cannot write null). `env_overrides`
    maps an environment to the keys it overrides and their values.
    """

    name: str
    type: VarType = "string"
    required: bool = True
    default: Any = None
    description: str | None = None
    scope: ScopeName = "promotable"
    sensitive: bool = False
    allowed: tuple[Any, ...] | None = None
    pattern: str | None = None
    min: int | float | None = None
    max: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    env_overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_env(self, env: str | None) -> VarSpec:
        """The rules that hold in `env` (overrides applied); None: the var-wide rules."""
        overrides = self.env_overrides.get(env, {}) if env is not None else {}
        return replace(self, **overrides) if overrides else self


@dataclass(frozen=True)
class SecretSpec:
    """One declared secret: a name, whether it is required, and where."""

    name: str
    required: bool = True
    description: str | None = None
    environments: tuple[str, ...] | None = None

    def required_in(self, env: str) -> bool:
        return self.required and (self.environments is None or env in self.environments)


@dataclass(frozen=True)
class Schema:
    """The vars and secrets a project declares; validates one environment at a time.

    `present` is False for `empty_schema()` (no schema file): nothing is then
    reported as undeclared. `model` is the user's own model of a `python:` schema.
    """

    vars: dict[str, VarSpec]
    secrets: dict[str, SecretSpec]
    source: str
    present: bool = True
    model: type[BaseModel] | None = None
    _models: dict[str, type[BaseModel]] = field(default_factory=dict, repr=False, compare=False)

    def model_for(self, env: str) -> type[BaseModel]:
        """The pydantic model of `vars` in `env`: one aliased field per var, extras allowed."""
        if self.model is not None:
            return self.model
        if env not in self._models:
            fields: dict[str, Any] = {}
            for index, spec in enumerate(self.vars.values()):
                rules = spec.for_env(env)
                has_default = rules.default is not None or not rules.required
                fields[f"v{index}"] = (
                    _annotation(rules),
                    Field(
                        rules.default if has_default else ...,
                        alias=spec.name,
                        title=spec.name,
                        description=spec.description,
                    ),
                )
            config = ConfigDict(extra="allow", title=f"vars ({env})")
            self._models[env] = create_model("Vars", __config__=config, **fields)
        return self._models[env]

    def check_env(
        self,
        env: str,
        vars: Mapping[str, Any] | None,
        secrets_required: Sequence[str] | None,
        locate: Locate,
    ) -> list[Finding]:
        """Every finding of one environment's vars and secrets.required against the schema."""
        values = dict(vars or {})
        found: list[Finding] = []

        def add(code: str, path: str, loc: tuple[str | int, ...], message: str, **kw: Any) -> None:
            found.append(
                Finding(
                    code=code,
                    severity=severity_of(code),
                    env=env,
                    path=path,
                    message=message,
                    source=locate(loc),
                    **kw,
                )
            )

        for name in values:
            if name in self.secrets:
                add(
                    "EM115",
                    f"vars.{name}",
                    ("vars", name),
                    f"{name} is declared as a secret but set as a plain var (value not shown)",
                    hint=f"delete it from vars, list it in secrets.required and run "
                    f"`wrangler secret put {name} --env {env}`",
                    actual=REDACTED,
                )
            elif self.present and name not in self.vars:
                add(
                    "EM113",
                    f"vars.{name}",
                    ("vars", name),
                    f"{name} is not declared in {self.source}",
                    hint=did_you_mean(name, self.vars) or f"declare [vars.{name}] in {self.source}",
                )
        checked = {k: v for k, v in values.items() if k not in self.secrets}
        try:
            self.model_for(env).model_validate(checked)
        except ValidationError as e:
            for code, name, message, extra in self._value_problems(env, e, checked):
                loc = ("vars", name) if name in checked else ("vars",)
                add(code, f"vars.{name}" if name else "vars", loc, message, **extra)
        except Exception as e:
            if self.model is None:
                raise
            # A validator of the user's own model crashed: their code, not an envman bug.
            raise InputError(
                f"the model of {self.source} raised {type(e).__name__}: {e}", file=self.source
            ) from e

        listed = list(secrets_required or ())
        for name, secret in self.secrets.items():
            if secret.required_in(env) and name not in listed:
                add(
                    "EM114",
                    f"secrets.{name}",
                    ("secrets", "required"),
                    f"secret {name} is required in {env} but not listed in secrets.required",
                    hint=f'add "{name}" to secrets.required',
                    expected=name,
                )
        for index, name in enumerate(listed):
            if self.present and name not in self.secrets:
                add(
                    "EM116",
                    f"secrets.{name}",
                    ("secrets", "required", index),
                    f"secret {name} is not declared in {self.source}",
                    hint=did_you_mean(name, self.secrets) or f"declare [secrets.{name}]",
                )
        return sorted(found, key=lambda f: (f.path, f.code))

    def sensitive_names(self) -> frozenset[str]:
        """Names whose values are never shown: sensitive vars and every secret."""
        return frozenset({n for n, s in self.vars.items() if s.sensitive} | set(self.secrets))

    def scope_of(self, var: str) -> ScopeName:
        """`promotable` or `environment`; undeclared vars are promotable."""
        spec = self.vars.get(var)
        return spec.scope if spec else "promotable"

    def redact(self, path: str, value: Any) -> Any:
        """`value`, or "<redacted>" when `path` (vars.X…, secrets.X…) names a sensitive value."""
        parts = path.split(".")
        if len(parts) >= 2 and parts[0] == "vars" and parts[1] in self.sensitive_names():
            return REDACTED
        if len(parts) >= 2 and parts[0] == "secrets" and parts[1] != "required":
            return REDACTED
        return value

    def _value_problems(
        self, env: str, error: ValidationError, values: Mapping[str, Any]
    ) -> Iterable[tuple[str, str, str, dict[str, Any]]]:
        seen: set[str] = set()
        for item in error.errors(include_url=False):
            name = str(item["loc"][0]) if item["loc"] else ""
            if not name and self.model is not None:  # a model-level validator
                hidden = self.sensitive_names() & values.keys()
                message = f"rejected by {self.model.__name__} ({item['type']})"
                yield "EM111", "", message if hidden else item["msg"], {}
                continue
            if name not in self.vars or name in seen or item["type"] == "extra_forbidden":
                continue
            seen.add(name)
            spec = self.vars[name].for_env(env)
            if item["type"] == "missing":
                yield (
                    "EM112",
                    name,
                    f"{name} is required in {env} but not set",
                    {
                        "hint": f"set vars.{name} in this environment, or give it a default "
                        f"in {self.source}",
                        "expected": spec.type,
                    },
                )
                continue
            value = values.get(name)
            shown = _show(value, spec.sensitive)
            actual = REDACTED if spec.sensitive else value
            if self.model is not None:
                code = "EM110" if _is_type_error(item["type"]) else "EM111"
                message = (
                    f"{name} rejected by {self.model.__name__} ({item['type']})"
                    if spec.sensitive
                    else f"{item['msg']}; got {shown}"
                )
                yield code, name, message, {"actual": actual}
                continue
            key = _CONSTRAINT_OF.get(item["type"])
            if key is None:
                yield (
                    "EM110",
                    name,
                    _type_message(spec, value, shown),
                    {"expected": spec.type, "actual": actual, "hint": _type_hint(spec, value)},
                )
                continue
            where = env if key in self.vars[name].env_overrides.get(env, {}) else None
            yield (
                "EM111",
                name,
                _constraint_message(spec, key, where, value, shown),
                {
                    "expected": REDACTED if spec.sensitive else {key: _plain(getattr(spec, key))},
                    "actual": actual,
                },
            )


def empty_schema() -> Schema:
    """The schema of a project without schemas/vars.toml: nothing declared, nothing reported."""
    return Schema(vars={}, secrets={}, source="", present=False)


# --------------------------------------------------------------------------- compiling


def _annotation(spec: VarSpec) -> Any:
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
        meta.append(AfterValidator(partial(_check_pattern, re.compile(spec.pattern))))
    if spec.allowed is not None:
        meta.append(AfterValidator(partial(_check_allowed, spec.allowed)))
    return Annotated[(base, *meta)]


_URL_START = re.compile(r"https?://[^/?#\s]", re.IGNORECASE)
_HTTP_URL: TypeAdapter[AnyHttpUrl] = TypeAdapter(AnyHttpUrl)


def _check_url(value: str) -> str:
    # AnyHttpUrl also repairs "http:/x" and friends; require the literal scheme and host.
    if not _URL_START.match(value) or any(c.isspace() for c in value):
        raise PydanticCustomError("envman_url", "not an absolute http(s) URL")
    try:
        _HTTP_URL.validate_python(value)
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


def _check_pattern(pattern: re.Pattern[str], value: str) -> str:
    if not pattern.fullmatch(value):
        raise PydanticCustomError("envman_pattern", "does not match the pattern")
    return value


def _check_allowed(allowed: tuple[Any, ...], value: Any) -> Any:
    if value not in allowed:
        raise PydanticCustomError("envman_allowed", "not an allowed value")
    return value


_CONSTRAINT_OF = {
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


def _is_type_error(kind: str) -> bool:
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


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _show(value: Any, sensitive: bool) -> str:
    """A value for a message: quoted like TOML, shortened, or "<redacted>"."""
    if sensitive:
        return REDACTED
    if isinstance(value, date | time):
        return value.isoformat()
    text = repr(value) if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _type_message(spec: VarSpec, value: Any, shown: str) -> str:
    return f"must be {_TYPE_WORDS[spec.type]}; got {_kind(value)}" + (
        "" if spec.sensitive else f" {shown}"
    )


def _type_hint(spec: VarSpec, value: Any) -> str | None:
    if isinstance(value, str) and spec.type in {"integer", "number", "boolean"}:
        return "remove the quotes: TOML strings are never converted"
    if spec.type == "integer" and isinstance(value, float):
        return 'integers have no decimal part; use type = "number" for fractions'
    if isinstance(value, date | time) and spec.type in {"string", "json", "enum"}:
        return f"quote it: TOML reads {value.isoformat()} as a date, not a string"
    return None


def _constraint_message(spec: VarSpec, key: str, env: str | None, value: Any, shown: str) -> str:
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


# --------------------------------------------------------------------------- loading


def load_schema(path: Path, shown: str | None = None) -> Schema:
    """Read schemas/vars.toml; every problem in it is raised at once as a located InputError."""
    return schema_from_document(load_document(path, shown))


def schema_from_document(document: Document) -> Schema:
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
        env_overrides=overrides,
        **var_wide,
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
                    re.compile(value)
                except re.error as e:
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
            if (problem := _breaks(bare, option)) is not None:
                problems.append(((*loc, "allowed", index), f"allowed value {problem}", None))
        if rules.default is not None and keys:  # noqa: SIM102 - the walrus reads better alone
            if (problem := _breaks(rules, rules.default, env)) is not None:
                default_loc = (*loc, "default") if "default" in keys else (*base, "default")
                problems.append((default_loc, f"default {problem}{where}", None))
    return spec


_RULE_KEYS = frozenset(_Rules.model_fields)


def _breaks(spec: VarSpec, value: Any, env: str | None = None) -> str | None:
    """Why `value` breaks `spec`'s rules, or None when it passes."""
    try:
        TypeAdapter(_annotation(spec)).validate_python(value)
    except ValidationError as e:
        item = e.errors(include_url=False)[0]
        shown = _show(value, spec.sensitive)
        key = _CONSTRAINT_OF.get(item["type"])
        if key is None:
            return _type_message(spec, value, shown)
        where = env if env and key in spec.env_overrides.get(env, {}) else None
        return _constraint_message(spec, key, where, value, shown)
    return None


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
    first = document.source(loc)
    where = ".".join(str(p) for p in loc) or "(top level)"
    more = "" if len(lines) == 1 else f"\nand {len(lines) - 1} more:\n" + "\n".join(lines[1:])
    return InputError(
        f"{where}: {message}{more}",
        file=first.file,
        line=first.line,
        column=first.column,
        hint=hint,
    )


def _position(source: Source) -> tuple[int, int]:
    return (source.line or 0, source.column or 0)


# --------------------------------------------------------------------------- python schemas


def load_python_schema(spec: str, root: Path) -> Schema:
    """Import `python:package.module:Model` (with `root` on sys.path) and use it as the schema."""
    target = spec.removeprefix("python:")
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise InputError(
            f"schema {spec!r} is not python:package.module:Model",
            hint='write schema = "python:config.schema:Vars" in envman.toml',
        )
    sys.path.insert(0, str(root))
    try:
        importlib.invalidate_caches()
        module = importlib.import_module(module_name)
    except Exception as e:  # user code: any exception while importing it is their error
        raise InputError(f"cannot import {module_name}: {type(e).__name__}: {e}", file=spec) from e
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(root))
    model = getattr(module, attr, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        models = [
            n
            for n, v in vars(module).items()
            if isinstance(v, type) and issubclass(v, BaseModel) and v is not BaseModel
        ]
        raise InputError(
            f"{module_name} has no pydantic model {attr!r}",
            file=spec,
            hint=did_you_mean(attr, models),
        )
    return schema_from_model(model, spec)


def schema_from_model(model: type[BaseModel], source: str) -> Schema:
    """The Schema of a user's pydantic model: one var per field, secrets from __envman_secrets__."""
    variables: dict[str, VarSpec] = {}
    for name, info in model.model_fields.items():
        var = (
            info.validation_alias
            if isinstance(info.validation_alias, str)
            else (info.alias or name)
        )
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        kind, allowed = _python_type(info.annotation)
        limits: dict[str, Any] = {}
        for item in info.metadata:
            for attr, key in (
                ("ge", "min"),
                ("le", "max"),
                ("min_length", "min_length"),
                ("max_length", "max_length"),
                ("pattern", "pattern"),
            ):
                if getattr(item, attr, None) is not None:
                    limits[key] = getattr(item, attr)
        default = None if info.default is PydanticUndefined else info.default
        variables[var] = VarSpec(
            name=var,
            type=kind,
            required=info.is_required(),
            default=default,
            description=info.description,
            allowed=allowed,
            scope="environment" if extra.get("scope") == "environment" else "promotable",
            sensitive=extra.get("sensitive") is True,
            **limits,
        )
    raw = getattr(model, "__envman_secrets__", {})
    try:
        entries = TypeAdapter(dict[str, _SecretEntry]).validate_python(raw)
    except ValidationError as e:
        problem = field_errors(e, known={})[0]
        where = ".".join(str(p) for p in problem.loc)
        raise InputError(
            f"__envman_secrets__ {where}: {problem.message}",
            file=source,
            hint=did_you_mean(str(problem.loc[-1]), model_keys(_SecretEntry)),
        ) from e
    secrets = {
        n: SecretSpec(
            n, s.required, s.description, None if s.environments is None else tuple(s.environments)
        )
        for n, s in entries.items()
    }
    return Schema(vars=variables, secrets=secrets, source=source, model=model)


def _python_type(annotation: Any) -> tuple[VarType, tuple[Any, ...] | None]:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in {typing.Union, types.UnionType} and len(args) == 1:
        annotation = args[0]
    if get_origin(annotation) is Literal:
        return "enum", get_args(annotation)
    simple: dict[Any, VarType] = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if annotation in simple:
        return simple[annotation], None
    if isinstance(annotation, type) and issubclass(annotation, AnyUrl):
        return "url", None
    return "json", None


# --------------------------------------------------------------------------- JSON Schema export

_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def export_json_schemas(schema: Schema | None) -> dict[str, str]:
    """JSON Schema files for editors (taplo, VS Code), by file name; deterministic text.

    envman.schema.json (envman.toml), environment.schema.json (an environment file,
    wrangler-shaped), vars-schema.schema.json (schemas/vars.toml) and, with a schema,
    vars.schema.json (the `vars` table, also embedded in environment.schema.json).
    """
    project = Project.model_json_schema(by_alias=True)
    project.update(title="envman.toml", description="envman project settings.")
    vars_file = _SchemaFile.model_json_schema()
    vars_file["description"] = "Typed vars and secrets of a Worker (envman)."
    documents: dict[str, dict[str, Any]] = {
        "envman.schema.json": project,
        "vars-schema.schema.json": vars_file,
    }
    vars_schema = vars_json_schema(schema) if schema is not None and schema.present else None
    if vars_schema is not None:
        documents["vars.schema.json"] = vars_schema
    documents["environment.schema.json"] = environment_json_schema(vars_schema)
    return {name: _dump({"$schema": _DRAFT, **doc}) for name, doc in sorted(documents.items())}


def _dump(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def vars_json_schema(schema: Schema) -> dict[str, Any]:
    """JSON Schema of `vars`: each declared var's type and the rules every environment shares.

    Rules overridden in some environment are left out (an editor cannot know which
    environment a file is for), and so is `required` (a file may rely on base.toml).
    Patterns are anchored, as JSON Schema patterns search.
    """
    if schema.model is not None:
        document = schema.model.model_json_schema(by_alias=True)
        document.pop("required", None)
        document["additionalProperties"] = True
        return document
    properties: dict[str, Any] = {}
    for name, spec in schema.vars.items():
        overridden = {k for keys in spec.env_overrides.values() for k in keys}
        prop: dict[str, Any] = {"title": name}
        prop.update(
            {
                "string": {"type": "string"},
                "integer": {"type": "integer"},
                "number": {"type": "number"},
                "boolean": {"type": "boolean"},
                "url": {"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"},
                "enum": {"type": "string"},
                "json": {},
            }[spec.type]
        )
        if spec.description:
            prop["description"] = spec.description
        for key, keyword in (
            ("min", "minimum"),
            ("max", "maximum"),
            ("min_length", "minLength"),
            ("max_length", "maxLength"),
            ("allowed", "enum"),
        ):
            hidden = key == "allowed" and spec.sensitive  # the options would hint at the value
            if getattr(spec, key) is not None and key not in overridden and not hidden:
                prop[keyword] = _plain(getattr(spec, key))
        if spec.pattern is not None and "pattern" not in overridden:
            prop["allOf"] = [{"pattern": f"^(?:{spec.pattern})$"}]
        if spec.default is not None and not spec.sensitive and "default" not in overridden:
            prop["default"] = spec.default
        properties[name] = prop
    for name in schema.secrets:
        properties[name] = {
            "not": {},
            "description": f"{name} is a secret: list it in "
            "secrets.required and set it with `wrangler secret put`.",
        }
    return {
        "title": "vars",
        "type": "object",
        "description": f"Vars declared in {schema.source}.",
        "properties": properties,
        "additionalProperties": True,
    }


def environment_json_schema(vars_schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """JSON Schema of an environment file, from WorkerConfig, in wrangler's file shape.

    WorkerConfig keys bindings by name; files write lists of tables
    (`[[kv_namespaces]] binding = "CACHE"`), which is what this schema describes.
    """
    document: dict[str, Any] = _without_null(WorkerConfig.model_json_schema())
    defs: dict[str, Any] = document["$defs"]
    props: dict[str, Any] = document["properties"]

    def listed(prop: Mapping[str, Any], key: str) -> dict[str, Any]:
        item = prop["additionalProperties"]
        entry = defs[item["$ref"].rsplit("/", 1)[-1]]
        entry["properties"] = {key: {"type": "string", "title": key}, **entry["properties"]}
        entry["required"] = sorted({key, *entry.get("required", ())})
        return {"type": "array", "items": item, "title": prop.get("title", key)}

    for name, key in KEYED_LISTS.items():
        props[name] = listed(props[name], key)
    bindings = listed(props["durable_objects"], "name")
    props["durable_objects"] = {
        "type": "object",
        "title": "Durable Objects",
        "properties": {"bindings": bindings},
    }
    queues = defs["Queues"]["properties"]
    queues["producers"] = listed(queues["producers"], "binding")
    queues["consumers"] = listed(queues["consumers"], "queue")
    route = {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/Route"}]}
    props["routes"] = {"type": "array", "items": route, "title": "Routes"}
    props["route"] = {**route, "title": "Route"}
    if vars_schema is not None:
        vars_doc = dict(vars_schema)
        for name, sub in vars_doc.pop("$defs", {}).items():
            defs[f"vars.{name}"] = sub
        props["vars"] = dict(_rebase(vars_doc, "#/$defs/", "#/$defs/vars."))
    document.update(
        title="environment file",
        description="environments/ENV.toml: wrangler's keys for one environment.",
    )
    return document


def _without_null(node: Any) -> Any:
    """Drop the `None` alternative pydantic adds to optional fields: files cannot write null."""
    if isinstance(node, list):
        return [_without_null(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _without_null(v) for k, v in node.items() if not (k == "default" and v is None)}
    options = node.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        node.pop("anyOf")
        if len(rest) == 1:
            node = {**rest[0], **node}
        else:
            node["anyOf"] = rest
    return node


def _rebase(node: Any, old: str, new: str) -> Any:
    if isinstance(node, list):
        return [_rebase(v, old, new) for v in node]
    if isinstance(node, dict):
        return {
            k: (
                new + v.removeprefix(old)
                if k == "$ref" and isinstance(v, str) and v.startswith(old)
                else _rebase(v, old, new)
            )
            for k, v in node.items()
        }
    return node
