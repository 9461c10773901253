"""wrangler's rules for binding kinds beyond their shapes: workflows, unsafe, pipelines and more."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from envman.parse import Loc
from envman.wrangler.bindings import entries
from envman.wrangler.findings import Ctx, kind_of
from envman.wrangler.keys import BINDINGS

_WORKFLOW_NAME = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9-_]*")
MAX_WORKFLOW_STEPS = 25_000
_NATIVE_TYPES = frozenset(
    [
        "plain_text",
        "secret_text",
        "json",
        "wasm_module",
        "data_blob",
        "text_blob",
        "browser",
        "ai",
        "ai_search_namespace",
        "ai_search",
        "websearch",
        "agent_memory",
        "kv_namespace",
        "durable_object_namespace",
        "d1_database",
        "r2_bucket",
        "service",
        "analytics_engine",
        "hyperdrive",
        "vectorize",
        "queue",
        "dispatch_namespace",
        "mtls_certificate",
        "pipelines",
        "secrets_store_secret",
        "ratelimit",
        "workflow",
        "version_metadata",
        "send_email",
        "images",
        "media",
        "stream",
        "worker_loader",
        "vpc_service",
        "vpc_network",
    ]
)


def items(raw: Mapping[str, Any], *path: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, entry) of each table in the list at `path` of `raw`."""
    node: Any = raw
    for part in path:
        node = node.get(part) if isinstance(node, Mapping) else None
    for index, entry in enumerate(node if isinstance(node, list) else []):
        if isinstance(entry, dict):
            yield index, entry


def check_binding_rules(ctx: Ctx, raw: Mapping[str, Any], *, pages: bool) -> None:
    """EM350-EM357: the rules wrangler adds to the shapes of binding entries.

    `pages`: the file is a Pages project (`pages_build_output_dir`).
    """
    _check_workflows(ctx, raw)
    _check_unsafe(ctx, raw)
    _check_deprecated(ctx, raw)
    _check_exclusive(ctx, raw)
    _check_connect(ctx, raw)
    if pages:
        _check_pages_names(ctx, raw)
    _check_websearch(ctx, raw)
    _check_services(ctx, raw)


