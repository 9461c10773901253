"""The normalised WorkerConfig: one Worker's configuration from any source, bindings keyed by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from envman.bindings import (
    BY_PATH,
    MODELLED,
    Binding,
    QueueConsumer,
    QueueProducer,
    keyed,
    unkeyed,
)

JSON = Any
"""A JSON value: str, int, float, bool, None, list or dict of JSON values."""


_STRICT = ConfigDict(frozen=True, extra="forbid", strict=True, defer_build=True)
"""No coercion: `workers_dev = "no"`, `cpu_ms = "50"` are errors, not False and 50.

Arrays stay lax (`Field(strict=False)`): TOML and JSON give lists, where strict mode
would want a Python tuple; their items are still checked strictly. Built on first use
(`defer_build`), not on import."""


class _Settings(Binding):
    """A wrangler settings table; unknown wrangler keys are kept, not compared."""


class Route(_Settings):
    pattern: str
    zone_id: str | None = None
    zone_name: str | None = None
    custom_domain: bool | None = None


class Triggers(_Settings):
    crons: tuple[str, ...] | None = Field(None, strict=False)


class Secrets(_Settings):
    required: tuple[str, ...] | None = Field(None, strict=False)


class Placement(_Settings):
    mode: str | None = None
    hint: str | None = None


class Limits(_Settings):
    cpu_ms: int | None = None
    subrequests: int | None = None


class Observability(_Settings):
    enabled: bool | None = None
    head_sampling_rate: float | None = None
    logs: dict[str, JSON] | None = None
    traces: dict[str, JSON] | None = None


class Assets(_Settings):
    directory: str | None = None
    binding: str | None = None
    html_handling: str | None = None
    not_found_handling: str | None = None
    run_worker_first: bool | list[str] | None = None


class Migration(_Settings):
    """One `[[migrations]]` step; the list is compared and promoted as a whole, in order."""

    tag: str | None = None
    new_classes: tuple[str, ...] | None = Field(None, strict=False)
    new_sqlite_classes: tuple[str, ...] | None = Field(None, strict=False)
    deleted_classes: tuple[str, ...] | None = Field(None, strict=False)
    renamed_classes: tuple[dict[str, str], ...] | None = Field(None, strict=False)
    transferred_classes: tuple[dict[str, str], ...] | None = Field(None, strict=False)


class Container(_Settings):
    """One `[[containers]]` application (name, class_name, image, max_instances…)."""

    name: str | None = None
    class_name: str | None = None
    image: str | None = None
    max_instances: int | None = None
    instance_type: str | dict[str, JSON] | None = None


class TailConsumer(_Settings):
    service: str
    environment: str | None = None


class Queues(_Settings):
    producers: dict[str, QueueProducer] | None = None
    consumers: dict[str, QueueConsumer] | None = None

    @field_validator("producers", mode="before")
    @classmethod
    def _key_producers(cls, value: Any) -> Any:
        return keyed(value, BY_PATH["queues.producers"].naming)

    @field_validator("consumers", mode="before")
    @classmethod
    def _key_consumers(cls, value: Any) -> Any:
        return keyed(value, BY_PATH["queues.consumers"].naming)


_TOP_KINDS = tuple(k for k in MODELLED if not k.nested)
"""The binding kinds that are WorkerConfig fields of their own (queues aside)."""


def _binding_fields() -> list[tuple[str, Any]]:
    """(field, annotation) of every binding field, in catalogue order."""
    fields: dict[str, Any] = {}
    for kind in MODELLED:
        model = kind.model
        if model is None:
            continue
        if kind.nested:
            fields.setdefault(kind.field, Queues | None)
        elif kind.single:
            fields[kind.field] = model | None
        else:
            fields[kind.field] = dict[str, model] | None  # type: ignore[valid-type]
    return list(fields.items())


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
    compatibility_flags: tuple[str, ...] | None = Field(None, strict=False)
    workers_dev: bool | None = None
    preview_urls: bool | None = None
    routes: tuple[Route, ...] | None = Field(None, strict=False)
    triggers: Triggers | None = None
    vars: dict[str, JSON] | None = None
    secrets: Secrets | None = None
    # One field per modelled binding kind of the catalogue (envman.bindings), its entries
    # keyed by binding name; `queues` holds the producers and the consumers.
    for _name, _annotation in _binding_fields():
        __annotations__[_name] = _annotation
        locals()[_name] = None
    del _name, _annotation
    if TYPE_CHECKING:  # made from the catalogue above; typed here for the type checker
        queues: Queues | None = None
    usage_model: str | None = None
    placement: Placement | None = None
    limits: Limits | None = None
    observability: Observability | None = None
    logpush: bool | None = None
    tail_consumers: tuple[TailConsumer, ...] | None = Field(None, strict=False)
    assets: Assets | None = None
    migrations: tuple[Migration, ...] | None = Field(None, strict=False)
    containers: tuple[Container, ...] | None = Field(None, strict=False)

    @model_validator(mode="before")
    @classmethod
    def _from_wrangler_shape(cls, data: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        for kind in _TOP_KINDS:
            if kind.single or kind.field not in data:
                continue
            value = data[kind.field]
            if len(kind.wrangler) > 1:  # durable_objects.bindings
                if not isinstance(value, Mapping) or kind.wrangler[1] not in value:
                    continue
                value = value[kind.wrangler[1]]
            data[kind.field] = keyed(value, kind.naming)
        routes = data.get("routes")
        if isinstance(routes, list):
            data["routes"] = [{"pattern": r} if isinstance(r, str) else r for r in routes]
        if "route" in data and "routes" not in data:
            route = data.pop("route")
            data["routes"] = [{"pattern": route} if isinstance(route, str) else route]
        return data

    def to_wrangler(self) -> dict[str, JSON]:
        """This config in wrangler's own shape (lists of tables), without unset fields.

        A route that is only a pattern is written as the string wrangler reads it as
        (`routes = ["example.com/*"]`): a `{ pattern }` table without a zone is refused.
        """
        data: dict[str, Any] = self.model_dump(mode="json", exclude_none=True)
        if "routes" in data:
            data["routes"] = [
                route["pattern"] if set(route) == {"pattern"} else route for route in data["routes"]
            ]
        for kind in MODELLED:
            if kind.single:
                continue
            *parents, last = kind.path.split(".")
            holder = data
            for part in parents:
                holder = holder.get(part) or {}
            if last not in holder:
                continue
            entries = unkeyed(holder[last], kind.naming)
            if len(kind.wrangler) > len(kind.path.split(".")):  # durable_objects.bindings
                holder[last] = {kind.wrangler[-1]: entries}
            else:
                holder[last] = entries
        return data

    def binding_names(self) -> list[tuple[str, str]]:
        """Every (kind, binding name) this config declares, vars and secrets included."""
        names: list[tuple[str, str]] = []
        names += [("vars", n) for n in self.vars or {}]
        names += [
            ("secrets.required", n) for n in (self.secrets.required if self.secrets else ()) or ()
        ]
        for kind in MODELLED:
            if not kind.binding:
                continue
            if kind.single:
                single = getattr(self, kind.field)
                if single is not None and single.binding:
                    names.append((kind.path, single.binding))
            else:
                names += [(kind.path, n) for n in kind.entries(self) if not n.startswith("#")]
        return names
