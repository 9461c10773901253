"""Typed models: findings, reports, the envman.toml project, and live Worker state.

The normalised WorkerConfig and its bindings live in envman.config; they are re-exported
here so that `from envman.models import WorkerConfig` keeps working.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from envman.config import BINDING_KINDS as BINDING_KINDS
from envman.config import JSON as JSON
from envman.config import KEYED_LISTS as KEYED_LISTS
from envman.config import SINGLE_BINDINGS as SINGLE_BINDINGS
from envman.config import AnalyticsEngineDataset as AnalyticsEngineDataset
from envman.config import D1Database as D1Database
from envman.config import DurableObject as DurableObject
from envman.config import Hyperdrive as Hyperdrive
from envman.config import KVNamespace as KVNamespace
from envman.config import Limits as Limits
from envman.config import Observability as Observability
from envman.config import Placement as Placement
from envman.config import QueueConsumer as QueueConsumer
from envman.config import QueueProducer as QueueProducer
from envman.config import Queues as Queues
from envman.config import R2Bucket as R2Bucket
from envman.config import Route as Route
from envman.config import Secrets as Secrets
from envman.config import Service as Service
from envman.config import SingleBinding as SingleBinding
from envman.config import TailConsumer as TailConsumer
from envman.config import Triggers as Triggers
from envman.config import Vectorize as Vectorize
from envman.config import WorkerConfig as WorkerConfig
from envman.config import keyed as keyed
from envman.config import unkeyed as unkeyed

ModelT = TypeVar("ModelT", bound="BaseModel")

_STRICT = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- findings


class Severity(StrEnum):
    """How bad a finding is; `rank` orders them for `--fail-on`."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Kind(StrEnum):
    """How a compared value differs: changed, declared but missing, or present but unexpected."""

    CHANGED = "changed"
    MISSING = "missing"
    UNEXPECTED = "unexpected"


class Source(BaseModel):
    """Where a value came from: file, and line and column (1-based) when known."""

    model_config = ConfigDict(frozen=True)

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


class Finding(BaseModel):
    """One result of validate, diff, drift or check; the only thing reporters render."""

    model_config = ConfigDict(frozen=True)

    code: str
    severity: Severity
    env: str | None
    path: str
    message: str
    hint: str | None = None
    expected: JSON = None
    actual: JSON = None
    kind: Kind | None = None
    source: Source | None = None
    suppressed: str | None = None
    """The reason of the ignore rule that suppressed this finding, if one did."""

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.env or "", -self.severity.rank, self.path, self.code)


# --------------------------------------------------------------------------- envman.toml


class IgnoreRule(BaseModel):
    """A drift finding path pattern to suppress, with a reason and an optional expiry."""

    model_config = _STRICT

    path: str = Field(description="Finding path or glob, e.g. `vars.FEATURE_*`.")
    env: str | None = Field(default=None, description="Only in this environment (glob).")
    reason: str = Field(description="Why this difference is accepted.")
    expires: date | None = Field(default=None, description="After this date the rule warns.")


class DriftPolicy(BaseModel):
    """`[drift]` in envman.toml."""

    model_config = _STRICT

    ignore: tuple[IgnoreRule, ...] = ()


class PromotionPolicy(BaseModel):
    """`[promotion]` in envman.toml."""

    model_config = _STRICT

    sync_wrangler: bool = Field(
        default=True,
        description="Also edit `[env.TARGET]` of the wrangler file when promoting.",
    )
    environment_specific: tuple[str, ...] = Field(
        default=(),
        description="Path patterns never promoted, beyond the built-in ones (e.g. `triggers.crons`).",
    )


_ENV_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")