def _check_websearch(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    """`websearch`, which wrangler checks as a single binding but its newer schema lacks."""
    websearch = raw.get("websearch")
    if "websearch" not in raw:
        return
    if not isinstance(websearch, dict):
        ctx.add("EM319", ("websearch",), "websearch", "websearch must be a table with a string "
                f'"binding", not {kind_of(websearch)}')  # fmt: skip
        return
    if not isinstance(websearch.get("binding"), str):
        ctx.add("EM319", ("websearch",), "websearch", 'websearch has no string "binding"; '
                "wrangler requires it", hint="add `binding`")  # fmt: skip
    for key in sorted(set(websearch) - {"binding", "remote"}):
        ctx.add("EM310", ("websearch", key), f"websearch.{key}", f"unknown key `{key}` in "
                "`websearch`; wrangler only warns and ignores it")  # fmt: skip


def _check_workflows(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    seen: set[str] = set()
    for index, workflow in items(raw, "workflows"):
        loc = ("workflows", index)
        path = ctx.where(loc)
        name = workflow.get("name")
        if isinstance(name, str):
            if len(name) > 64 or not _WORKFLOW_NAME.fullmatch(name):
                ctx.add("EM350", (*loc, "name"), f"{path}.name", f"workflow name {name!r} is "
                        "invalid: 1-64 letters, digits, '-' and '_', not starting with '-'")  # fmt: skip
            if name in seen:
                ctx.add("EM351", (*loc, "name"), f"{path}.name", f"workflow name {name!r} is "
                        'used twice; "workflows" bindings must have unique names')  # fmt: skip
            seen.add(name)
        schedules = workflow.get("schedules")
        if schedules == "" or schedules == [] or (isinstance(schedules, list) and "" in schedules):
            ctx.add("EM350", (*loc, "schedules"), f"{path}.schedules", f"{path}.schedules must "
                    "not be empty nor hold an empty string")  # fmt: skip
        limits = workflow.get("limits")
        steps = limits.get("steps") if isinstance(limits, dict) else None
        if isinstance(limits, dict) and "steps" in limits:
            if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
                ctx.add("EM350", (*loc, "limits", "steps"), f"{path}.limits.steps",
                        f"{path}.limits.steps must be a positive whole number, not "
                        f"{kind_of(steps)}")  # fmt: skip
            elif steps > MAX_WORKFLOW_STEPS:
                ctx.add("EM352", (*loc, "limits", "steps"), f"{path}.limits.steps",
                        f"{path} has a step limit of {steps}, above the production maximum of "
                        f"{MAX_WORKFLOW_STEPS:,}; the deploy will fail")  # fmt: skip


def _check_unsafe(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    unsafe = raw.get("unsafe")
    if "unsafe" in raw:
        ctx.add("EM353", ("unsafe",), "unsafe", '"unsafe" fields are experimental and may '
                "change or break at any time")  # fmt: skip
    for index, entry in items(raw, "r2_buckets"):
        local_dev = entry.get("local_dev")
        if isinstance(local_dev, dict) and "experimental_s3_credentials" in local_dev:
            ctx.add("EM353", ("r2_buckets", index, "local_dev"),
                    ctx.where(("r2_buckets", index, "local_dev")), '"local_dev.experimental_s3_credentials" '
                    "fields are experimental and may change or break at any time")  # fmt: skip
    if not isinstance(unsafe, dict):
        return
    for index, binding in items(raw, "unsafe", "bindings"):
        kind = binding.get("type")
        path = ctx.where(("unsafe", "bindings", index))
        if kind == "metadata":
            ctx.add("EM354", ("unsafe", "bindings", index), path, "the metadata binding is "
                    "deprecated", hint='use [version_metadata] binding = "…" instead')  # fmt: skip
        elif kind in _NATIVE_TYPES:
            ctx.add("EM354", ("unsafe", "bindings", index), path, f"the binding type {kind!r} "
                    "is directly supported by wrangler; declare it with its own key")  # fmt: skip
    capnp = unsafe.get("capnp")
    if (
        isinstance(capnp, dict)
        and "compiled_schema" in capnp
        and ("base_path" in capnp or "source_schemas" in capnp)
    ):
        ctx.add("EM355", ("unsafe", "capnp"), "unsafe.capnp", 'unsafe.capnp cannot hold both '
                '"compiled_schema" and "base_path"/"source_schemas"')  # fmt: skip


def _check_deprecated(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    for index, producer in items(raw, "queues", "producers"):
        if "delivery_delay" in producer:
            loc = ("queues", "producers", index, "delivery_delay")
            ctx.add("EM356", loc, ctx.where(loc), "delivery_delay is deprecated "
                    "and has no effect", hint="set the delivery delay on the queue itself")  # fmt: skip
    for index, pipeline in items(raw, "pipelines"):
        stream, old = pipeline.get("stream"), pipeline.get("pipeline")
        path = ctx.where(("pipelines", index))
        if not (isinstance(stream, str) and stream):
            if isinstance(old, str) and old:
                ctx.add("EM356", ("pipelines", index, "pipeline"), f"{path}.pipeline",
                        f"the pipeline field of {path} is deprecated", hint="rename it `stream`")  # fmt: skip
            else:
                ctx.add("EM319", ("pipelines", index), path, f"{path} must have a string "
                        '"stream" field')  # fmt: skip
    for index, service in items(raw, "services"):
        if "dev" in service and service.get("remote") is True:
            path = ctx.where(("services", index))
            ctx.add("EM356", ("services", index, "remote"), f"{path}.remote",
                    f'{path} has both "dev" and "remote"; remote is ignored')  # fmt: skip
    logfwdr = raw.get("logfwdr")
    if isinstance(logfwdr, dict) and "schema" in logfwdr:
        ctx.add("EM319", ("logfwdr", "schema"), "logfwdr.schema", 'the logfwdr "schema" '
                'property was replaced by the "unsafe.capnp" table')  # fmt: skip


def _check_exclusive(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    for index, network in items(raw, "vpc_networks"):
        if "network_id" in network and not isinstance(network["network_id"], str):
            path = ctx.where(("vpc_networks", index, "network_id"))
            ctx.add("EM319", ("vpc_networks", index, "network_id"), path, f"{path} must be a "
                    f"string, not {kind_of(network['network_id'])}")  # fmt: skip
        both = "tunnel_id" in network and "network_id" in network
        neither = "tunnel_id" not in network and "network_id" not in network
        if both or neither:
            path = ctx.where(("vpc_networks", index))
            ctx.add("EM319", ("vpc_networks", index), path,
                    f"{path} must have either tunnel_id or network_id"
                    + (", not both" if both else ""))  # fmt: skip
    for index, email in items(raw, "send_email"):
        if "destination_address" in email and "allowed_destination_addresses" in email:
            path = ctx.where(("send_email", index))
            ctx.add("EM319", ("send_email", index), path,
                    f"{path} must have either destination_address or "
                    "allowed_destination_addresses, not both")  # fmt: skip


def _check_services(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    """A service binding's `environment` type, and its `dev` plugin (unknown to the schema)."""
    for index, service in items(raw, "services"):
        loc: Loc = ("services", index)
        environment = service.get("environment")
        if "environment" in service and not isinstance(environment, str):
            _wrong(ctx, (*loc, "environment"), "a string", environment)
        if "dev" not in service:
            continue
        dev = service["dev"]
        if not isinstance(dev, dict):
            _wrong(ctx, (*loc, "dev"), 'a table with a "plugin" table', dev)
            continue
        plugin = dev.get("plugin")
        if not isinstance(plugin, dict):
            where: Loc = (*loc, "dev", "plugin") if "plugin" in dev else (*loc, "dev")
            _wrong(ctx, where, 'a table holding string "package" and "name"', plugin,
                   f"{ctx.where((*loc, 'dev'))}.plugin")  # fmt: skip
        else:
            for key in ("package", "name"):
                if not isinstance(plugin.get(key), str):
                    where = (
                        (*loc, "dev", "plugin", key) if key in plugin else (*loc, "dev", "plugin")
                    )
                    _wrong(ctx, where, "a string", plugin.get(key),
                           f"{ctx.where((*loc, 'dev', 'plugin'))}.{key}")  # fmt: skip
        if "options" in dev and not isinstance(dev["options"], dict):
            _wrong(ctx, (*loc, "dev", "options"), "a table", dev["options"])


def _wrong(ctx: Ctx, loc: Loc, expected: str, value: Any, what: str | None = None) -> None:
    """EM319 at `loc`: `what` (the path of `loc` unless given) must be `expected`."""
    what = what or ctx.where(loc)
    ctx.add("EM319", loc, ctx.where(loc), f"{what} must be {expected}, not {kind_of(value)}")


def _check_connect(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    seen: dict[tuple[Any, Any], int] = {}
    for index, handler in items(raw, "connect"):
        port = handler.get("port")
        path = ctx.where(("connect", index))
        if handler.get("protocol") == "udp":
            ctx.add("EM341", ("connect", index, "protocol"), f"{path}.protocol",
                    f"{path}.protocol is the string 'udp'; wrangler allows only \"tcp\"",
                    hint="wrangler's validation refuses udp, although its newer schema lists it")  # fmt: skip
        if not (isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535):
            ctx.add("EM319", ("connect", index, "port"), f"{path}.port", f"{path} must have a "
                    f"whole-number port from 1 to 65535, not {kind_of(port)}")  # fmt: skip
        key = (handler.get("protocol"), port)
        if key in seen:
            ctx.add("EM319", ("connect", index), path, f"{path} has the same protocol and port "
                    f"as connect[{seen[key]}]; each entry needs its own")  # fmt: skip
        seen.setdefault(key, index)


def _check_pages_names(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    variables = raw.get("vars")
    secrets = raw.get("secrets")
    required = secrets.get("required") if isinstance(secrets, dict) else None
    names: list[tuple[Loc, str, Any]] = []
    if isinstance(variables, dict):
        names += [(("vars", k), f"vars.{k}", k) for k in variables]
    if isinstance(required, list):
        names += [
            (("secrets", "required", i), "secrets.required", s) for i, s in enumerate(required)
        ]
    for kind in BINDINGS:
        names += [(loc, path, name) for loc, _, path, name in entries(kind, raw)]
    for loc, path, name in names:
        if name == "ASSETS":
            ctx.add("EM357", loc, path, "the name 'ASSETS' is reserved in Pages projects",
                    hint="rename this binding")  # fmt: skip
