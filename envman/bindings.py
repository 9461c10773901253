"""The one catalogue of binding kinds: every per-kind table in envman is derived from it.

A row says, for one kind of binding: where wrangler keeps its entries
(`durable_objects.bindings`), which key names an entry (`binding`, `name`), which keys
wrangler requires, which keys name this environment's own resource (never promoted,
and shared resources across environments are flagged), which keys only steer
`wrangler dev` or migrations (never uploaded, never compared live), and how Cloudflare
calls it (`type` and field names of the binding in the Worker's settings).

A kind with a `model` is modelled: `WorkerConfig` has a field for it (entries keyed by
binding name, so `kv_namespaces.CACHE.id` names one value in every source), and it is
resolved, shown, compared, promoted and edited. A kind without one is known to the
wrangler checks only. Adding a kind is one row here (plus its tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ConfigDict

_TOLERANT = ConfigDict(frozen=True, extra="allow", strict=True, defer_build=True)
"""Unknown wrangler keys are kept; known ones must already have their type (`remote = "yes"`
is an error, not True): files are read as written, never coerced. Built on first use
(`defer_build`), not on import."""


class Binding(BaseModel):
    """A binding from a wrangler-shaped list; unknown wrangler keys are kept, not compared."""

    model_config = _TOLERANT


class KVNamespace(Binding):
    id: str | None = None
    preview_id: str | None = None
    remote: bool | None = None


class D1Database(Binding):
    database_name: str | None = None
    database_id: str | None = None
    preview_database_id: str | None = None
    migrations_dir: str | None = None
    migrations_table: str | None = None
    remote: bool | None = None


class R2Bucket(Binding):
    bucket_name: str | None = None
    jurisdiction: str | None = None
    preview_bucket_name: str | None = None
    remote: bool | None = None


class DurableObject(Binding):
    class_name: str | None = None
    script_name: str | None = None
    environment: str | None = None


class Service(Binding):
    service: str | None = None
    environment: str | None = None
    entrypoint: str | None = None
    remote: bool | None = None


class QueueProducer(Binding):
    queue: str | None = None
    delivery_delay: int | None = None
    remote: bool | None = None


class QueueConsumer(Binding):
    max_batch_size: int | None = None
    max_batch_timeout: float | None = None
    max_retries: int | None = None
    dead_letter_queue: str | None = None
    max_concurrency: int | None = None
    retry_delay: int | None = None


class AnalyticsEngineDataset(Binding):
    dataset: str | None = None


class Hyperdrive(Binding):
    id: str | None = None
    localConnectionString: str | None = None


class Vectorize(Binding):
    index_name: str | None = None
    remote: bool | None = None


class Workflow(Binding):
    name: str | None = None
    class_name: str | None = None
    script_name: str | None = None


class DispatchNamespace(Binding):
    namespace: str | None = None
    remote: bool | None = None


class SingleBinding(Binding):
    """ai, browser, version_metadata: one binding name and nothing else that matters."""

    binding: str | None = None


@dataclass(frozen=True)
class BindingKind:
    """One kind of binding (or of named entry) in a wrangler config."""

    path: str
    """envman's path of the mapping by name: `kv_namespaces`, `queues.producers`, `ai`."""
    wrangler: tuple[str, ...]
    """Where wrangler keeps the entries: `("durable_objects", "bindings")`."""
    naming: str
    """The key naming each entry: `binding`, `name` or `queue`."""
    model: type[Binding] | None = None
    """The entry's model when envman models the kind; None when only wrangler checks know it."""
    single: bool = False
    """One table (`[ai] binding = "AI"`) rather than a list of them."""
    required: tuple[str, ...] = ()
    """Keys wrangler requires in each entry, besides the naming key."""
    resources: tuple[str, ...] = ()
    """Keys naming this environment's own resource: never copied by promotion."""
    map_key: str | None = None
    """The key `promote --map BINDING=ID` fills for an entry new in the target."""
    shared: str | None = None
    """What the `map_key` value is called when two environments share it (EM201)."""
    local_only: tuple[str, ...] = ()
    """Keys that steer `wrangler dev` or migrations only: never uploaded, never compared live."""
    live_type: str | None = None
    """Cloudflare's `type` of the binding in a Worker's settings; None when not a live binding."""
    live_keys: Mapping[str, str] = field(default_factory=dict)
    """envman key -> Cloudflare key of the live binding; the first is required in a response."""
    binding: bool = True
    """False for named entries that are not bindings of the Worker (queue consumers)."""
    live_required: bool = True
    """Whether the first of `live_keys` is always in a response (false: all are optional)."""
    live_ignored: tuple[str, ...] = ()
    """Keys of the live binding that the server assigns or renames: neither compared nor listed."""

    @property
    def field(self) -> str:
        """The WorkerConfig field holding this kind (`queues` for `queues.producers`)."""
        return self.path.split(".", 1)[0]

    @property
    def nested(self) -> bool:
        """Entries sit one level below the WorkerConfig field (`queues.producers.JOBS`)."""
        return "." in self.path

    def entries(self, config: Any) -> Mapping[str, Any]:
        """This kind's entries of a WorkerConfig (or of its JSON dump), by name; {} when unset.

        A single binding (`ai`, `browser`, …) has no entries by name: {} (its field holds
        it). The JSON dump's `{"binding": "AI"}` is not a table of entries.
        """
        if self.single:
            return {}
        node: Any = config
        for part in self.path.split("."):
            node = node.get(part) if isinstance(node, Mapping) else getattr(node, part, None)
            if node is None:
                return {}
        return node if isinstance(node, Mapping) else {}

    def resources_of(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in entry.items() if k in self.resources}

    def portable(self, entry: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in entry.items() if k not in self.resources}


