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
not_secret = false        # true (with not_secret_reason): looks like a credential, is not one

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
- `pattern` (string, url): an RE2 regular expression (linear time; Python syntax but no
  backreferences or lookaround) matching the WHOLE value: `'https://.*'` needs no anchors.
- `min`, `max` (integer, number): inclusive bounds.
- `min_length`, `max_length` (string, url): inclusive bounds on the length.

`[vars.NAME.env.ENV]` sets `required`, `default` and any constraint for one
environment, which must be one of the project's (else EM117, never silently ignored).
An override replaces the var-wide value of that key (it is not merged:
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

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from envman.codes import severity_of
from envman.config import JSON
from envman.errors import InputError
from envman.models import Finding, ScopeName, Source, did_you_mean
from envman.schema.rules import (
    CONSTRAINT_OF,
    REDACTED,
    constraint_message,
    first_error,
    is_type_error,
    plain,
    show,
    type_hint,
    type_message,
    validator,
)
from envman.schema.specs import SecretSpec, VarSpec, VarType

Locate = Callable[[tuple[str | int, ...]], Source | None]

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


def _strict(title: str) -> ConfigDict:
    """No coercion, no unknown key, frozen; built on first use (`defer_build`), not on import."""
    return ConfigDict(extra="forbid", strict=True, frozen=True, title=title, defer_build=True)


class _Rules(BaseModel):
    """Keys a var may set for all environments and override for one."""

    model_config = _strict("rules")

    required: bool | None = Field(None, description="Must be set (default: true).")
    default: JSON = Field(None, description="Used when an environment omits the var.")
    allowed: list[JSON] | None = Field(None, description="The value must be one of these.")
    pattern: str | None = Field(
        None, description="Regular expression (RE2) the whole value must match."
    )
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
    not_secret: bool = Field(False, description="Looks like a credential, is not (EM118).")
    not_secret_reason: str | None = Field(None, description="Why it is not a secret.")
    env: dict[str, _Rules] = Field(
        default_factory=dict, description="Per-environment `required`, `default`, constraints."
    )


class _SecretEntry(BaseModel):
    """`[secrets.NAME]`: one secret of the Worker (a name only; values never live here)."""

    model_config = _strict("secret")

    required: bool = Field(True, description="Must be listed in secrets.required.")
    description: str | None = Field(None, description="What the secret is for.")
    environments: list[str] | None = Field(
        None, description="Required only in these environments (default: all)."
    )


class _SchemaFile(BaseModel):
    """schemas/vars.toml: the typed vars and the secrets of a Worker."""

    model_config = _strict("schemas/vars.toml")

    vars: dict[str, _VarEntry] = Field(default_factory=dict, description="Vars by name.")
    secrets: dict[str, _SecretEntry] = Field(default_factory=dict, description="Secrets by name.")


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
    _validators: dict[tuple[str, str | None], Callable[[Any], Any]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Each var's validator, by (name, the environment when it overrides the var's rules)."""

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
        problems = self._var_problems if self.model is None else self._model_problems
        for code, name, message, extra in problems(env, checked):
            loc = ("vars", name) if name in checked else ("vars",)
            add(code, f"vars.{name}" if name else "vars", loc, message, **extra)

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

    def _var_problems(
        self, env: str, values: Mapping[str, Any]
    ) -> Iterable[tuple[str, str, str, dict[str, Any]]]:
        """Each declared var checked alone by the validator of its rules (one per distinct
        rules, built once: `rules.validator`), the first problem of each."""
        for name, declared in self.vars.items():
            spec = declared.for_env(env)
            if name not in values:
                if spec.required and spec.default is None:
                    yield self._missing(env, name, spec)
                continue
            key = (name, env if env in declared.env_overrides else None)
            if key not in self._validators:
                self._validators[key] = validator(spec)
            kind = first_error(self._validators[key], values[name])
            if kind is not None:
                yield self._problem(env, name, spec, kind, values[name])

    def _model_problems(
        self, env: str, values: Mapping[str, Any]
    ) -> Iterable[tuple[str, str, str, dict[str, Any]]]:
        """The problems the user's own model (a `python:` schema) finds in `values`."""
        assert self.model is not None
        try:
            self.model.model_validate(values)
        except ValidationError as error:
            items = error.errors(include_url=False)
        except Exception as e:
            # A validator of the user's own model crashed: their code, not an envman bug.
            raise InputError(
                f"the model of {self.source} raised {type(e).__name__}: {e}", file=self.source
            ) from e
        else:
            return
        seen: set[str] = set()
        for item in items:
            name = str(item["loc"][0]) if item["loc"] else ""
            if not name:  # a model-level validator
                hidden = self.sensitive_names() & values.keys()
                message = f"rejected by {self.model.__name__} ({item['type']})"
                yield "EM111", "", message if hidden else item["msg"], {}
                continue
            if name not in self.vars or name in seen or item["type"] == "extra_forbidden":
                continue
            seen.add(name)
            spec = self.vars[name].for_env(env)
            if item["type"] == "missing":
                yield self._missing(env, name, spec)
                continue
            value = values.get(name)
            code = "EM110" if is_type_error(item["type"]) else "EM111"
            message = (
                f"{name} rejected by {self.model.__name__} ({item['type']})"
                if spec.sensitive
                else f"{item['msg']}; got {show(value, spec.sensitive)}"
            )
            yield code, name, message, {"actual": REDACTED if spec.sensitive else value}

    def _missing(self, env: str, name: str, spec: VarSpec) -> tuple[str, str, str, dict[str, Any]]:
        hint = f"set vars.{name} in this environment, or give it a default in {self.source}"
        message = f"{name} is required in {env} but not set"
        return "EM112", name, message, {"hint": hint, "expected": spec.type}

    def _problem(
        self, env: str, name: str, spec: VarSpec, kind: str, value: Any
    ) -> tuple[str, str, str, dict[str, Any]]:
        """EM110 (wrong type) or EM111 (a broken constraint) of a value of a vars.toml var."""
        shown = show(value, spec.sensitive)
        actual = REDACTED if spec.sensitive else value
        key = CONSTRAINT_OF.get(kind)
        if key is None:
            extra = {"expected": spec.type, "actual": actual, "hint": type_hint(spec, value)}
            return "EM110", name, type_message(spec, value, shown), extra
        where = env if key in self.vars[name].env_overrides.get(env, {}) else None
        expected = REDACTED if spec.sensitive else {key: plain(getattr(spec, key))}
        message = constraint_message(spec, key, where, value, shown)
        return "EM111", name, message, {"expected": expected, "actual": actual}


def empty_schema() -> Schema:
    """The schema of a project without schemas/vars.toml: nothing declared, nothing reported."""
    return Schema(vars={}, secrets={}, source="", present=False)
