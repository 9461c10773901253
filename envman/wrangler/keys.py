"""The catalogue of the keys wrangler knows: inheritance, removed keys, shapes, bindings.

Pure data, mostly generated from wrangler's config-schema.json, hence longer than a module
usually is. wrangler_shapes matches values against the shapes.
"""

from __future__ import annotations

from typing import TypeAlias

from envman.bindings import KINDS

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

LEGACY: dict[str, str] = {
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
ENV_SHAPE: dict[str, Shape] = {
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

TOP_ONLY_SHAPE: dict[str, Shape] = {
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

BINDINGS: dict[str, tuple[str, ...]] = {
    ".".join(kind.wrangler): (kind.naming, *kind.required) for kind in KINDS if kind.binding
}
"""Every binding kind: where its entries live, and their required keys (the naming key first)."""

KNOWN_KEYS = frozenset(ENV_SHAPE) | frozenset(TOP_ONLY_SHAPE)
"""Every key wrangler knows, at the top level or in an environment."""
