"""The normalisation catalogue: every default a deploy or Cloudflare fills in, and how it is folded.

A Worker deployed from a config reads back as what `wrangler deploy` uploads for each key
plus what Cloudflare fills in server-side. Each entry of `CATALOGUE` names one such
default, where it shows, when, its source and how envman folds it; `fold` applies them
all to one field's JSON value, the same way on both sides of a comparison, so that a
plain deploy shows no difference and a real change still does. `docs/reference/
normalisation.md` is generated from this module; tests deploy every key kind and
binding kind into the fake Cloudflare and read it back.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

OPENAPI = "openapi default"
DESCRIPTION = "openapi description"
DOCS = "Cloudflare docs"
OBSERVED = "observed"
WRANGLER = "wrangler upload"
SOURCES = (OPENAPI, DESCRIPTION, DOCS, OBSERVED, WRANGLER)
"""Where a fact comes from: the API schema's `default:`, its prose, Cloudflare's docs, a real
response, or what wrangler's upload code does with a config key."""

SPEC = "openapi-workers-subset.json#/components/schemas/"
WRANGLER_DIFF = (
    "wrangler deploy-helpers config-diffs.ts normalizeObservability and its remote-diff tests"
)


@dataclass(frozen=True)
class Default:
    """One default: `key` (the fake's catalogue key where it has one), where it shows, its value."""

    key: str
    where: str
    value: str
    when: str
    source: str
    ref: str
    folded: str
    """What envman does with it before comparing."""


def _d(key: str, where: str, value: str, when: str, source: str, ref: str, folded: str) -> Default:
    return Default(key, where, value, when, source, ref, folded)


