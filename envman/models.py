"""Typed models: the normalised WorkerConfig, findings, and the envman.toml project."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

JSON = Any
ModelT = TypeVar("ModelT", bound="BaseModel")
"""A JSON value: str, int, float, bool, None, list or dict of JSON values."""


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


# --------------------------------------------------------------------------- bindings

_STRICT = ConfigDict(frozen=True, extra="forbid")
_TOLERANT = ConfigDict(frozen=True, extra="allow")


class _Binding(BaseModel):
    """A binding from a wrangler-shaped list; unknown wrangler keys are kept, not compared."""

    model_config = _TOLERANT


class KVNamespace(_Binding):
    id: str | None = None
    preview_id: str | None = None
    remote: bool | None = None


class D1Database(_Binding):
    database_name: str | None = None
    database_id: str | None = None
    preview_database_id: str | None = None
    migrations_dir: str | None = None
    migrations_table: str | None = None
    remote: bool | None = None


class R2Bucket(_Binding):
    bucket_name: str | None = None
    jurisdiction: str | None = None
    preview_bucket_name: str | None = None
    remote: bool | None = None


class DurableObject(_Binding):
    class_name: str | None = None
    script_name: str | None = None
    environment: str | None = None


class Service(_Binding):
    service: str | None = None
    environment: str | None = None
    entrypoint: str | None = None
    remote: bool | None = None


class QueueProducer(_Binding):
    queue: str | None = None
    delivery_delay: int | None = None
    remote: bool | None = None


class QueueConsumer(_Binding):
    max_batch_size: int | None = None
    max_batch_timeout: float | None = None
    max_retries: int | None = None
    dead_letter_queue: str | None = None
    max_concurrency: int | None = None
    retry_delay: int | None = None


class AnalyticsEngineDataset(_Binding):
    dataset: str | None = None


class Hyperdrive(_Binding):
    id: str | None = None
    localConnectionString: str | None = None


class Vectorize(_Binding):
    index_name: str | None = None
    remote: bool | None = None


class SingleBinding(_Binding):
    """ai, browser, version_metadata: one binding name and nothing else that matters."""

    binding: str | None = None


class Route(_Binding):
    pattern: str
    zone_id: str | None = None
    zone_name: str | None = None
    custom_domain: bool | None = None


class Triggers(_Binding):
    crons: tuple[str, ...] | None = None


class Secrets(_Binding):
    required: tuple[str, ...] | None = None


class Placement(_Binding):
    mode: str | None = None
    hint: str | None = None


class Limits(_Binding):
    cpu_ms: int | None = None
    subrequests: int | None = None


class Observability(_Binding):
    enabled: bool | None = None
    head_sampling_rate: float | None = None
    logs: dict[str, JSON] | None = None
    traces: dict[str, JSON] | None = None


class TailConsumer(_Binding):
    service: str
    environment: str | None = None


class Queues(_Binding):
    producers: dict[str, QueueProducer] | None = None
    consumers: dict[str, QueueConsumer] | None = None

    @field_validator("producers", mode="before")
    @classmethod
    def _key_producers(cls, value: Any) -> Any:
        return keyed(value, "binding")

    @field_validator("consumers", mode="before")
    @classmethod
    def _key_consumers(cls, value: Any) -> Any:
        return keyed(value, "queue")


# Binding kinds whose wrangler form is a list of tables, and the key naming each entry.
KEYED_LISTS: dict[str, str] = {
    "kv_namespaces": "binding",
    "d1_databases": "binding",
    "r2_buckets": "binding",
    "services": "binding",
    "analytics_engine_datasets": "binding",
    "hyperdrive": "binding",
    "vectorize": "binding",
}
SINGLE_BINDINGS: tuple[str, ...] = ("ai", "browser", "version_metadata")
BINDING_KINDS: tuple[str, ...] = (*KEYED_LISTS, "durable_objects")
"""WorkerConfig fields holding bindings keyed by binding name (queues aside)."""


def keyed(value: Any, key: str) -> Any:
    """Turn a wrangler list of tables into a mapping by `key`; other values pass through.

    An entry without a usable key is kept under `#<index>` so that validation can
    still locate it; the cross-checks report the missing name.
    """
    if not isinstance(value, list):
        return value
    result: dict[str, Any] = {}
    for index, entry in enumerate(value):
        name = entry.get(key) if isinstance(entry, Mapping) else None
        label = name if isinstance(name, str) and name else f"#{index}"
        if label in result:
            label = f"{label}#{index}"
        if isinstance(entry, Mapping):
            entry = {k: v for k, v in entry.items() if k != key}
        result[label] = entry
    return result


def unkeyed(value: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    """The inverse of `keyed`: back to a wrangler list of tables."""
    return [{key: name, **entry} for name, entry in value.items()]


# --------------------------------------------------------------------------- WorkerConfig


class WorkerConfig(BaseModel):
    """One Worker's configuration, normalised; `None` means "this source does not manage it".

    Field names are wrangler's. Binding lists are keyed by binding name, so that a
    path such as `kv_namespaces.CACHE.id` names one value in every source.
    """

    model_config = _STRICT

    name: str | None = None
    main: str | None = None
    account_id: str | None = None
    compatibility_date: str | None = None
    compatibility_flags: tuple[str, ...] | None = None
    workers_dev: bool | None = None
    preview_urls: bool | None = None
    routes: tuple[Route, ...] | None = None
    triggers: Triggers | None = None
    vars: dict[str, JSON] | None = None
    secrets: Secrets | None = None
    kv_namespaces: dict[str, KVNamespace] | None = None
    d1_databases: dict[str, D1Database] | None = None
    r2_buckets: dict[str, R2Bucket] | None = None
    durable_objects: dict[str, DurableObject] | None = None
    services: dict[str, Service] | None = None
    queues: Queues | None = None
    analytics_engine_datasets: dict[str, AnalyticsEngineDataset] | None = None
    hyperdrive: dict[str, Hyperdrive] | None = None
    vectorize: dict[str, Vectorize] | None = None
    ai: SingleBinding | None = None
    browser: SingleBinding | None = None
    version_metadata: SingleBinding | None = None
    usage_model: str | None = None
    placement: Placement | None = None
    limits: Limits | None = None
    observability: Observability | None = None
    logpush: bool | None = None
    tail_consumers: tuple[TailConsumer, ...] | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_wrangler_shape(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for field, key in KEYED_LISTS.items():
            if field in data:
                data[field] = keyed(data[field], key)
        objects = data.get("durable_objects")
        if isinstance(objects, Mapping) and "bindings" in objects:
            data["durable_objects"] = keyed(objects["bindings"], "name")
        routes = data.get("routes")
        if isinstance(routes, list):
            data["routes"] = [{"pattern": r} if isinstance(r, str) else r for r in routes]
        if "route" in data and "routes" not in data:
            route = data.pop("route")
            data["routes"] = [{"pattern": route} if isinstance(route, str) else route]
        return data

    def to_wrangler(self) -> dict[str, JSON]:
        """This config in wrangler's own shape (lists of tables), without unset fields."""
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        for field, key in KEYED_LISTS.items():
            if field in data:
                data[field] = unkeyed(data[field], key)
        if "durable_objects" in data:
            data["durable_objects"] = {"bindings": unkeyed(data["durable_objects"], "name")}
        queues = data.get("queues")
        if queues:
            if "producers" in queues:
                queues["producers"] = unkeyed(queues["producers"], "binding")
            if "consumers" in queues:
                queues["consumers"] = unkeyed(queues["consumers"], "queue")
        return data

    def binding_names(self) -> list[tuple[str, str]]:
        """Every (kind, binding name) this config declares, vars and secrets included."""
        names: list[tuple[str, str]] = []
        names += [("vars", n) for n in self.vars or {}]
        names += [
            ("secrets.required", n) for n in (self.secrets.required if self.secrets else ()) or ()
        ]
        for field in (*KEYED_LISTS, "durable_objects"):
            mapping = getattr(self, field)
            names += [(field, n) for n in mapping or {} if not n.startswith("#")]
        if self.queues and self.queues.producers:
            names += [("queues.producers", n) for n in self.queues.producers]
        for field in SINGLE_BINDINGS:
            single = getattr(self, field)
            if single is not None and single.binding:
                names.append((field, single.binding))
        return names


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
