"""The wrangler configuration file: read, resolved per environment as wrangler does, checked."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from envman.codes import severity_of
from envman.errors import InputError, UsageError
from envman.files import Document, Loc, parse_toml, read_text
from envman.jsonc import parse as parse_jsonc
from envman.models import Finding, Source, WorkerConfig, did_you_mean

WRANGLER_FILES: tuple[str, ...] = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")
"""The file names wrangler reads, in its order of precedence."""

TOP_LEVEL = "top-level"
"""The environment name envman gives wrangler's top level (what `wrangler deploy` deploys
without `--env`) when the wrangler file alone defines the environments. An `[env.top-level]`
section, should one exist, is shadowed by it."""

Locate: TypeAlias = Callable[[Loc], Source | None]

# --------------------------------------------------------------------------- key catalogue

INHERITABLE: tuple[str, ...] = (
    "account_id", "compatibility_date", "compatibility_flags", "name", "main", "route", "routes",
    "triggers", "limits", "placement", "workers_dev", "preview_urls", "migrations", "logpush",
    "observability", "assets", "build", "rules", "minify", "no_bundle", "keep_names", "tsconfig",
    "jsx_factory", "jsx_fragment", "upload_source_maps", "find_additional_modules", "base_dir",
    "preserve_file_names", "first_party_worker", "compliance_region", "python_modules", "exports",
    "cache", "access",
    # Not in NOTES.md's list: wrangler's validation.ts reads `logfwdr` with inheritable();
    # `previews` holds per-Worker settings like limits and observability (assumed likewise).
    "logfwdr", "previews",
)  # fmt: skip
"""Keys an environment takes from the top level unless it sets them (whole-value replacement)."""

NOT_INHERITED: tuple[str, ...] = (
    "vars", "secrets", "define", "durable_objects", "kv_namespaces", "r2_buckets", "d1_databases",
    "services", "queues", "analytics_engine_datasets", "hyperdrive", "vectorize", "ai", "browser",
    "images", "media", "stream", "version_metadata", "workflows", "dispatch_namespaces",
    "mtls_certificates", "send_email", "tail_consumers", "streaming_tail_consumers", "pipelines",
    "ratelimits", "secrets_store_secrets", "containers", "unsafe", "vpc_services", "vpc_networks",
    "worker_loaders",
    # "the newer binding kinds" of NOTES.md, as config-schema.json lists them.
    "agent_memory", "ai_search", "ai_search_namespaces", "analytics", "artifacts", "cloudchamber",
    "connect", "flagship", "k2", "unsafe_hello_world",
)  # fmt: skip
"""Keys an environment has only if it declares them itself (bindings and vars)."""

TOP_LEVEL_ONLY: tuple[str, ...] = (
    "keep_vars", "send_metrics", "dev", "site", "alias", "wasm_modules", "text_blobs", "data_blobs",
    "pages_build_output_dir", "$schema", "addresses", "dependencies_instrumentation",
)  # fmt: skip
"""Keys wrangler reads from the top level only; inside `[env.X]` they are ignored."""

REMOVED: dict[str, str] = {
    "node_compat": "wrangler 4 removed `node_compat`: delete it and add "
    '"nodejs_compat" to compatibility_flags',
    "legacy_env": "service environments were removed in wrangler 4.111: delete `legacy_env`",
}
"""Keys wrangler now refuses (errors), with how to fix each."""

_LEGACY: dict[str, str] = {
    "type": "`type` is a wrangler v1 key; wrangler 4 bundles the Worker itself: delete it and set "
    "`main` to the entry point",
    "webpack_config": "wrangler 4 does not run webpack: delete `webpack_config`, build in "
    "[build] command and point `main` at the output",
    "zone_id": "wrangler v1's `zone_id` is gone: give each route its zone, "
    'routes = [{ pattern = "example.com/*", zone_name = "example.com" }]',
    "usage_model": "`usage_model` no longer does anything (Workers Standard pricing): delete it",
    "miniflare": "[miniflare] was read by Miniflare 2's own CLI; wrangler ignores it",
    "upload": "[build.upload] is wrangler v1/v2: set `main` (and `rules`) at the top level",
    "kv-namespaces": "wrangler reads `kv_namespaces` (underscore)",
    "env": "environments cannot be nested: declare [env.NAME] at the top level only",
}
"""Keys wrangler no longer knows that were once valid, with what to do instead."""

# Shapes of every key wrangler knows, generated from wrangler's config-schema.json
# (draft-07, wrangler 4.164): S string, B boolean, N number, J any JSON value, [x] a list
# of x, {key: x} a table ("*" for any other key), (x, y) either. Enums are plain strings;
# `previews` is left open (the schema's shape for it is a generator artefact).
# tests/test_wrangler.py regenerates these from the schema and compares.
S, B, N, J = "string", "boolean", "number", "json"
Shape: TypeAlias = str | list["Shape"] | tuple["Shape", ...] | dict[str, "Shape"]

# fmt: off
_ENV_SHAPE: dict[str, Shape] = {
    "access": {"dev": {"aud": S, "identity": {"*": J}}},
    "account_id": S,
    "agent_memory": [{"binding": S, "namespace": S, "remote": B}],
    "ai": {"binding": S, "remote": B, "staging": B},
    "ai_search": [{"binding": S, "instance_name": S, "remote": B}],
    "ai_search_namespaces": [{"binding": S, "namespace": S, "remote": B}],
    "analytics": {"binding": S, "remote": B},
    "analytics_engine_datasets": [{"binding": S, "dataset": S, "remote": B}],
    "artifacts": [{"binding": S, "namespace": S, "remote": B}],
    "assets": {
        "base_path": S,
        "binding": S,
        "directory": S,
        "html_handling": S,
        "not_found_handling": S,
        "run_worker_first": ([S], B),
    },
    "base_dir": S,
    "browser": {"binding": S, "remote": B},
    "build": {"command": S, "cwd": S, "watch_dir": (S, [S])},
    "cache": {"cross_version_cache": B, "enabled": B},
    "cloudchamber": {
        "image": S,
        "instance_type": S,
        "ipv4": B,
        "location": S,
        "memory": S,
        "vcpu": N,
    },
    "compatibility_date": S,
    "compatibility_flags": [S],
    "compliance_region": S,
    "connect": [{
        "address": S,
        "idle_timeout_ms": N,
        "max_pending_bytes": N,
        "port": N,
        "protocol": S,
    }],
    "containers": [{
        "authorized_keys": [{"name": S, "public_key": S}],
        "class_name": S,
        "constraints": {"jurisdiction": S, "regions": [S]},
        "image": S,
        "image_build_context": S,
        "image_vars": {"*": S},
        "images": {
            "*": {
                "build_context": S,
                "build_vars": {"*": S},
                "dockerfile": S,
                "image": S,
            },
        },
        "instance_type": (S, {"disk_mb": N, "memory_mib": N, "vcpu": N}),
        "max_instances": N,
        "name": S,
        "observability": {
            "enabled": B,
            "logs": {"enabled": B},
            "target_instance_count": N,
            "target_instance_percentage": N,
        },
        "rollout_active_grace_period": N,
        "rollout_step_percentage": (N, [N]),
        "scheduling_policy": S,
        "ssh": {"enabled": B, "port": N},
        "trusted_user_ca_keys": [{"name": S, "public_key": S}],
    }],
    "d1_databases": [{
        "binding": S,
        "database_id": S,
        "database_internal_env": S,
        "database_name": S,
        "jurisdiction": S,
        "migrations_dir": S,
        "migrations_pattern": S,
        "migrations_table": S,
        "preview_database_id": S,
        "remote": B,
    }],
    "define": {"*": S},
    "dispatch_namespaces": [{
        "binding": S,
        "namespace": S,
        "outbound": {"environment": S, "parameters": [S], "service": S},
        "remote": B,
    }],
    "durable_objects": {
        "bindings": [{
            "class_name": S,
            "environment": S,
            "name": S,
            "script_name": S,
        }],
        "code_update_strategy": {"max_delay": N, "mode": S},
    },
    "exports": {
        "*": {
            "cache": {"enabled": B},
            "concurrency": {"limit": N},
            "container": S,
            "default_retention": {"error_retention": (N, S), "success_retention": (N, S)},
            "jurisdiction": S,
            "limits": {"steps": N},
            "name": S,
            "renamed_to": S,
            "schedules": (S, [S]),
            "state": S,
            "storage": S,
            "transfer_from": S,
            "transferred_to": S,
            "type": S,
        },
    },
    "find_additional_modules": B,
    "first_party_worker": B,
    "flagship": [{"app_id": S, "binding": S, "remote": B}],
    "hyperdrive": [{"binding": S, "id": S, "localConnectionString": S, "remote": B}],
    "images": {"binding": S, "remote": B},
    "jsx_factory": S,
    "jsx_fragment": S,
    "k2": [{"binding": S, "remote": B, "stream": S}],
    "keep_names": B,
    "kv_namespaces": [{"binding": S, "id": S, "preview_id": S, "remote": B}],
    "limits": {"cpu_ms": N, "subrequests": N},
    "logfwdr": {"bindings": [{"destination": S, "name": S}]},
    "logpush": B,
    "main": S,
    "media": {"binding": S, "remote": B},
    "migrations": [{
        "deleted_classes": [S],
        "new_classes": [S],
        "new_sqlite_classes": [S],
        "renamed_classes": [{"from": S, "to": S}],
        "tag": S,
        "transferred_classes": [{"from": S, "from_script": S, "to": S}],
    }],
    "minify": B,
    "mtls_certificates": [{"binding": S, "certificate_id": S, "remote": B}],
    "name": S,
    "no_bundle": B,
    "observability": {
        "enabled": B,
        "head_sampling_rate": N,
        "issues": {"enabled": B},
        "logs": {
            "destinations": [S],
            "enabled": B,
            "head_sampling_rate": N,
            "invocation_logs": B,
            "persist": B,
        },
        "redact_query_string": B,
        "traces": {
            "destinations": [S],
            "enabled": B,
            "head_sampling_rate": N,
            "persist": B,
        },
    },
    "pipelines": [{"binding": S, "pipeline": S, "remote": B, "stream": S}],
    "placement": {"hint": S, "host": S, "hostname": S, "mode": S, "region": S},
    "preserve_file_names": B,
    "preview_urls": B,
    "previews": {"*": J},
    "python_modules": {"exclude": [S]},
    "queues": {
        "consumers": [{
            "dead_letter_queue": S,
            "max_batch_size": N,
            "max_batch_timeout": N,
            "max_concurrency": J,
            "max_retries": N,
            "queue": S,
            "retry_delay": N,
            "type": S,
            "visibility_timeout_ms": N,
        }],
        "producers": [{"binding": S, "delivery_delay": N, "queue": S, "remote": B}],
    },
    "r2_buckets": [{
        "binding": S,
        "bucket_name": S,
        "jurisdiction": S,
        "local_dev": {
            "experimental_s3_credentials": {"accessKeyId": S, "secretAccessKey": S},
        },
        "preview_bucket_name": S,
        "remote": B,
    }],
    "ratelimits": [{"name": S, "namespace_id": S, "simple": {"limit": N, "period": N}}],
    "route": (S, {
        "custom_domain": B,
        "enabled": B,
        "pattern": S,
        "previews_enabled": B,
        "zone_id": S,
        "zone_name": S,
    }),
    "routes": [(S, {
        "custom_domain": B,
        "enabled": B,
        "pattern": S,
        "previews_enabled": B,
        "zone_id": S,
        "zone_name": S,
    })],
    "rules": [{"fallthrough": B, "globs": [S], "type": S}],
    "secrets": {"required": [S]},
    "secrets_store_secrets": [{"binding": S, "secret_name": S, "store_id": S}],
    "send_email": [{
        "allowed_destination_addresses": [S],
        "allowed_sender_addresses": [S],
        "destination_address": S,
        "name": S,
        "remote": B,
    }],
    "services": [{
        "binding": S,
        "entrypoint": S,
        "props": {"*": J},
        "remote": B,
        "service": S,
    }],
    "stream": {"binding": S, "remote": B},
    "streaming_tail_consumers": [{"service": S}],
    "tail_consumers": [{"environment": S, "service": S}],
    "triggers": {
        "crons": [S],
        "events": [{
            "filter": {"namespace": S, "repo_name": S},
            "targets": [{"type": S, "workflow_name": S}],
            "type": S,
        }],
    },
    "tsconfig": S,
    "unsafe": {
        "bindings": [{
            "*": J,
            "dev": {"options": {"*": J}, "plugin": {"name": S, "package": S}},
            "name": S,
            "type": S,
        }],
        "capnp": {"base_path": S, "compiled_schema": S, "source_schemas": [S]},
        "metadata": {"*": J},
    },
    "unsafe_hello_world": [{"binding": S, "enable_timer": B}],
    "upload_source_maps": B,
    "vars": {"*": J},
    "vectorize": [{"binding": S, "index_name": S, "remote": B}],
    "version_metadata": {"binding": S},
    "vpc_networks": [{"binding": S, "network_id": S, "remote": B, "tunnel_id": S}],
    "vpc_services": [{"binding": S, "remote": B, "service_id": S}],
    "worker_loaders": [{"binding": S}],
    "workers_dev": B,
    "workflows": [{
        "binding": S,
        "class_name": S,
        "concurrency": {"limit": N},
        "default_retention": {"error_retention": (N, S), "success_retention": (N, S)},
        "jurisdiction": S,
        "limits": {"steps": N},
        "name": S,
        "schedules": (S, [S]),
        "script_name": S,
    }],
}

_TOP_ONLY_SHAPE: dict[str, Shape] = {
    "$schema": S,
    "addresses": [S],
    "alias": {"*": S},
    "data_blobs": {"*": S},
    "dependencies_instrumentation": {"enabled": B, "exclude_packages": [S]},
    "dev": {
        "container_engine": ({
            "localDocker": {"containerEgressInterceptorImage": S, "socketPath": S},
        }, S),
        "enable_containers": B,
        "generate_types": B,
        "host": S,
        "inspector_ip": S,
        "inspector_port": N,
        "ip": S,
        "local_protocol": S,
        "port": N,
        "upstream_protocol": S,
    },
    "keep_vars": B,
    "pages_build_output_dir": S,
    "send_metrics": B,
    "site": {"bucket": S, "entry-point": S, "exclude": [S], "include": [S]},
    "text_blobs": {"*": S},
    "wasm_modules": {"*": S},
}
# fmt: on

_BINDINGS: dict[str, tuple[str, ...]] = {
    "kv_namespaces": ("binding",),
    "d1_databases": ("binding",),
    "r2_buckets": ("binding",),
    "durable_objects.bindings": ("name", "class_name"),
    "services": ("binding", "service"),
    "queues.producers": ("binding",),
    "analytics_engine_datasets": ("binding",),
    "hyperdrive": ("binding", "id"),
    "vectorize": ("binding", "index_name"),
    "ai": ("binding",),
    "browser": ("binding",),
    "images": ("binding",),
    "media": ("binding",),
    "stream": ("binding",),
    "version_metadata": ("binding",),
    "analytics": ("binding",),
    "workflows": ("binding", "name", "class_name"),
    "dispatch_namespaces": ("binding",),
    "mtls_certificates": ("binding", "certificate_id"),
    "send_email": ("name",),
    "pipelines": ("binding",),
    "ratelimits": ("name", "namespace_id", "simple"),
    "secrets_store_secrets": ("binding", "store_id", "secret_name"),
    "unsafe.bindings": ("name", "type"),
    "logfwdr.bindings": ("name", "destination"),
    "vpc_services": ("binding", "service_id"),
    "vpc_networks": ("binding",),
    "worker_loaders": ("binding",),
    "agent_memory": ("binding", "namespace"),
    "ai_search": ("binding", "instance_name"),
    "ai_search_namespaces": ("binding", "namespace"),
    "artifacts": ("binding", "namespace"),
    "flagship": ("binding",),
    "k2": ("binding", "stream"),
    "unsafe_hello_world": ("binding",),
}
"""Every binding kind: where its entries live, and their required keys (the naming key first)."""

_KNOWN_KEYS = frozenset(_ENV_SHAPE) | frozenset(_TOP_ONLY_SHAPE)
_ROUTE_KEYS = frozenset(
    ("pattern", "zone_id", "zone_name", "custom_domain", "enabled", "previews_enabled")
)
_NAME = re.compile(r"[a-z0-9_][a-z0-9_-]*")
_R2_BUCKET = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PLACEMENT_MODES = ("off", "smart", "targeted")
MAX_NAME = 63
"""Cloudflare's limit on a Worker (script) name."""