def _kind(path: str, naming: str = "binding", **rest: Any) -> BindingKind:
    wrangler = rest.pop("wrangler", tuple(path.split(".")))
    if "live_keys" in rest:
        rest["live_keys"] = MappingProxyType(dict(rest["live_keys"]))
    return BindingKind(path=path, wrangler=wrangler, naming=naming, **rest)


# fmt: off
KINDS: tuple[BindingKind, ...] = (
    _kind("kv_namespaces", model=KVNamespace, resources=("id", "preview_id"), map_key="id",
          shared="KV namespace id", local_only=("preview_id", "remote"),
          live_type="kv_namespace", live_keys={"id": "namespace_id"}),
    _kind("d1_databases", model=D1Database,
          resources=("database_id", "database_name", "preview_database_id"), map_key="database_id",
          shared="D1 database_id",
          local_only=("database_name", "preview_database_id", "migrations_dir",
                      "migrations_table", "remote"),
          live_type="d1", live_keys={"database_id": "database_id"}, live_ignored=("id",)),
    _kind("r2_buckets", model=R2Bucket,
          resources=("bucket_name", "preview_bucket_name", "jurisdiction"), map_key="bucket_name",
          shared="R2 bucket", local_only=("preview_bucket_name", "remote"),
          live_type="r2_bucket",
          live_keys={"bucket_name": "bucket_name", "jurisdiction": "jurisdiction"}),
    _kind("durable_objects", "name", wrangler=("durable_objects", "bindings"),
          model=DurableObject, required=("class_name",), resources=("script_name", "environment"),
          live_type="durable_object_namespace",
          live_keys={"class_name": "class_name", "script_name": "script_name",
                     "environment": "environment"}, live_ignored=("namespace_id",)),
    _kind("services", model=Service, required=("service",), resources=("service", "environment"),
          map_key="service", local_only=("remote",), live_type="service",
          live_keys={"service": "service", "environment": "environment",
                     "entrypoint": "entrypoint"}),
    _kind("queues.producers", model=QueueProducer, resources=("queue",), map_key="queue",
          shared="queue", local_only=("remote",), live_type="queue",
          live_keys={"queue": "queue_name"}),
    _kind("queues.consumers", "queue", model=QueueConsumer, binding=False),
    _kind("analytics_engine_datasets", model=AnalyticsEngineDataset, resources=("dataset",),
          map_key="dataset", live_type="analytics_engine", live_keys={"dataset": "dataset"}),
    _kind("hyperdrive", model=Hyperdrive, required=("id",), resources=("id", "localConnectionString"),
          map_key="id", shared="Hyperdrive config id", local_only=("localConnectionString",),
          live_type="hyperdrive", live_keys={"id": "id"}),
    _kind("vectorize", model=Vectorize, required=("index_name",), resources=("index_name",),
          map_key="index_name", shared="Vectorize index", local_only=("remote",),
          live_type="vectorize", live_keys={"index_name": "index_name"}),
    _kind("ai", model=SingleBinding, single=True, live_type="ai"),
    _kind("browser", model=SingleBinding, single=True, live_type="browser"),
    _kind("version_metadata", model=SingleBinding, single=True, live_type="version_metadata"),
    _kind("images", model=SingleBinding, single=True, live_type="images"),
    _kind("media", model=SingleBinding, single=True, live_type="media"),
    _kind("stream", model=SingleBinding, single=True),
    _kind("analytics", model=SingleBinding, single=True),
    _kind("workflows", model=Workflow, required=("name", "class_name"),
          resources=("name", "script_name"), map_key="name", shared="workflow",
          local_only=("limits", "schedules", "concurrency", "default_retention", "jurisdiction",
                      "remote"),
          live_type="workflow",
          live_keys={"name": "workflow_name", "class_name": "class_name",
                     "script_name": "script_name"}),
    _kind("dispatch_namespaces", model=DispatchNamespace, resources=("namespace",),
          map_key="namespace", local_only=("remote", "outbound"), live_type="dispatch_namespace",
          live_keys={"namespace": "namespace"}),
    _kind("mtls_certificates", model=Binding, required=("certificate_id",),
          resources=("certificate_id",), map_key="certificate_id", local_only=("remote",),
          live_type="mtls_certificate", live_keys={"certificate_id": "certificate_id"}),
    _kind("send_email", "name", model=Binding, local_only=("remote",), live_type="send_email",
          live_keys={"destination_address": "destination_address",
                     "allowed_destination_addresses": "allowed_destination_addresses",
                     "allowed_sender_addresses": "allowed_sender_addresses"},
          live_required=False),
    _kind("pipelines", model=Binding, resources=("stream", "pipeline"), map_key="stream",
          local_only=("remote",), live_type="pipelines", live_keys={"stream": "pipeline"}),
    _kind("ratelimits", "name", model=Binding, required=("namespace_id", "simple"),
          resources=("namespace_id",), live_type="ratelimit",
          live_keys={"namespace_id": "namespace_id", "simple": "simple"}),
    _kind("secrets_store_secrets", model=Binding, required=("store_id", "secret_name"),
          resources=("store_id", "secret_name"), live_type="secrets_store_secret",
          live_keys={"store_id": "store_id", "secret_name": "secret_name"}),
    _kind("unsafe.bindings", "name", required=("type",)),
    _kind("logfwdr.bindings", "name", required=("destination",)),
    _kind("vpc_services", model=Binding, required=("service_id",), resources=("service_id",),
          map_key="service_id", local_only=("remote",), live_type="vpc_service",
          live_keys={"service_id": "service_id"}),
    _kind("vpc_networks", model=Binding, resources=("tunnel_id", "network_id"),
          local_only=("remote",), live_type="vpc_network",
          live_keys={"tunnel_id": "tunnel_id", "network_id": "network_id"}, live_required=False),
    _kind("worker_loaders", model=Binding),
    _kind("agent_memory", model=Binding, required=("namespace",), resources=("namespace",),
          local_only=("remote",)),
    _kind("ai_search", model=Binding, required=("instance_name",), resources=("instance_name",),
          local_only=("remote",), live_type="ai_search",
          live_keys={"instance_name": "instance_name"}),
    _kind("ai_search_namespaces", model=Binding, required=("namespace",),
          resources=("namespace",), local_only=("remote",), live_type="ai_search_namespace",
          live_keys={"namespace": "namespace"}),
    _kind("artifacts", model=Binding, required=("namespace",), resources=("namespace",),
          local_only=("remote",)),
    _kind("flagship", model=Binding, resources=("app_id",), local_only=("remote",),
          live_type="flagship", live_keys={"app_id": "app_id"}),
    _kind("k2", model=Binding, required=("stream",), resources=("stream",),
          local_only=("remote",)),
    _kind("unsafe_hello_world", model=Binding),
)
# fmt: on

