"""One declared var or secret of the schema, with its per-environment overrides."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from envman.models import ScopeName

VarType = Literal["string", "integer", "number", "boolean", "url", "enum", "json"]


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
    not_secret: bool = False
    not_secret_reason: str | None = None
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