# --------------------------------------------------------------------------- the file


def find_wrangler_file(root: Path) -> Path | None:
    """The wrangler file in `root`: wrangler.json, else wrangler.jsonc, else wrangler.toml.

    Only `root` itself is searched. wrangler also looks in parent folders, but envman always
    knows its project root, and a file found above it would belong to another project.
    """
    for name in WRANGLER_FILES:
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class WranglerFile:
    """A parsed wrangler file: its located document and its `[env.X]` names in file order.

    `duplicates` lists each JSONC key that a later one of the same path overrode (wrangler
    keeps the last), as (path, (line, column)); check() reports them as EM005.
    """

    path: Path
    document: Document
    env_names: tuple[str, ...]
    duplicates: tuple[tuple[Loc, tuple[int, int]], ...] = ()


def read_wrangler(path: Path, shown: str | None = None) -> WranglerFile:
    """Read and parse a wrangler file; `shown` is the name used in messages.

    Raises InputError (exit 3) when the file is unreadable, not UTF-8, empty, malformed
    TOML/JSONC, or not a table at the top. Duplicate JSONC keys are not fatal (wrangler
    keeps the last one): they are kept in `duplicates`.
    """
    shown = shown or str(path)
    text = read_text(path, shown)
    duplicates: tuple[tuple[Loc, tuple[int, int]], ...] = ()
    if path.suffix in (".json", ".jsonc"):
        parsed = parse_jsonc(text, shown)
        document = Document(
            path=shown,
            text=text,
            data=parsed.data,
            positions=parsed.positions,
            spans=parsed.spans,
            format="jsonc",
        )
        duplicates = parsed.duplicates
    else:
        document = parse_toml(text, shown)
    if not isinstance(document.data, dict):
        raise InputError(
            "the top level must be an object",
            file=shown,
            line=1,
            column=1,
            hint='a wrangler file is one object: { "name": "my-worker", ... }',
        )
    envs = document.data.get("env")
    names = (
        tuple(k for k, v in envs.items() if isinstance(v, dict)) if isinstance(envs, dict) else ()
    )
    return WranglerFile(path=path, document=document, env_names=names, duplicates=duplicates)