class Project(BaseModel):
    """envman.toml: the project, its environments in pipeline order, and its policies."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    worker: str = Field(description="Base name of the Worker (wrangler's top-level `name`).")
    account_id: str | None = Field(default=None, description="Cloudflare account id.")
    environments: tuple[str, ...] = Field(
        description="Environment names in pipeline order, e.g. development, staging, production.",
        min_length=1,
    )
    protected: tuple[str, ...] = Field(
        default=(), description="Environments that need --reason and confirmation to change."
    )
    environments_dir: str = Field(default="environments", description="Folder of env files.")
    schema_file: str = Field(
        default="schemas/vars.toml",
        alias="schema",
        description="schemas/vars.toml, or `python:module:Model` for a pydantic model.",
    )
    wrangler_file: str | None = Field(
        default=None,
        alias="wrangler",
        description="Path of the wrangler file; auto-detected (json > jsonc > toml) when unset.",
    )
    audit_log: str = Field(default=".envman/audit.jsonl", description="Audit log path.")
    promotion: PromotionPolicy = PromotionPolicy()
    drift: DriftPolicy = DriftPolicy()

    @field_validator("environments", "protected")
    @classmethod
    def _names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not _ENV_NAME.match(name):
                raise ValueError(
                    f"environment name {name!r} must be letters, digits, '-' or '_' "
                    "(no path separators or spaces)"
                )
        if len(set(value)) != len(value):
            raise ValueError("environment names must be unique")
        return value

    @model_validator(mode="after")
    def _protected_known(self) -> Project:
        unknown = [p for p in self.protected if p not in self.environments]
        if unknown:
            raise ValueError(f"protected environments not in `environments`: {unknown}")
        return self


# --------------------------------------------------------------------------- errors


class FieldError(BaseModel):
    """One pydantic validation error, translated: a dotted path, a message and a hint."""

    model_config = ConfigDict(frozen=True)

    loc: tuple[str | int, ...]
    message: str
    hint: str | None = None
    kind: str


def field_errors(
    exc: ValidationError, *, known: Mapping[tuple[str | int, ...], Iterable[str]] | None = None
) -> list[FieldError]:
    """Translate a pydantic ValidationError into FieldErrors with "did you mean" hints.

    `known` maps a parent loc to the allowed keys there, for unknown-key suggestions.
    """
    result: list[FieldError] = []
    for error in exc.errors(include_url=False):
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        hint = None
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = f"unknown key {loc[-1]!r}"
            allowed = list((known or {}).get(loc[:-1], ()))
            hint = did_you_mean(str(loc[-1]), allowed)
        elif error["type"] == "missing":
            message = f"required key {loc[-1]!r} is missing"
        result.append(FieldError(loc=loc, message=message, hint=hint, kind=error["type"]))
    return result


def validated(
    model: type[ModelT],
    data: Any,
    *,
    known: Mapping[tuple[str | int, ...], Iterable[str]] | None = None,
) -> tuple[ModelT | None, list[FieldError]]:
    """Validate `data` into `model`: the instance, or None and every error translated.

    The one place pydantic's ValidationError is caught, so no other module needs pydantic.
    """
    try:
        return model.model_validate(data), []
    except ValidationError as e:
        return None, field_errors(e, known=known)


def _is_union_tag(part: str | int) -> bool:
    # pydantic adds the union member or validator name to a loc ("function-after[...]").
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})


def did_you_mean(word: str, choices: Sequence[str] | Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt name, or None when nothing is close."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {matches[0]!r}?" if matches else None


def model_keys(model: type[BaseModel]) -> list[str]:
    """The keys a user may write for a model (aliases where a field has one)."""
    return [f.alias or name for name, f in model.model_fields.items()]


def project_known_keys() -> dict[tuple[str | int, ...], list[str]]:
    """Allowed keys per table of envman.toml, for suggestions."""
    return {
        (): model_keys(Project),
        ("promotion",): model_keys(PromotionPolicy),
        ("drift",): model_keys(DriftPolicy),
    }


ScopeName = Literal["promotable", "environment"]


# --------------------------------------------------------------------------- results


class Report(BaseModel):
    """What a command found: the findings of every environment it looked at.

    `unknown` lists environments whose state could not be determined (a live read
    failed); they make the run exit 3 whatever else was found.
    """

    model_config = ConfigDict(frozen=True)

    command: str
    envs: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    unknown: dict[str, str] = Field(default_factory=dict)
    """env -> why its state is unknown."""

    @property
    def active(self) -> tuple[Finding, ...]:
        """Findings that no ignore rule suppressed."""
        return tuple(f for f in self.findings if f.suppressed is None)

    @property
    def suppressed(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.suppressed is not None)

    def summary(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for finding in self.active:
            counts[finding.severity.value] += 1
        counts["suppressed"] = len(self.suppressed)
        counts["environments"] = len(self.envs)
        counts["unknown"] = len(self.unknown)
        return counts

    def fails(self, fail_on: Severity) -> bool:
        return any(f.severity.rank >= fail_on.rank for f in self.active)


# --------------------------------------------------------------------------- live state


class LiveWorker(BaseModel):
    """What one environment's Worker really is on Cloudflare, normalised into a WorkerConfig.

    `config.secrets.required` holds the names of the live secrets (values are never
    read); `secret_types` their types. `exists` is False when the script is absent.
    When the active deployment splits traffic between versions, `versions` holds the
    config of each version by id (with its percentage in `deployment`).
    """

    model_config = ConfigDict(frozen=True)

    env: str
    script: str
    exists: bool
    config: WorkerConfig | None = None
    secret_types: dict[str, str] = Field(default_factory=dict)
    deployment: dict[str, JSON] | None = None
    versions: dict[str, WorkerConfig] = Field(default_factory=dict)
    unsupported: tuple[str, ...] = ()
    """Live bindings envman cannot model, as `"<type> <name>"`; reported as unexpected."""
    requests: int = 0


class Snapshot(BaseModel):
    """Normalised live state of several Workers, saved by `envman snapshot` for offline drift."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["envman-snapshot/1"] = "envman-snapshot/1"
    taken_at: str
    account_id: str | None = None
    workers: tuple[LiveWorker, ...] = ()