CATALOGUE: tuple[Default, ...] = (
    # ------------------------------------------------------------ version settings
    _d("usage_model", "settings.usage_model", '`"standard"`', "not set (wrangler never uploads it)",
       OPENAPI, SPEC + "workers_usage_model/default",
       "any value means `standard`: wrangler ignores the key (EM310), so a declared one never "
       "deploys"),
    _d("compatibility_flags", "settings.compatibility_flags", "`[]`",
       "uploaded without flags", OPENAPI,
       SPEC + "workers_script-and-version-settings-item/properties/compatibility_flags/default",
       "unset means `[]`; order and duplicates do not matter"),
    _d("compatibility_date", "settings.compatibility_date", '`""`',
       "API upload without a date", OPENAPI,
       SPEC + "workers_script-and-version-settings-item/properties/compatibility_date/default",
       "`\"\"` means unset"),
    _d("placement", "settings.placement", "`{}`", "no placement uploaded", OBSERVED,
       'GET settings of never-configured Workers: "placement":{}',
       "unset, `{}` and `{mode = \"off\"}` are the same"),
    _d("wrangler.placement", "upload metadata.placement", "omitted / `{mode: smart, hint}`",
       "`mode = \"off\"` without a hint is dropped; a `hint` means smart placement; "
       "`region`/`host`/`hostname` mean targeted", WRANGLER,
       "wrangler deploy-helpers placement.ts parseConfigPlacement",
       "`hint` implies `mode = \"smart\"`; `region`/`host`/`hostname` imply `targeted`"),
    _d("annotations", "settings.annotations", '`{"workers/triggered_by": …}`',
       "always (of the latest version)", OBSERVED,
       'GET settings: "annotations":{"workers/triggered_by":"upload"}',
       "not configuration: read for attribution, never compared"),
    _d("wrangler.limits", "upload metadata.limits", "omitted", "no `limits` in the config",
       WRANGLER, "wrangler create-worker-upload-form.ts", "unset means `{}`"),
    # ------------------------------------------------------------ script settings
    _d("logpush", "settings.logpush", "`false`", "never set", OPENAPI,
       SPEC + "workers_logpush/default", "unset means `false`"),
    _d("tail_consumers", "settings.tail_consumers", "`[]`", "never set", OBSERVED,
       'GET settings: "tail_consumers":[]',
       "unset means `[]`; order does not matter; a consumer's unset environment is "
       "`production`"),
    _d("tags", "settings.tags", "`[]`", "never set", OBSERVED, 'GET settings: "tags":[]',
       "not modelled: listed as EM409 (info) when set"),
    _d("wrangler.tags", "settings.tags", "`cf:service=<name>`, `cf:environment=<env>`",
       "the config defines environments", WRANGLER,
       "wrangler environments.ts applyServiceAndEnvironmentTags",
       "wrangler's own tags are not listed"),
    _d("observability.absent", "settings.observability", "absent",
       "observability never set (first deploy without it)", OBSERVED,
       WRANGLER_DIFF + ": 'remotely the observability field is undefined when observability "
       "is disabled'", "absent means `{enabled = false}`"),
    _d("wrangler.observability", "PATCH script-settings observability", "`{enabled: false}`",
       "redeploy (versions API) of a config without observability", WRANGLER,
       "wrangler deploy.ts (script-settings PATCH)", "absent means `{enabled = false}`"),
    _d("observability.head_sampling_rate", "observability.head_sampling_rate", "`1`",
       "observability set without it", OBSERVED,
       WRANGLER_DIFF + ": 'remotely head_sampling_rate is set to 1 even if enabled is false'",
       "unset means `1`"),
    _d("observability.logs", "observability.logs",
       "`{enabled: <observability.enabled>, head_sampling_rate: 1, invocation_logs: true, "
       "persist: true}`", "observability enabled and logs (or some of its keys) not uploaded",
       OBSERVED, WRANGLER_DIFF + ": remote logs for a local `{enabled: true}`",
       "missing keys are filled with these values (an uploaded logs object too)"),
    _d("observability.logs.persist", "observability.logs.persist", "`true`",
       "logs without persist", OPENAPI,
       SPEC + "workers_observability/properties/logs/properties/persist/default",
       "unset means `true`"),
    _d("observability.traces", "observability.traces",
       "`{enabled: false, persist: true, head_sampling_rate: 1}`",
       "observability enabled and traces (or some of its keys) not uploaded", OBSERVED,
       WRANGLER_DIFF + ": remote traces `{enabled: false, persist: true, head_sampling_rate: 1}`",
       "missing keys are filled with these values"),
    _d("observability.traces.propagation_policy", "observability.traces.propagation_policy",
       '`"authenticated"`', "traces without propagation_policy", OPENAPI,
       SPEC + "workers_observability/properties/traces/properties/propagation_policy/default",
       "unset means `authenticated`"),
    # ------------------------------------------------------------ bindings
    _d("wrangler.vars", "upload metadata.bindings", "`plain_text` / `json`",
       "a string var / any other var", WRANGLER, "wrangler create-worker-upload-form.ts",
       "both read back as `vars`"),
    _d("wrangler.secrets", "upload metadata.bindings", "`inherit`",
       "`secrets.required` not in a secrets file", WRANGLER,
       "wrangler secrets-validation.ts", "secrets are compared by name, never by value"),
    _d("binding.service.environment", "bindings[type=service].environment", '`"production"`',
       "uploaded without environment", OPENAPI,
       SPEC + "workers_binding_kind_service/properties/environment/default",
       "unset or `\"\"` means `production`"),
    _d("wrangler.service", "upload metadata.bindings[type=service]", "omitted",
       "`environment`/`entrypoint` falsy (wrangler sends them only when truthy)", WRANGLER,
       "wrangler create-worker-upload-form.ts", "`\"\"` means unset"),
    _d("binding.durable_object_namespace.script_name",
       "bindings[type=durable_object_namespace].script_name", "the Worker's own name",
       "a class of this Worker (no script_name uploaded)", DESCRIPTION,
       SPEC + "workers_binding_kind_durable_object_namespace/properties/script_name "
       "(computed_optional)", "equal to the Worker's own name means unset"),
    _d("binding.durable_object_namespace.namespace_id",
       "bindings[type=durable_object_namespace].namespace_id", "the namespace's id",
       "always (never uploaded)", DESCRIPTION,
       SPEC + "workers_binding_kind_durable_object_namespace/properties/namespace_id "
       "(computed_optional)", "server-assigned: not compared, not listed"),
    _d("binding.durable_object_namespace.environment",
       "bindings[type=durable_object_namespace].environment", "absent", "-", DESCRIPTION,
       SPEC + "workers_binding_kind_durable_object_namespace/properties/environment",
       "`\"\"` means unset (wrangler sends it only when truthy)"),
    _d("binding.workflow.script_name", "bindings[type=workflow].script_name",
       "the Worker's own name", "uploaded without script_name", DESCRIPTION,
       SPEC + "workers_binding_kind_workflow/properties/script_name: 'If not provided, "
       "defaults to this script name.'", "equal to the Worker's own name means unset"),
    _d("binding.analytics_engine.dataset", "bindings[type=analytics_engine].dataset",
       "the binding name", "uploaded without dataset", DOCS,
       "https://developers.cloudflare.com/workers/wrangler/configuration/"
       "#analytics-engine-datasets", "unset means the binding name"),
    _d("binding.d1.database_id", "bindings[type=d1].database_id", "the uploaded `id`",
       "wrangler uploads the deprecated `id`", DESCRIPTION,
       SPEC + "workers_binding_kind_d1/properties/id (deprecated: renamed to database_id)",
       "a live `id` is read as `database_id`"),
    _d("binding.r2_bucket.jurisdiction", "bindings[type=r2_bucket].jurisdiction",
       '`"default"`', "-", OPENAPI, SPEC + "r2_jurisdiction/default (the bucket resource)",
       "`default` means unset"),
    _d("wrangler.pipelines", "upload metadata.bindings[type=pipelines]", "`stream` or `pipeline`",
       "the config names a `stream` or a `pipeline`", WRANGLER,
       "wrangler create-worker-upload-form.ts; the API serves `pipeline`",
       "`pipeline` and `stream` name the same thing"),
    _d("binding.inherit.version_id", "upload: bindings[type=inherit].version_id", '`"latest"`',
       "inherit without version_id (request side)", OPENAPI,
       SPEC + "workers_binding_kind_inherit/properties/version_id/default",
       "`reconcile --push` keeps secrets with `inherit` bindings"),
    _d("wrangler.local_only", "upload metadata.bindings", "dropped",
       "keys that steer `wrangler dev` or migrations (`preview_id`, `database_name`, `remote`, "
       "…: each kind's `local_only` in envman/bindings.py)", WRANGLER,
       "wrangler create-worker-upload-form.ts", "never compared live"),
    # ------------------------------------------------------------ triggers
    _d("subdomain.previews_enabled", "subdomain.previews_enabled", "workers.dev's `enabled`",
       "POST subdomain without previews_enabled (no `preview_urls`)", OBSERVED,
       "wrangler triggers/deploy.ts getSubdomainValuesAPIMock: 'Mimics the logic in the API'",
       "`preview_urls` unset means the value of `workers_dev`"),
    _d("subdomain.enabled", "subdomain.enabled", "`false`",
       "API upload that never POSTed the subdomain", OPENAPI,
       SPEC + "workers_subdomain/properties/enabled/default",
       "read as is (wrangler always POSTs the subdomain)"),
    _d("wrangler.workers_dev", "POST subdomain enabled", "`true` unless the config has routes",
       "no `workers_dev` in the config", WRANGLER, "wrangler triggers/deploy.ts",
       "unset is not compared (not managed)"),
    _d("custom_domain.environment", "domains[].environment", '`"production"`',
       "always (deprecated)", DESCRIPTION, SPEC + "workers_Domain/properties/environment",
       "custom domains are compared by hostname only"),
    _d("wrangler.routes", "zone routes", "the route's zone",
       "a route without zone_id/zone_name: the account zone whose name is the longest "
       "suffix of its host", WRANGLER, "wrangler zones.ts getZoneIdFromHost",
       "routes compare by pattern; zone-less routes are read from the zone wrangler picks"),
    _d("wrangler.migrations", "scripts[].migration_tag", "the last applied tag",
       "wrangler uploads the migrations the live tag has not seen", WRANGLER,
       "wrangler deploy-helpers durable.ts; scripts list migration_tag",
       "only the last declared tag is compared with the live `migration_tag`"),
    _d("wrangler.crons", "schedules", "untouched", "no `triggers.crons` in the config",
       WRANGLER, "wrangler triggers/deploy.ts",
       "order and repeated spaces do not matter; unset is not compared"),
)  # fmt: skip
"""Every default, in the order of docs/reference/normalisation.md."""