# --------------------------------------------------------------------------- resolution


@dataclass(frozen=True)
class ResolvedEnv:
    """One environment as wrangler resolves it: the config `wrangler deploy [--env X]` uses.

    `raw` is wrangler-shaped (lists of tables, unknown keys kept); `origin` maps each of
    its top-level keys to the document path it came from, e.g. "vars" -> ("env",
    "staging", "vars"), or ("compatibility_date",) when inherited. A derived `name` comes
    from ("env", X), the table where an explicit name would go.
    """

    env: str
    worker_name: str | None
    """`env.X.name`, else "<top-level name>-<X>"; for the top level its `name`. None if unset."""
    name_derived: bool
    raw: dict[str, Any]
    origin: dict[str, Loc]
    document: Document

    @property
    def table(self) -> Loc:
        """The document path of this environment's own table (() for the top level)."""
        return () if self.env == TOP_LEVEL else ("env", self.env)

    def document_loc(self, key_path: Loc) -> Loc:
        """Translate a path into `raw` to the document path the value is written at."""
        origin = self.origin.get(str(key_path[0])) if key_path else None
        return self.table if origin is None else (*origin, *key_path[1:])

    def source(self, key_path: Loc = ()) -> Source:
        """Where a value of `raw` is written (its nearest located parent when not itself)."""
        return self.document.source(self.document_loc(key_path))

    def config(self) -> WorkerConfig:
        """`raw` as a WorkerConfig: the keys it models only, values of the wrong type left out.

        Never raises for what wrangler accepts; check() reports the values left out.
        """
        return _worker_config(self.raw)


def _ignored(key: str, value: Any) -> bool:
    """wrangler treats an empty `route` or `account_id` as absent (with a warning)."""
    return key in ("route", "account_id") and value == ""


def resolve(wf: WranglerFile, env: str) -> ResolvedEnv:
    """Resolve `env` (TOP_LEVEL or an `[env.X]` name) exactly as wrangler does.

    Inheritable keys: the environment's value, else the top level's. Other keys: only what
    the environment declares (unknown keys included). Top-level-only keys are not part of
    an environment. `name` is derived as "<top-level name>-<X>" when the environment sets
    none. `route` and `routes` are inherited independently, as wrangler does (and its
    deploy then prefers `routes`). Raises UsageError for an unknown environment.
    """
    data = wf.document.data
    if env == TOP_LEVEL:
        raw = {k: v for k, v in data.items() if k != "env" and not _ignored(k, v)}
        name = raw.get("name")
        worker = name if isinstance(name, str) and name else None
        origin: dict[str, Loc] = {k: (k,) for k in raw}
        return ResolvedEnv(TOP_LEVEL, worker, False, copy.deepcopy(raw), origin, wf.document)
    if env not in wf.env_names:
        known = (TOP_LEVEL, *wf.env_names)
        raise UsageError(
            f"{wf.document.path} has no environment {env!r}; it has {', '.join(known)}",
            hint=did_you_mean(env, known),
        )
    own: dict[str, Any] = data["env"][env]
    raw, origin = {}, {}
    top_name, name_derived = data.get("name"), False
    if "name" not in own and isinstance(top_name, str) and top_name:
        raw["name"], origin["name"], name_derived = f"{top_name}-{env}", ("env", env), True
    for key in dict.fromkeys([*data, *own]):
        if key == "env" or (key == "name" and "name" not in own):
            continue
        if key in own and key not in TOP_LEVEL_ONLY and not _ignored(key, own[key]):
            raw[key], origin[key] = own[key], ("env", env, key)
        elif key in INHERITABLE and key in data and not _ignored(key, data[key]):
            raw[key], origin[key] = data[key], (key,)
    name = raw.get("name")
    worker = name if isinstance(name, str) and name else None
    return ResolvedEnv(env, worker, name_derived, copy.deepcopy(raw), origin, wf.document)


def resolve_all(wf: WranglerFile) -> list[ResolvedEnv]:
    """The top level, then every `[env.X]` in file order, each resolved."""
    return [resolve(wf, env) for env in (TOP_LEVEL, *wf.env_names)]


def _worker_config(raw: Mapping[str, Any]) -> WorkerConfig:
    data: dict[str, Any] = {}
    for key in WorkerConfig.model_fields:
        if key in raw and key != "routes":
            value = _conform(raw[key], _ENV_SHAPE.get(key, S))
            if value is not _DROP:
                data[key] = value
    # wrangler deploy: `routes`, else [`route`].
    routes = raw["routes"] if "routes" in raw else [raw["route"]] if raw.get("route") else None
    if isinstance(routes, list):
        data["routes"] = [
            _conform(r, _ENV_SHAPE["route"])
            for r in routes
            if (isinstance(r, str) and r)
            or (isinstance(r, dict) and isinstance(r.get("pattern"), str))
        ]
    try:
        return WorkerConfig.model_validate(data)
    except ValueError:  # pydantic's ValidationError: keep each key that validates on its own
        kept = {}
        for key, value in data.items():
            try:
                WorkerConfig.model_validate({key: value})
            except ValueError:
                continue
            kept[key] = value
        return WorkerConfig.model_validate(kept)


