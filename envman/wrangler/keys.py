"""The keys wrangler knows, by how it treats them: inheritance, removed and legacy keys, bindings.

Their shapes are wrangler's own JSON Schema (envman/wrangler/config-schema.json).
"""

from __future__ import annotations

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

BINDINGS: dict[str, tuple[str, ...]] = {
    ".".join(kind.wrangler): (kind.naming, *kind.required) for kind in KINDS if kind.binding
}
"""Every binding kind: where its entries live, and their required keys (the naming key first)."""
