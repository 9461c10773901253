"""The normalised WorkerConfig: one Worker's configuration from any source, bindings keyed by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

JSON = Any
"""A JSON value: str, int, float, bool, None, list or dict of JSON values."""


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