_DROP = object()


def _match(value: Any, shape: Shape) -> Shape | None:
    """The alternative of `shape` that `value` has the JSON type of, or None."""
    if isinstance(shape, tuple):
        return next((m for alt in shape if (m := _match(value, alt)) is not None), None)
    if isinstance(shape, list):
        return shape if isinstance(value, list) else None
    if isinstance(shape, dict):
        return shape if isinstance(value, dict) else None
    if shape == J:
        return shape
    if shape == S:
        return shape if isinstance(value, str) else None
    if shape == B:
        return shape if isinstance(value, bool) else None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return shape if number else None


def _conform(value: Any, shape: Shape) -> Any:
    """`value` with every part of the wrong type dropped (_DROP when all of it is)."""
    matched = _match(value, shape)
    if matched is None:
        return _DROP
    if isinstance(matched, list):
        return [c for item in value if (c := _conform(item, matched[0])) is not _DROP]
    if isinstance(matched, dict):
        result = {}
        for key, item in value.items():
            sub = matched.get(key, matched.get("*"))
            conformed = item if sub is None else _conform(item, sub)
            if conformed is not _DROP:
                result[key] = conformed
        return result
    return value


# --------------------------------------------------------------------------- checking


@dataclass
class _Ctx:
    """Findings of one environment, and how to locate a path of its resolved config."""

    env: str
    locate: Locate
    document_loc: Callable[[Loc], Loc] = lambda loc: loc
    toml: bool = True
    findings: list[Finding] = field(default_factory=list)

    def add(
        self,
        code: str,
        loc: Loc,
        path: str,
        message: str,
        hint: str | None = None,
        *,
        source: Source | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                code=code,
                severity=severity_of(code),
                env=self.env,
                path=path,
                message=message,
                hint=hint,
                source=source or self.locate(loc),
            )
        )


def check(wf: WranglerFile, *, today: dt.date, envs: Sequence[str] | None = None) -> list[Finding]:
    """Everything wrangler (and Cloudflare at deploy) would reject or warn about, per environment.

    Checks the top level and every `[env.X]` (or only `envs`; UsageError for an unknown
    one), each as wrangler resolves it. A problem in a value several environments share
    (an inherited key) is reported once, under the first checked environment that uses it
    (the top level when it is checked), since one edit fixes it everywhere. Findings are
    sorted by (env, path); each has a located Source.
    """
    order = (TOP_LEVEL, *wf.env_names)
    if envs is not None:
        for env in envs:
            if env not in order:
                resolve(wf, env)  # raises the UsageError with a suggestion
        order = tuple(e for e in order if e in envs)
    findings: list[Finding] = []
    for env in order:
        resolved = resolve(wf, env)
        ctx = _Ctx(env, resolved.source, resolved.document_loc, wf.document.format == "toml")
        _check_document(ctx, wf, resolved)
        ctx.findings += check_values(
            resolved.raw,
            env=env,
            today=today,
            locate=resolved.source,
            worker_name=resolved.worker_name,
            name_derived=resolved.name_derived,
            origin=resolved.origin,
        )
        findings += ctx.findings
    for loc, (line, column) in wf.duplicates:
        env = str(loc[1]) if len(loc) > 1 and loc[0] == "env" else TOP_LEVEL
        path = _dotted(loc[2:] if env != TOP_LEVEL else loc) or f"env.{env}"
        if env in order:
            findings.append(
                Finding(
                    code="EM005",
                    severity=severity_of("EM005"),
                    env=env,
                    path=path,
                    message=f"{path} is written twice in one object; wrangler uses the last one",
                    hint="delete the earlier one (this one)",
                    source=Source(file=wf.document.path, line=line, column=column),
                )
            )
    return _unique_sorted(findings)