MODELLED: tuple[BindingKind, ...] = tuple(k for k in KINDS if k.model is not None)
"""The kinds WorkerConfig has fields for."""

BY_PATH: Mapping[str, BindingKind] = MappingProxyType({k.path: k for k in KINDS})
BY_LIVE_TYPE: Mapping[str, BindingKind] = MappingProxyType(
    {k.live_type: k for k in MODELLED if k.live_type}
)
NAMING_KEYS: tuple[str, ...] = tuple(dict.fromkeys(k.naming for k in KINDS))
"""Every key that names an entry of a wrangler list of tables."""


def kind_of(path: str) -> BindingKind | None:
    """The modelled kind whose entries `path` names (`kv_namespaces.CACHE.id` -> kv_namespaces)."""
    for kind in MODELLED:
        if not kind.single and path.startswith(kind.path + "."):
            return kind
    return None


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


__all__ = [
    "BY_LIVE_TYPE",
    "BY_PATH",
    "KINDS",
    "MODELLED",
    "NAMING_KEYS",
    "AnalyticsEngineDataset",
    "Binding",
    "BindingKind",
    "D1Database",
    "DispatchNamespace",
    "DurableObject",
    "Hyperdrive",
    "KVNamespace",
    "QueueConsumer",
    "QueueProducer",
    "R2Bucket",
    "Service",
    "SingleBinding",
    "Vectorize",
    "Workflow",
    "keyed",
    "kind_of",
    "unkeyed",
]