BY_KEY = {d.key: d for d in CATALOGUE}

# --------------------------------------------------------------------------- folding


def fold(field: str, value: Any, *, script: str | None = None) -> Any:
    """`value` (one WorkerConfig field as JSON) with every catalogued default folded.

    None stays None (unset); orderless lists are sorted. `script` is the Worker's own name
    (bindings to its own classes name it or not, alike).
    """
    if value is None and field not in _UNSET:
        return None
    folder = _FOLDERS.get(field)
    if folder is not None:
        return folder(copy.deepcopy(value), script)
    binding = _BINDINGS.get(field)
    if binding is not None and isinstance(value, dict):
        return {name: binding(name, dict(entry), script) for name, entry in value.items()}
    return value


_UNSET = frozenset(
    {
        "usage_model",
        "compatibility_flags",
        "placement",
        "logpush",
        "limits",
        "observability",
        "triggers",
        "routes",
        "tail_consumers",
    }
)
"""Fields whose absence on a side means their default (absent live: the API left it out)."""


def _usage_model(_value: Any, _: str | None) -> Any:
    """Always `standard`: wrangler 4 does not know `usage_model` (it warns, EM310, and never
    uploads it) and every Worker runs on Standard, so a declared `bundled` or `unbound`
    can never be live; comparing it would be drift that no deploy can fix."""
    return "standard"