def _unique_sorted(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for f in findings:
        where = (f.source.file, f.source.line, f.source.column) if f.source else None
        key = (f.code, f.path, f.message, where)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return sorted(
        unique,
        key=lambda f: (
            f.env or "",
            f.path,
            f.code,
            (f.source.line or 0) if f.source else 0,
            (f.source.column or 0) if f.source else 0,
            f.message,
        ),
    )


def _check_document(ctx: _Ctx, wf: WranglerFile, resolved: ResolvedEnv) -> None:
    """What needs the file, not only the resolved config: keys, types, inheritance, required."""
    data, doc = wf.document.data, wf.document
    top = ctx.env == TOP_LEVEL
    own: dict[str, Any] = data if top else data["env"][ctx.env]
    table = resolved.table
    for key, value in own.items():
        if _ignored(key, value):
            ctx.add(
                "EM340",
                (key,),
                key,
                f"`{key}` is empty; wrangler ignores it"
                + ("" if top else f" and [env.{ctx.env}] inherits the top level's {key}"),
                hint=f"delete the empty `{key}`",
                source=doc.source((*table, key)),
            )
        elif not top and key in TOP_LEVEL_ONLY:
            ctx.add(
                "EM315",
                (key,),
                key,
                f"`{key}` has no effect in [env.{ctx.env}]; wrangler reads it at the top level",
                hint=f"move `{key}` to the top level; it applies to every environment",
                source=doc.source((*table, key)),
            )
    if top:
        _check_env_table(ctx, data)
    for key, value in resolved.raw.items():
        _check_key(ctx, key, value, resolved.raw)
    if not top:
        _check_inheritance(ctx, data, own, resolved)
    _check_required(ctx, data, resolved)


def _check_env_table(ctx: _Ctx, data: Mapping[str, Any]) -> None:
    envs = data.get("env")
    if "env" in data and not isinstance(envs, dict):
        ctx.add(
            "EM311",
            ("env",),
            "env",
            f"`env` must be a table of environments, not {_kind_of(envs)}",
            hint="write each environment as [env.NAME]",
        )
        return
    for name, value in (envs or {}).items():
        if not isinstance(value, dict):
            ctx.add(
                "EM311",
                ("env", name),
                f"env.{name}",
                f"env.{name} must be a table, not {_kind_of(value)}; wrangler ignores it",
                hint=f"write it as [env.{name}]",
            )


def _check_key(ctx: _Ctx, key: str, value: Any, raw: Mapping[str, Any]) -> None:
    top = ctx.env == TOP_LEVEL
    if key in ("route", "routes"):
        return  # check_values owns routes
    if key in REMOVED:
        flags = raw.get("compatibility_flags")
        has_flag = key == "node_compat" and isinstance(flags, list) and "nodejs_compat" in flags
        ctx.add(
            "EM323",
            (key,),
            key,
            f"`{key}` was removed from wrangler; it is now an error",
            hint="nodejs_compat is already in compatibility_flags: delete `node_compat`"
            if has_flag
            else REMOVED[key],
        )
        return
    shape = _ENV_SHAPE.get(key) or (_TOP_ONLY_SHAPE.get(key) if top else None)
    if shape is None:
        _unknown_key(
            ctx, (key,), (key,), _ENV_SHAPE.keys() | (_TOP_ONLY_SHAPE.keys() if top else set())
        )
    elif not (key == "durable_objects" and isinstance(value, list)):  # EM319
        _walk(ctx, value, shape, (key,), (key,), key)


def _walk(
    ctx: _Ctx, value: Any, shape: Shape, loc: Loc, path: tuple[str | int, ...], spath: str
) -> None:
    """Report values of the wrong JSON type (EM311) and unknown keys (EM310) below `loc`."""
    if isinstance(value, dt.date | dt.time):
        return  # EM336, from check_values
    matched = _match(value, shape)
    if matched is None:
        where = _dotted(path)
        ctx.add(
            "EM311",
            loc,
            where,
            f"{where} must be {_describe(shape)}, not {_kind_of(value)}",
            hint=_unquote_hint(value, shape),
        )
    elif isinstance(matched, list):
        required = _BINDINGS.get(spath)
        for index, item in enumerate(value):
            if required and not isinstance(item, dict):
                continue  # EM319, from check_values
            label = _entry_label(item, index, required[0]) if required else index
            _walk(ctx, item, matched[0], (*loc, index), (*path, label), spath)
    elif isinstance(matched, dict):
        handled = set(_BINDINGS.get(spath, ())) | (
            {"database_id"} if spath == "d1_databases" else set()
        )
        for key, item in value.items():
            sub = matched.get(key)
            sub_spath = f"{spath}.{key}"
            if sub is None and "*" in matched:
                sub, sub_spath = matched["*"], f"{spath}.*"
            if sub is None:
                _unknown_key(ctx, (*loc, key), (*path, key), [k for k in matched if k != "*"])
            elif not (key in handled and _match(item, sub) is None):  # else EM319
                _walk(ctx, item, sub, (*loc, key), (*path, key), sub_spath)


def _unknown_key(ctx: _Ctx, loc: Loc, path: tuple[str | int, ...], known: Iterable[str]) -> None:
    key = str(loc[-1])
    where = _dotted(path)
    parent = ctx.document_loc(loc)[:-1]
    if len(loc) == 1:
        place = "at the top level" if ctx.env == TOP_LEVEL else f"in [env.{ctx.env}]"
    else:
        place = f"in `{_dotted(path[:-1])}`"
    hint = _LEGACY.get(key)
    if hint is None and len(loc) > 1 and key in _KNOWN_KEYS:
        header = ".".join(str(p) for p in parent if isinstance(p, str))
        hint = (
            f"`{key}` is a top-level (or [env.NAME]) key; in TOML every key written after the "
            f"[{header}] header belongs to that table: move `{key}` above that header"
            if ctx.toml
            else f"`{key}` belongs at the top level or in an environment, not inside `{header}`"
        )
    ctx.add(
        "EM310",
        loc,
        where,
        f"unknown key `{key}` {place}; wrangler only warns and ignores it",
        hint=hint or did_you_mean(key, known),
    )


def _check_inheritance(
    ctx: _Ctx, data: Mapping[str, Any], own: Mapping[str, Any], r: ResolvedEnv
) -> None:
    """EM314 (not inherited), EM324 (inherited custom domain), for the environment `r`."""
    doc, env = r.document, ctx.env
    for key in NOT_INHERITED:
        if key not in data or data[key] is None:
            continue
        if key not in own:
            ctx.add(
                "EM314",
                (key,),
                key,
                f"`{key}` exists at the top level but not in [env.{env}]; environments do not "
                f"inherit it, so the {env} Worker gets none",
                hint=f"declare `{key}` in [env.{env}] with this environment's own values",
                source=doc.source(r.table),
            )
            continue
        if _match(own[key], _ENV_SHAPE[key]) is None:
            continue  # its type is wrong (EM311/EM319), so there are no names to compare
        own_names = _names_of(key, own[key])
        for path in _names_of(key, data[key]):
            if path not in own_names:
                ctx.add(
                    "EM314",
                    (key,),
                    path,
                    f"{path} exists at the top level but not in [env.{env}]; "
                    "environments do not inherit it",
                    hint=f"add it to [env.{env}] with this environment's own value",
                    source=doc.source((*r.table, key)),
                )
    key = "routes" if "routes" in r.raw else "route"
    if key not in r.raw or r.origin[key][0] == "env":
        return  # wrangler deploys `routes`, else `route`: here the environment's own
    entries = r.raw[key] if key == "routes" else [r.raw[key]]
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if isinstance(entry, dict) and entry.get("custom_domain") is True:
            loc = (key, index) if key == "routes" else (key,)
            ctx.add(
                "EM324",
                loc,
                key,
                f"[env.{env}] inherits the custom domain {entry.get('pattern')!r} from the top "
                "level; each environment's Worker would take the domain over",
                hint=f"give [env.{env}] its own routes, or routes = [] to deploy it without any",
            )


def _names_of(key: str, value: Any) -> list[str]:
    """The paths of the names a non-inherited key declares (`vars.X`, `kv_namespaces.X`…)."""
    if key in ("vars", "define"):
        return [f"{key}.{name}" for name in value] if isinstance(value, dict) else []
    kinds = [k for k in _BINDINGS if k.split(".")[0] == key]
    return [path for kind in kinds for _, _, path, name in _entries(kind, {key: value}) if name]


def _check_required(ctx: _Ctx, data: Mapping[str, Any], r: ResolvedEnv) -> None:
    """EM312: a name, a compatibility_date and an entry point, as `wrangler deploy` needs them.

    What neither the top level nor any environment sets is one finding, located at the
    file; what only some environments lack is reported for each of them.
    """
    envs = data.get("env")
    tables = [
        data,
        *(v for v in (envs.values() if isinstance(envs, dict) else ()) if isinstance(v, dict)),
    ]
    where = "at the top level" if ctx.env == TOP_LEVEL else f"in [env.{ctx.env}] (nor inherited)"

    def has_name(table: Mapping[str, Any]) -> bool:
        return isinstance(table.get("name"), str) and bool(table["name"])

    def has_entry(table: Mapping[str, Any]) -> bool:
        assets = table.get("assets")
        return "main" in table or (isinstance(assets, dict) and "directory" in assets)

    # A Pages project needs no entry point; with [site], wrangler falls back to "workers-site".
    entry_elsewhere = "pages_build_output_dir" in data or "site" in data
    rules = (
        ("name", "a Worker `name`", r.worker_name is None, has_name, 'set name = "my-worker"'),
        (
            "compatibility_date",
            "`compatibility_date`",
            "compatibility_date" not in r.raw,
            lambda t: "compatibility_date" in t,
            'set compatibility_date = "YYYY-MM-DD" (not in the future) at the top level',
        ),
        (
            "main",
            "entry point (`main`, or an assets directory)",
            not entry_elsewhere and not has_entry(r.raw),
            has_entry,
            'set main = "src/index.ts", or [assets] directory = "./public" for a static site',
        ),
    )
    for key, what, absent, sets, hint in rules:
        if not absent:
            continue
        if not any(sets(t) for t in tables):
            message, source = f"no {what} anywhere in the file", Source(file=r.document.path)
        else:
            message, source = f"no {what} {where}", r.document.source(r.table)
        ctx.add(
            "EM312", (key,), key, f"{message}; wrangler deploy needs one", hint=hint, source=source
        )


# --------------------------------------------------------------------------- values


def check_values(
    raw: Mapping[str, Any],
    *,
    env: str,
    today: dt.date,
    locate: Locate,
    worker_name: str | None,
    name_derived: bool,
    origin: Mapping[str, Loc] | None = None,
) -> list[Finding]:
    """The value rules for one environment's resolved, wrangler-shaped config `raw`.

    Used by check() for the wrangler file and by api for environment files. `locate`
    maps a path into `raw` to its Source; `worker_name` is the Worker this environment
    deploys to and `name_derived` whether it was derived rather than written. `origin`
    (from ResolvedEnv) tells an environment's own `route` from inherited `routes`.
    Values of the wrong type are skipped here (other checks report them).
    """
    ctx = _Ctx(env, locate)
    for loc, value in _dates(raw, ()):
        path = _dotted(loc)
        ctx.add(
            "EM336",
            loc,
            path,
            f"{path} is a TOML date ({value.isoformat()}); wrangler expects a string",
            hint=f'quote it: {loc[-1]} = "{value.isoformat()}"',
        )
    _check_names(ctx, raw, worker_name, name_derived)
    _check_compatibility_date(ctx, raw.get("compatibility_date"), today)
    triggers = raw.get("triggers")
    crons = triggers.get("crons") if isinstance(triggers, dict) else None
    for index, cron in enumerate(crons if isinstance(crons, list) else []):
        problem = cron_problem(cron) if isinstance(cron, str) else None
        if problem:
            ctx.add(
                "EM330",
                ("triggers", "crons", index),
                "triggers.crons",
                f"cron {cron!r} would be refused by Cloudflare: {problem}",
                hint='five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *"',
            )
    _check_routes(ctx, raw, origin)
    _check_bindings(ctx, raw)
    _check_migrations(ctx, raw)
    _check_settings(ctx, raw)
    return ctx.findings


def _dates(value: Any, loc: Loc) -> Iterator[tuple[Loc, dt.date | dt.time]]:
    if isinstance(value, dt.date | dt.time):
        yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _dates(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _dates(item, (*loc, index))


def name_problem(name: str) -> str | None:
    """Why Cloudflare would refuse `name` as a Worker name, or None."""
    if len(name) > MAX_NAME:
        return f"it is {len(name)} characters long (at most {MAX_NAME})"
    if not _NAME.fullmatch(name):
        return "it may only hold lowercase letters, digits, '-' and '_', and not start with '-'"
    return None


def _check_names(ctx: _Ctx, raw: Mapping[str, Any], worker_name: str | None, derived: bool) -> None:
    problem = name_problem(worker_name) if worker_name else None
    if problem is None:
        return
    if derived:
        ctx.add(
            "EM334",
            ("name",),
            "name",
            f"wrangler derives the Worker name {worker_name!r} for this environment "
            f"(top-level name + '-' + environment name), which Cloudflare would refuse: {problem}",
            hint="set `name` explicitly in this environment, or rename the environment",
        )
    else:
        ctx.add(
            "EM313",
            ("name",),
            "name",
            f"Worker name {worker_name!r} is invalid: {problem}",
            hint="use lowercase letters, digits and '-', e.g. my-worker-staging",
        )


def _check_compatibility_date(ctx: _Ctx, value: Any, today: dt.date) -> None:
    if not isinstance(value, str):
        return
    loc, path = ("compatibility_date",), "compatibility_date"
    parsed = None
    if _ISO_DATE.fullmatch(value):
        with contextlib.suppress(ValueError):
            parsed = dt.date.fromisoformat(value)
    if parsed is None:
        dashes = "–" in value or "—" in value
        ctx.add(
            "EM331",
            loc,
            path,
            f"compatibility_date {value!r} is not a real date written YYYY-MM-DD",
            hint="use ASCII hyphens (-), not en or em dashes" if dashes else 'e.g. "2025-01-01"',
        )
    elif parsed > today:
        ctx.add(
            "EM332",
            loc,
            path,
            f"compatibility_date {value} is in the future (today is "
            f"{today.isoformat()}); Cloudflare refuses it at deploy",
            hint=f'use today\'s date or earlier: compatibility_date = "{today.isoformat()}"',
        )


def _check_routes(ctx: _Ctx, raw: Mapping[str, Any], origin: Mapping[str, Loc] | None) -> None:
    if "route" in raw and "routes" in raw:
        levels = (
            {"env" if origin[k][0] == "env" else "top" for k in ("route", "routes")}
            if origin
            else {""}
        )
        if len(levels) == 1:
            ctx.add(
                "EM316",
                ("route",),
                "route",
                "both `route` and `routes` are set; wrangler refuses that",
                hint="move the `route` pattern into the `routes` list",
            )
        elif origin and origin["route"][0] == "env":
            ctx.add(
                "EM339",
                ("route",),
                "route",
                "this environment's `route` is ignored: it inherits `routes` from the top level, "
                "and wrangler deploys `routes` when both are present",
                hint="write the pattern as `routes = [...]` in this environment",
            )
    routes = raw.get("routes")
    if "routes" in raw and not isinstance(routes, list):
        ctx.add("EM311", ("routes",), "routes", f"routes must be a list, not {_kind_of(routes)}")
    entries: list[tuple[Loc, Any]] = []
    if isinstance(routes, list):
        entries += [(("routes", i), r) for i, r in enumerate(routes)]
    if "route" in raw:
        entries.append((("route",), raw["route"]))
    for loc, route in entries:
        _check_route(ctx, loc, str(loc[0]), route)


def _check_route(ctx: _Ctx, loc: Loc, path: str, route: Any) -> None:
    if isinstance(route, str):
        if not route:
            ctx.add("EM317", loc, path, "a route pattern is empty", hint="delete it")
        return
    if not isinstance(route, dict):
        ctx.add(
            "EM317",
            loc,
            path,
            f"a route must be a pattern string or a table, not {_kind_of(route)}",
            hint='e.g. { pattern = "example.com/*", zone_name = "example.com" }',
        )
        return
    pattern = route.get("pattern")
    problems = []
    if not isinstance(pattern, str) or not pattern:
        problems.append("it has no `pattern` string")
    unknown = sorted(set(route) - _ROUTE_KEYS)
    if unknown:
        problems.append(f"unknown keys {', '.join(unknown)}")
    if "zone_id" in route and "zone_name" in route:
        problems.append("it has both zone_id and zone_name")
    if not any(k in route for k in ("zone_id", "zone_name", "custom_domain")):
        problems.append("it needs zone_id, zone_name or custom_domain = true")
    wrong = [k for k in ("zone_id", "zone_name") if k in route and not isinstance(route[k], str)]
    wrong += [
        k
        for k in ("custom_domain", "enabled", "previews_enabled")
        if k in route and not isinstance(route[k], bool)
    ]
    if wrong:
        problems.append(f"wrong type of {', '.join(wrong)}")
    shown = f"route {pattern!r}" if isinstance(pattern, str) and pattern else "a route"
    if problems:
        ctx.add(
            "EM317",
            loc,
            path,
            f"{shown} is malformed: {'; '.join(problems)}",
            hint="a route is { pattern, zone_id | zone_name } or { pattern, custom_domain = true }",
        )
    if route.get("custom_domain") is True and isinstance(pattern, str):
        what = [
            w for c, w in (("*", "a wildcard (*)"), ("/", "a path or scheme (/)")) if c in pattern
        ]
        if what:
            ctx.add(
                "EM337",
                loc,
                path,
                f"custom domain {pattern!r} contains {' and '.join(what)}; Cloudflare refuses it",
                hint="a custom domain is a bare hostname such as api.example.com; "
                "use a zone route for wildcards and paths",
            )


def _entries(kind: str, raw: Mapping[str, Any]) -> Iterator[tuple[Loc, Any, str, str]]:
    """(loc, entry, path, name) of each entry of binding `kind` in `raw`; name "" if it has none."""
    parts = kind.split(".")
    container: Any = raw
    for part in parts:
        container = container.get(part) if isinstance(container, dict) else None
    prefix = "durable_objects" if kind == "durable_objects.bindings" else kind
    naming = _BINDINGS[kind][0]
    if isinstance(container, list):
        for index, entry in enumerate(container):
            label = _entry_label(entry, index, naming)
            name = label if isinstance(label, str) and not label.startswith("#") else ""
            yield (*parts, index), entry, f"{prefix}.{label}", name
    elif isinstance(container, dict) and isinstance(_ENV_SHAPE.get(kind), dict):
        single = container.get(naming)
        yield tuple(parts), container, kind, single if isinstance(single, str) else ""


def _entry_label(entry: Any, index: int, naming: str) -> str:
    name = entry.get(naming) if isinstance(entry, dict) else None
    return name if isinstance(name, str) and name else f"#{index}"


def _entry_shape(kind: str) -> dict[str, Shape]:
    shape: Any = _ENV_SHAPE
    for part in kind.split("."):
        shape = shape.get(part) if isinstance(shape, dict) else None
    shape = shape[0] if isinstance(shape, list) else shape
    return shape if isinstance(shape, dict) else {}


def _check_bindings(ctx: _Ctx, raw: Mapping[str, Any]) -> None:
    """EM319 (entries), EM320 (bucket names), EM333 (names), EM318 (duplicate names)."""
    names: list[tuple[Loc, str, str]] = []  # (loc, path, name)
    variables = raw.get("vars")
    if isinstance(variables, dict):
        names += [(("vars", k), f"vars.{k}", k) for k in variables]
        _check_misplaced_vars(ctx, variables)
    secrets = raw.get("secrets")
    required = secrets.get("required") if isinstance(secrets, dict) else None
    if isinstance(required, list):
        names += [
            (("secrets", "required", i), "secrets.required", s)
            for i, s in enumerate(required)
            if isinstance(s, str)
        ]
    if isinstance(raw.get("durable_objects"), list):
        ctx.add(
            "EM319",
            ("durable_objects",),
            "durable_objects",
            "durable_objects must be a table with a `bindings` list, not a list",
            hint="write [[durable_objects.bindings]] entries (name, class_name)",
        )
    for kind, keys in _BINDINGS.items():
        shape = _entry_shape(kind)
        for loc, entry, path, _ in _entries(kind, raw):
            if not isinstance(entry, dict):
                ctx.add("EM319", loc, path, f"{path} must be a table, not {_kind_of(entry)}")
                continue
            for key in keys:
                if key not in entry:
                    ctx.add(
                        "EM319",
                        loc,
                        path,
                        f"{path} has no `{key}`; wrangler requires it",
                        hint=f"add `{key}` to this {kind} entry",
                    )
                elif _match(entry[key], shape.get(key, J)) is None:
                    ctx.add(
                        "EM319",
                        (*loc, key),
                        f"{path}.{key}",
                        f"{path}.{key} must be "
                        f"{_describe(shape.get(key, J))}, not {_kind_of(entry[key])}",
                    )
            _check_entry(ctx, kind, loc, path, entry)
            if isinstance(entry.get(keys[0]), str):
                names.append(((*loc, keys[0]), path, entry[keys[0]]))
    assets = raw.get("assets")
    if isinstance(assets, dict) and isinstance(assets.get("binding"), str):
        names.append((("assets", "binding"), "assets.binding", assets["binding"]))
    for blobs in ("wasm_modules", "text_blobs", "data_blobs"):
        if isinstance(raw.get(blobs), dict):
            names += [((blobs, k), f"{blobs}.{k}", k) for k in raw[blobs]]
    seen: dict[str, str] = {}
    for loc, path, name in sorted(names, key=lambda item: _position(ctx.locate(item[0]))):
        if not _js_identifier(name):
            ctx.add(
                "EM333",
                loc,
                path,
                f"binding name {name!r} is not a valid JavaScript identifier",
                hint="use letters, digits, _ and $, not starting with a digit, e.g. MY_CACHE",
            )
        if name in seen:
            ctx.add(
                "EM318",
                loc,
                path,
                f"binding name {name!r} is used twice: {seen[name]} and {path}",
                hint="binding names must be unique across all kinds; rename one",
            )
        seen.setdefault(name, path)


def _check_entry(ctx: _Ctx, kind: str, loc: Loc, path: str, entry: Mapping[str, Any]) -> None:
    def empty(key: str) -> None:
        ctx.add(
            "EM319",
            (*loc, key),
            f"{path}.{key}",
            f"{path}.{key} is empty",
            hint=f"set the real {key}, or delete `{key}` to let wrangler provision the resource",
        )

    if kind == "kv_namespaces" and entry.get("id") == "":
        empty("id")
    elif kind == "queues.producers" and entry.get("queue") == "":
        empty("queue")
    elif kind == "d1_databases" and "database_id" in entry:
        if not isinstance(entry["database_id"], str):
            ctx.add(
                "EM319",
                (*loc, "database_id"),
                f"{path}.database_id",
                f"{path}.database_id must be a string, not {_kind_of(entry['database_id'])}",
                hint="write the database id as a string, in quotes",
            )
        elif not entry["database_id"]:
            empty("database_id")
    elif (
        kind == "durable_objects.bindings" and "environment" in entry and "script_name" not in entry
    ):
        ctx.add(
            "EM319",
            loc,
            path,
            f"{path} has `environment` but no `script_name`",
            hint="add the script_name of the Worker that exports the class, or drop environment",
        )
    elif kind == "r2_buckets":
        for key in ("bucket_name", "preview_bucket_name"):
            value = entry.get(key)
            if isinstance(value, str) and not _R2_BUCKET.fullmatch(value):
                ctx.add(
                    "EM320",
                    (*loc, key),
                    f"{path}.{key}",
                    f"R2 bucket name {value!r} is invalid",
                    hint="3 to 63 lowercase letters, digits and hyphens; no hyphen first or last",
                )


def _check_misplaced_vars(ctx: _Ctx, variables: Mapping[str, Any]) -> None:
    for key, value in variables.items():
        shape = _ENV_SHAPE.get(key) or _TOP_ONLY_SHAPE.get(key)
        if shape is not None and key == key.lower() and _match(value, shape) is not None:
            ctx.add(
                "EM338",
                ("vars", key),
                f"vars.{key}",
                f"vars.{key} is a var named like the wrangler setting `{key}`; as a var it "
                "configures nothing",
                hint=f"in TOML every key after a [vars] header is a var: move `{key}` above the "
                "[vars] header if it is meant as the setting",
            )


def _check_migrations(ctx: _Ctx, raw: Mapping[str, Any]) -> None:
    """EM326 (a migration without a tag), EM325 (a Durable Object class no migration creates)."""
    migrations = raw.get("migrations")
    created: set[str] = set()
    for index, migration in enumerate(migrations if isinstance(migrations, list) else []):
        if not isinstance(migration, dict):
            continue
        if not isinstance(migration.get("tag"), str) or not migration["tag"]:
            ctx.add(
                "EM326",
                ("migrations", index),
                f"migrations[{index}]",
                f"migration #{index + 1} has no `tag`",
                hint='give every migration a unique tag, e.g. tag = "v1"',
            )
        for key in ("new_classes", "new_sqlite_classes"):
            classes = migration.get(key)
            created |= (
                {c for c in classes if isinstance(c, str)} if isinstance(classes, list) else set()
            )
        for key in ("renamed_classes", "transferred_classes"):
            moves = migration.get(key)
            created |= (
                {m["to"] for m in moves if isinstance(m, dict) and isinstance(m.get("to"), str)}
                if isinstance(moves, list)
                else set()
            )
    exports = raw.get("exports")
    if isinstance(exports, dict):  # newer wrangler: `exports` declares classes without migrations
        created |= {
            k
            for k, v in exports.items()
            if isinstance(v, dict) and v.get("type") == "durable-object"
        }
    for loc, entry, path, _ in _entries("durable_objects.bindings", raw):
        if not isinstance(entry, dict) or "script_name" in entry or "environment" in entry:
            continue  # a class of another Worker is migrated there (environment: EM319)
        class_name = entry.get("class_name")
        if isinstance(class_name, str) and class_name not in created:
            ctx.add(
                "EM325",
                loc,
                path,
                f"Durable Object class {class_name!r} has no migration that creates it",
                hint=f'add [[migrations]] tag = "v1" new_sqlite_classes = ["{class_name}"]'
                if not created
                else f'add a migration with new_sqlite_classes = ["{class_name}"]',
            )


def _check_settings(ctx: _Ctx, raw: Mapping[str, Any]) -> None:
    """EM321 (placement), EM322 (head_sampling_rate)."""
    placement = raw.get("placement")
    if isinstance(placement, dict):
        mode = placement.get("mode")
        targeted = any(k in placement for k in ("region", "host", "hostname"))
        if isinstance(mode, str) and mode not in _PLACEMENT_MODES:
            ctx.add(
                "EM321",
                ("placement", "mode"),
                "placement.mode",
                f"placement.mode {mode!r} is not one of {', '.join(_PLACEMENT_MODES)}",
                hint=did_you_mean(mode, _PLACEMENT_MODES) or 'use "smart" or "off"',
            )
        elif mode is None and not targeted:
            ctx.add(
                "EM321",
                ("placement",),
                "placement",
                "placement has no `mode`",
                hint='set mode = "smart" (or "off")',
            )
        elif "hint" in placement and mode != "smart":
            ctx.add(
                "EM321",
                ("placement", "hint"),
                "placement.hint",
                'placement.hint needs placement.mode = "smart"',
            )
    observability = raw.get("observability")
    if isinstance(observability, dict):
        for loc in (
            ("head_sampling_rate",),
            ("logs", "head_sampling_rate"),
            ("traces", "head_sampling_rate"),
        ):
            node: Any = observability
            for part in loc:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, int | float) and not isinstance(node, bool) and not 0 <= node <= 1:
                path = _dotted(("observability", *loc))
                ctx.add(
                    "EM322",
                    ("observability", *loc),
                    path,
                    f"{path} is {node}; it must be between 0 and 1",
                    hint="1 keeps every request, 0.1 one in ten",
                )


def _position(source: Source | None) -> tuple[int, int]:
    """Where a source is in its file, for reporting the later of two things; unknown first."""
    if source is None or source.line is None:
        return (0, 0)
    return (source.line, source.column or 0)


def _js_identifier(name: str) -> bool:
    # JavaScript identifiers: letters (Unicode ID_Start), _, $ then digits too; Python's rule
    # for identifiers is the same Unicode one, once $ is allowed.
    return bool(name) and name.replace("$", "_").isidentifier()


# --------------------------------------------------------------------------- text


def _dotted(loc: Sequence[str | int]) -> str:
    """A path for messages: keys joined by dots, list indexes as [i], DO bindings by name."""
    parts = list(loc)
    if len(parts) > 1 and parts[0] == "durable_objects" and parts[1] == "bindings":
        del parts[1]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


def _unquote_hint(value: Any, shape: Shape) -> str | None:
    """For `"true"` or `"8787"` where a boolean or number belongs: drop the quotes."""
    if not isinstance(value, str):
        return None
    if _match(False, shape) is not None and value in ("true", "false"):
        return f"write {value} without quotes"
    if _match(0, shape) is not None and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
        return f"write {value} without quotes"
    return None


def _describe(shape: Shape) -> str:
    if isinstance(shape, tuple):
        return " or ".join(_describe(alt) for alt in shape)
    if isinstance(shape, list):
        return f"a list of {_describe(shape[0]).removeprefix('a ').removeprefix('an ')}s"
    if isinstance(shape, dict):
        return "a table"
    return {S: "a string", B: "true or false", N: "a number"}.get(shape, "a JSON value")


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.date | dt.time):
        return "a TOML date"
    return "null" if value is None else type(value).__name__


# --------------------------------------------------------------------------- cron
#
# The grammar of Cloudflare's own cron parser, cloudflare/saffron (saffron/src/parse.rs),
# which Cron Triggers use; it matches the table in Cloudflare's docs
# (developers.cloudflare.com/workers/configuration/cron-triggers/#supported-cron-expressions):
# five fields; minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
# day-of-week 1-7 (1 = Sunday) or SUN-SAT, names case-insensitive. Lists (,), ranges (-,
# wrapping allowed: 22-2), steps (/, 1 up to the field's span); `L`, `LW`, `L-n`, `L-nW`
# and `nW` in day-of-month, `L`, `nL` and `n#k` in day-of-week, each alone in its field.
# Day-of-week 0 is refused ("invalid cron string", workers-sdk#8674); `?` is not accepted.
# Not ported: saffron refuses whitespace before the first or after the last field; whether
# the API trims it first is unknown, so it is not reported.


class _CronError(ValueError):
    """A cron field Cloudflare would not parse; the message says why."""


@dataclass(frozen=True)
class _CronField:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()

    def value(self, text: str, *, star: bool = False) -> int:
        if star and text == "*":
            return self.low
        if re.fullmatch(r"[0-9]+", text):
            number = int(text)
            if self.low <= number <= self.high:
                return number
            if self.name == "day-of-week" and number == 0:
                raise _CronError(
                    "0 is not a weekday here: Cloudflare numbers them 1 (Sunday) to 7 "
                    "(Saturday); write SUN or 1 for Sunday"
                )
            raise _CronError(f"{number} is outside {self.low}-{self.high}")
        if text.upper() in self.names:
            return self.names.index(text.upper()) + self.low
        raise _CronError(f"{text!r} is not a {self.name} value")

    def step(self, text: str) -> None:
        span = self.high - self.low
        if not re.fullmatch(r"[0-9]+", text) or not 1 <= int(text) <= span:
            raise _CronError(f"the step after / must be a number from 1 to {span}, not {text!r}")

    def item(self, text: str, *, star: bool) -> None:
        match = re.fullmatch(r"([^/-]+)(?:-([^/-]+))?(?:/([^/-]+))?", text)
        if match is None:
            raise _CronError(f"{text!r} is not a value, a range a-b or a step a/n or a-b/n")
        self.value(match[1], star=star)
        if match[2] is not None:
            self.value(match[2])
        if match[3] is not None:
            self.step(match[3])