def _flags(value: Any, _: str | None) -> Any:
    return sorted(set(value or ()))


def _date(value: Any, _: str | None) -> Any:
    return value or None


def _placement(value: Any, _: str | None) -> Any:
    value = {k: v for k, v in (value or {}).items() if v is not None}
    if value.get("hint") or value.get("mode") == "smart":
        return {k: v for k, v in {"mode": "smart", "hint": value.get("hint")}.items() if v}
    for key in ("region", "host", "hostname"):
        if value.get(key):
            return {"mode": "targeted", key: value[key]}
    return {"mode": value.get("mode") or "off", **{k: v for k, v in value.items() if k != "mode"}}


def _logpush(value: Any, _: str | None) -> Any:
    return bool(value)


def _limits(value: Any, _: str | None) -> Any:
    return {k: v for k, v in (value or {}).items() if v is not None}


def _fill(target: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    for key, default in defaults.items():
        if target.get(key) is None:
            target[key] = default
    return target


def _observability(value: Any, _: str | None) -> Any:
    out = {k: v for k, v in (value or {}).items() if v is not None}
    on = bool(out.get("enabled"))
    out["enabled"] = on
    _fill(out, {"head_sampling_rate": 1})
    logs = {"enabled": on, "head_sampling_rate": 1, "invocation_logs": True, "persist": True}
    if isinstance(out.get("logs"), dict):
        _fill(out["logs"], logs)
    elif on:
        out["logs"] = logs
    traces = {"enabled": False, "persist": True, "head_sampling_rate": 1}
    if isinstance(out.get("traces"), dict):
        _fill(out["traces"], traces)
    elif on:
        out["traces"] = traces
    if isinstance(out.get("traces"), dict):
        _fill(out["traces"], {"propagation_policy": "authenticated"})
    return out


def _crons(value: Any, _: str | None) -> Any:
    crons = [" ".join(c.split()) for c in (value or {}).get("crons") or []]
    return {"crons": sorted(set(crons))}


def _routes(value: Any, _: str | None) -> Any:
    routes = [
        {"pattern": r["pattern"], "custom_domain": bool(r.get("custom_domain"))}
        for r in value or ()
    ]
    return sorted(routes, key=lambda r: (r["pattern"], r["custom_domain"]))


def _tail_consumers(value: Any, _: str | None) -> Any:
    consumers = [
        {"service": t.get("service", ""), "environment": t.get("environment") or "production"}
        for t in value or ()
    ]
    return sorted(consumers, key=lambda t: (t["service"], t["environment"]))


def _service(name: str, entry: dict[str, Any], _: str | None) -> dict[str, Any]:
    entry["environment"] = entry.get("environment") or "production"
    if not entry.get("entrypoint"):
        entry.pop("entrypoint", None)
    return entry


def _own_script(name: str, entry: dict[str, Any], script: str | None) -> dict[str, Any]:
    if not entry.get("script_name") or entry.get("script_name") == script:
        entry.pop("script_name", None)
    if not entry.get("environment"):
        entry.pop("environment", None)
    return entry


def _dataset(name: str, entry: dict[str, Any], _: str | None) -> dict[str, Any]:
    entry["dataset"] = entry.get("dataset") or name
    return entry


def _r2(name: str, entry: dict[str, Any], _: str | None) -> dict[str, Any]:
    if entry.get("jurisdiction") in (None, "", "default"):
        entry.pop("jurisdiction", None)
    return entry


def _pipeline(name: str, entry: dict[str, Any], _: str | None) -> dict[str, Any]:
    stream = entry.pop("pipeline", None)
    entry["stream"] = entry.get("stream") or stream
    return entry


_FOLDERS = {
    "usage_model": _usage_model,
    "compatibility_flags": _flags,
    "compatibility_date": _date,
    "placement": _placement,
    "logpush": _logpush,
    "limits": _limits,
    "observability": _observability,
    "triggers": _crons,
    "routes": _routes,
    "tail_consumers": _tail_consumers,
}
_BINDINGS = {
    "services": _service,
    "durable_objects": _own_script,
    "workflows": _own_script,
    "analytics_engine_datasets": _dataset,
    "r2_buckets": _r2,
    "pipelines": _pipeline,
}


def counts() -> dict[str, int]:
    """How many catalogue entries come from each kind of source."""
    return {source: sum(1 for d in CATALOGUE if d.source == source) for source in SOURCES}