_CRON = (
    _CronField("minute", 0, 59),
    _CronField("hour", 0, 23),
    _CronField("day-of-month", 1, 31),
    _CronField(
        "month",
        1,
        12,
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
    ),
    _CronField("day-of-week", 1, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)


def cron_problem(expression: str) -> str | None:
    """Why Cloudflare would refuse the cron `expression`, or None when it would accept it."""
    fields = expression.split()
    if len(fields) != len(_CRON):
        extra = "; there is no seconds or year field" if len(fields) in (6, 7) else ""
        return (
            f"it has {len(fields)} fields, Cloudflare takes 5 "
            f"(minute hour day-of-month month day-of-week){extra}"
        )
    for spec, text in zip(_CRON, fields, strict=True):
        try:
            _cron_field(spec, text)
        except _CronError as e:
            return f"{spec.name} field {text!r}: {e}"
    return None


def _cron_field(spec: _CronField, text: str) -> None:
    if spec.name == "day-of-month" and text.startswith("L"):
        match = re.fullmatch(r"L(?:W|-([0-9]+)W?)?", text)
        if match is None or (match[1] is not None and not 1 <= int(match[1]) <= 30):
            raise _CronError(
                "`L` takes only W, -n or -nW after it (n from 1 to 30), alone in the field"
            )
        return
    if spec.name == "day-of-week" and text.startswith("L"):
        if text != "L":
            raise _CronError(
                "`L` alone means Saturday; write nL (e.g. 6L) for the last weekday n of the month"
            )
        return
    first, *rest = text.split(",")
    if "" in (first, *rest):
        raise _CronError("a list has an empty item")
    if first == "*" and rest:
        raise _CronError("`*` cannot be combined with other values")
    if first.startswith("*/"):
        spec.step(first[2:])
    elif first.startswith("*") and first != "*":
        raise _CronError(f"{first!r} is not `*` or a step `*/n`")
    elif first != "*" and not _cron_special(spec, first, alone=not rest):
        spec.item(first, star=False)
    for item in rest:
        spec.item(item, star=True)


def _cron_special(spec: _CronField, text: str, *, alone: bool) -> bool:
    """Check `nW` (day-of-month), `nL` and `n#k` (day-of-week); False when `text` is none."""
    if spec.name == "day-of-month" and text.endswith("W"):
        special = "nW"
        spec.value(text[:-1])
    elif spec.name == "day-of-week" and (text.upper().endswith("L") or "#" in text):
        special = "nL" if "#" not in text else "n#k"
        value, _, nth = text.partition("#")
        spec.value(value[:-1] if special == "nL" else value)
        if special == "n#k" and not re.fullmatch(r"[1-5]", nth):
            raise _CronError(f"the k of n#k is the week of the month, 1-5, not {nth!r}")
    else:
        return False
    if not alone:
        raise _CronError(f"{special} must be alone in its field")
    return True
