"""What Cloudflare fills in on read that the upload did not contain: ONE catalogue.

Each entry of :data:`SERVER_DEFAULTS` names where the default shows (``where``: the
response and field), what it is (``value``), when it applies (``when``) and where the fact
comes from (``source``):

* ``"openapi default"`` — a ``default:`` in Cloudflare's OpenAPI description
  (``/work/shared/cloudflare/openapi-workers-subset.json``); ``ref`` is the schema path;
* ``"openapi description"`` — the schema's prose says what the server does (``ref``);
* ``"Cloudflare docs"`` — ``ref`` is the URL;
* ``"observed"`` — seen in a real response; ``ref`` says which response and where it is
  recorded.

The fake applies every entry whose ``applied`` is true when ``FakeState.server_defaults``
is on, through the functions below; entries with ``applied: False`` are facts that were
checked and deliberately *not* modelled (the ``note`` says why). ``DEFAULTS.md`` beside
this file lists the same catalogue for humans (a test keeps the two in step).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, TypedDict

JSONDict = dict[str, Any]
SPEC = "openapi-workers-subset.json"
WRANGLER_DIFF_TEST = (
    "wrangler packages/wrangler/src/__tests__/deploy/get-remote-config-diff.test.ts "
    "(remote observability shapes the remote-diff check is written against) and "
    "packages/deploy-helpers/src/deploy/helpers/config-diffs.ts normalizeObservability"
)


class ServerDefault(TypedDict):
    where: str
    value: Any
    when: str
    source: str
    ref: str
    applied: bool
    note: str


SERVER_DEFAULTS: dict[str, ServerDefault] = {
    # ---------------------------------------------------------------- version settings
    "usage_model": {
        "where": "settings.usage_model, versions/{id}.resources.script_runtime.usage_model",
        "value": "standard",
        "when": "always when not set (wrangler never uploads usage_model)",
        "source": "openapi default",
        "ref": f"{SPEC}#/components/schemas/workers_usage_model/default",
        "applied": True,
        "note": "Also observed: settings of never-configured Workers show usage_model standard.",
    },
    "compatibility_flags": {
        "where": "settings.compatibility_flags",
        "value": [],
        "when": "upload without compatibility_flags",
        "source": "openapi default",
        "ref": f"{SPEC}#/components/schemas/workers_script-and-version-settings-item"
        "/properties/compatibility_flags/default",
        "applied": True,
        "note": "",
    },
    "compatibility_date": {
        "where": "settings.compatibility_date",
        "value": "",
        "when": "API upload without compatibility_date",
        "source": "openapi default",
        "ref": f"{SPEC}#/components/schemas/workers_script-and-version-settings-item"
        "/properties/compatibility_date/default",
        "applied": True,
        "note": "wrangler refuses to deploy without a compatibility_date, so only API/Terraform "
        "uploads reach it.",
    },
    "placement": {
        "where": "settings.placement",
        "value": {},
        "when": "no placement uploaded (or placement.mode = off, which wrangler drops)",
        "source": "observed",
        "ref": "GET …/workers/scripts/{name}/settings of two never-configured Workers, "
        'recorded in a public ops report: "settings":{"placement":{},"compatibility_date":…}',
        "applied": True,
        "note": "A declared placement of mode=off therefore reads back as {}. The spec's "
        "placement anyOf accepts no {} (pinned as a known violation in the OpenAPI test).",
    },
    "annotations": {
        "where": "settings.annotations",
        "value": {"workers/triggered_by": "<what created the latest version>"},
        "when": "always (annotations of the latest version; not inherited across edits)",
        "source": "observed",
        "ref": 'same settings responses: "annotations":{"workers/triggered_by":"upload"}; the '
        "spec describes annotations as not inherited across settings updates "
        "(workers_script-and-version-settings-item/properties/annotations)",
        "applied": True,
        "note": "",
    },
    # ---------------------------------------------------------------- script settings
    "logpush": {
        "where": "settings.logpush, script-settings.logpush, scripts[].logpush",
        "value": False,
        "when": "never set",
        "source": "openapi default",
        "ref": f"{SPEC}#/components/schemas/workers_logpush/default",
        "applied": True,
        "note": "wrangler sends logpush only when the config sets it; removing it from the config "
        "leaves the live value alone.",
    },
    "tail_consumers": {
        "where": "settings.tail_consumers, script-settings.tail_consumers",
        "value": [],
        "when": "never set",
        "source": "observed",
        "ref": 'settings responses above: "tail_consumers":[]',
        "applied": True,
        "note": "wrangler sends tail_consumers only when configured: removing them from the "
        "config leaves the live ones in place.",
    },
    "tags": {
        "where": "settings.tags, script-settings.tags",
        "value": [],
        "when": "never set",
        "source": "observed",
        "ref": 'settings responses above: "tags":[]',
        "applied": True,
        "note": "wrangler adds cf:service=<name> and cf:environment=<env> when the config "
        "defines environments (not a server default, but it shows up live).",
    },
    "observability.absent": {
        "where": "settings.observability, script-settings.observability",
        "value": None,
        "when": "observability never set (first deploy without observability, API uploads)",
        "source": "observed",
        "ref": "settings responses above have no observability key; "
        f"{WRANGLER_DIFF_TEST}: 'remotely the observability field is undefined when "
        "observability is disabled'",
        "applied": True,
        "note": "After a second wrangler deploy without observability it reads {enabled: false, "
        "head_sampling_rate: 1}: wrangler PATCHes {enabled: false} on the versions path.",
    },
    "observability.head_sampling_rate": {
        "where": "observability.head_sampling_rate",
        "value": 1,
        "when": "observability set without head_sampling_rate (enabled or not)",
        "source": "observed",
        "ref": f"{WRANGLER_DIFF_TEST}: 'remotely head_sampling_rate is set to 1 even if enabled "
        "is false'; the spec says 'Default is 1' "
        "(workers_observability/properties/head_sampling_rate/description)",
        "applied": True,
        "note": "",
    },
    "observability.logs": {
        "where": "observability.logs",
        "value": {
            "enabled": "<observability.enabled>",
            "head_sampling_rate": 1,
            "invocation_logs": True,
            "persist": True,
        },
        "when": "observability.enabled is true and logs (or some of its keys) not uploaded",
        "source": "observed",
        "ref": f"{WRANGLER_DIFF_TEST}: remote {{enabled: true, head_sampling_rate: 1, logs: "
        "{enabled: true, head_sampling_rate: 1, persist: true, invocation_logs: true}, ...}} "
        "for a local {enabled: true}",
        "applied": True,
        "note": "An uploaded logs object keeps its values; missing keys are filled. With "
        "observability disabled an uploaded logs object is filled the same way.",
    },
    "observability.logs.persist": {
        "where": "observability.logs.persist",
        "value": True,
        "when": "logs present without persist",
        "source": "openapi default",
        "ref": f"{SPEC}#/components/schemas/workers_observability/properties/logs/properties"
        "/persist/default",
        "applied": True,
        "note": "",
    },
    "observability.traces": {
        "where": "observability.traces",
        "value": {"enabled": False, "persist": True, "head_sampling_rate": 1},
        "when": "observability.enabled is true and traces not uploaded (missing keys of an "
        "uploaded traces object are filled the same way)",
        "source": "observed",
        "ref": f"{WRANGLER_DIFF_TEST}: remote traces {{enabled: false, persist: true, "
        "head_sampling_rate: 1}}; persist also an openapi default "
        "(workers_observability/properties/traces/properties/persist/default)",
        "applied": True,
        "note": "",
    },
    "observability.traces.propagation_policy": {
        "where": "observability.traces.propagation_policy",
        "value": "authenticated",
        "when": "traces present without propagation_policy",
        "source": "openapi default",
        "ref": f"{SPEC}#/components/schemas/workers_observability/properties/traces/properties"
        "/propagation_policy/default",
        "applied": False,
        "note": "Not applied: the spec says it needs the trace propagation feature, and the "
        "remote shape wrangler is tested against has no propagation_policy.",
    },
    # ---------------------------------------------------------------- bindings
    "binding.service.environment": {
        "where": "bindings[type=service].environment",
        "value": "production",
        "when": "service binding uploaded without environment",
        "source": "openapi default",
        "ref": f"{SPEC}#/components/schemas/workers_binding_kind_service/properties/environment"
        "/default",
        "applied": True,
        "note": "",
    },
    "binding.durable_object_namespace.script_name": {
        "where": "bindings[type=durable_object_namespace].script_name",
        "value": "<the Worker's own name>",
        "when": "Durable Object binding to a class of this Worker (no script_name uploaded)",
        "source": "openapi description",
        "ref": f"{SPEC}#/components/schemas/workers_binding_kind_durable_object_namespace"
        "/properties/script_name (x-stainless-terraform-configurability: computed_optional); "
        "envman's live_normalise already drops script_name equal to the Worker",
        "applied": True,
        "note": "",
    },
    "binding.durable_object_namespace.namespace_id": {
        "where": "bindings[type=durable_object_namespace].namespace_id",
        "value": "<id of the namespace (account, script, class)>",
        "when": "always (never uploaded by wrangler)",
        "source": "openapi description",
        "ref": f"{SPEC}#/components/schemas/workers_binding_kind_durable_object_namespace"
        "/properties/namespace_id (computed_optional)",
        "applied": True,
        "note": "Stable per (account, owning script, class) in the fake.",
    },
    "binding.durable_object_namespace.environment": {
        "where": "bindings[type=durable_object_namespace].environment",
        "value": None,
        "when": "-",
        "source": "openapi description",
        "ref": f"{SPEC}#/components/schemas/workers_binding_kind_durable_object_namespace"
        "/properties/environment",
        "applied": False,
        "note": "Not applied: no source says the server fills it (no default, not computed).",
    },
    "binding.workflow.script_name": {
        "where": "bindings[type=workflow].script_name",
        "value": "<the Worker's own name>",
        "when": "workflow binding uploaded without script_name",
        "source": "openapi description",
        "ref": f"{SPEC}#/components/schemas/workers_binding_kind_workflow/properties/script_name:"
        " 'If not provided, defaults to this script name.'",
        "applied": True,
        "note": "",
    },
    "binding.analytics_engine.dataset": {
        "where": "bindings[type=analytics_engine].dataset",
        "value": "<the binding name>",
        "when": "analytics_engine binding uploaded without dataset",
        "source": "Cloudflare docs",
        "ref": "https://developers.cloudflare.com/workers/wrangler/configuration/"
        "#analytics-engine-datasets (dataset: 'defaults to the binding name')",
        "applied": True,
        "note": "",
    },
    "binding.d1.database_id": {
        "where": "bindings[type=d1].database_id",
        "value": "<the uploaded id>",
        "when": "wrangler uploads the deprecated `id`; the API serves database_id",
        "source": "openapi description",
        "ref": f"{SPEC}#/components/schemas/workers_binding_kind_d1/properties/id "
        "(deprecated: 'renamed to database_id')",
        "applied": True,
        "note": "Always applied (a rename, not a default); internalEnv is not served.",
    },
    "binding.r2_bucket.jurisdiction": {
        "where": "bindings[type=r2_bucket].jurisdiction",
        "value": "default",
        "when": "-",
        "source": "openapi default",
        "ref": f"{SPEC}#/components/schemas/r2_jurisdiction/default (the bucket resource)",
        "applied": False,
        "note": "Not applied: the binding schema's enum is eu/fedramp/fedramp-high, so a served "
        "'default' would violate the spec; an absent jurisdiction stays absent.",
    },
    "binding.inherit.version_id": {
        "where": "upload: bindings[type=inherit].version_id",
        "value": "latest",
        "when": "inherit binding without version_id (request side)",
        "source": "openapi default",
        "ref": f"{SPEC}#/components/schemas/workers_binding_kind_inherit/properties/version_id"
        "/default",
        "applied": True,
        "note": "The served binding is the inherited one (e.g. secret_text), never 'inherit'.",
    },
    # ---------------------------------------------------------------- triggers
    "subdomain.previews_enabled": {
        "where": "subdomain.previews_enabled",
        "value": "<enabled>",
        "when": "POST …/subdomain without previews_enabled (wrangler without preview_urls)",
        "source": "observed",
        "ref": "wrangler triggers/deploy.ts getSubdomainValuesAPIMock: 'Mimics the logic in the "
        "API' (preview_urls defaults to the workers_dev value)",
        "applied": True,
        "note": "",
    },
    "subdomain.enabled": {
        "where": "subdomain.enabled, subdomain.previews_enabled",
        "value": False,
        "when": "Worker created by an API upload that never POSTed …/subdomain",
        "source": "openapi default",
        "ref": f"{SPEC}#/components/schemas/workers_subdomain/properties/enabled/default",
        "applied": True,
        "note": "wrangler always POSTs the subdomain, so only API/Terraform uploads show it.",
    },
    "custom_domain.environment": {
        "where": "domains[].environment",
        "value": "production",
        "when": "always (deprecated field)",
        "source": "openapi description",
        "ref": f"{SPEC}#/components/schemas/workers_Domain/properties/environment (example "
        "'production', deprecated, readOnly)",
        "applied": True,
        "note": "",
    },
}


def applied(key: str, enabled: bool | frozenset[str]) -> bool:
    """Whether catalogue entry ``key`` is in force (``enabled``: all, none or a set of keys)."""
    if not SERVER_DEFAULTS[key]["applied"]:
        return False
    if isinstance(enabled, bool):
        return enabled
    return key in enabled


def fill_missing(target: JSONDict, defaults: Mapping[str, Any]) -> JSONDict:
    """``target`` with every key of ``defaults`` it lacks (or has as None) added, deep."""
    for key, value in defaults.items():
        if target.get(key) is None:
            target[key] = copy.deepcopy(value)
        elif isinstance(value, Mapping) and isinstance(target[key], dict):
            fill_missing(target[key], value)
    return target


def observability_view(
    stored: Mapping[str, Any] | None, enabled: bool | frozenset[str]
) -> JSONDict | None:
    """How GET settings/script-settings show the stored (uploaded) observability."""
    if stored is None:
        return None
    out = copy.deepcopy(dict(stored))
    if applied("observability.head_sampling_rate", enabled):
        out.setdefault("head_sampling_rate", 1)
    on = bool(out.get("enabled"))
    logs_defaults: JSONDict = {"enabled": on, "head_sampling_rate": 1, "invocation_logs": True}
    if applied("observability.logs.persist", enabled):
        logs_defaults["persist"] = True
    if isinstance(out.get("logs"), dict):
        if applied("observability.logs", enabled):
            fill_missing(out["logs"], logs_defaults)
    elif on and applied("observability.logs", enabled):
        out["logs"] = logs_defaults
    traces_defaults = {"enabled": False, "persist": True, "head_sampling_rate": 1}
    if isinstance(out.get("traces"), dict):
        if applied("observability.traces", enabled):
            fill_missing(out["traces"], traces_defaults)
    elif on and applied("observability.traces", enabled):
        out["traces"] = traces_defaults
    return out


def binding_view(
    binding: Mapping[str, Any], *, script: str, enabled: bool | frozenset[str]
) -> JSONDict:
    """A stored binding as the API serves it (write-only values are removed elsewhere)."""
    out = dict(binding)
    kind = out.get("type")
    if kind == "service" and applied("binding.service.environment", enabled):
        out.setdefault("environment", "production")
    elif kind == "durable_object_namespace" and applied(
        "binding.durable_object_namespace.script_name", enabled
    ):
        out.setdefault("script_name", script)
    elif kind == "workflow" and applied("binding.workflow.script_name", enabled):
        out.setdefault("script_name", script)
    return out


def catalogue_counts() -> dict[str, int]:
    """How many catalogue entries come from each kind of source."""
    counts: dict[str, int] = {}
    for entry in SERVER_DEFAULTS.values():
        counts[entry["source"]] = counts.get(entry["source"], 0) + 1
    return counts


_HEADER = """# Server-side defaults of the Cloudflare Workers API (the fake's catalogue)

Generated from `SERVER_DEFAULTS` in `tests/fakecf/defaults.py` by
`python -m tests.fakecf.defaults > tests/fakecf/DEFAULTS.md`; a test fails when the two
differ. These are the values Cloudflare returns on read that a `wrangler deploy` (or an
API upload) did not send. envman's normalisation must treat a live value equal to the
default as "not configured", or it reports drift that nobody made.

The fake applies an entry when `FakeCloudflare(server_defaults=True)` (fixture
`faithful_cloudflare`); `server_defaults=False` (fixture `fake_cloudflare`) keeps the
fake's historical answers. Entries marked "not applied" were checked and deliberately
left out; the note says why.

Sources: **openapi default** — a `default:` in `openapi-workers-subset.json` (schema path
given); **openapi description** — the schema's own prose or `x-stainless-*` markers;
**Cloudflare docs** — the page given; **observed** — seen in a real response (which one
is given).
"""


def render_markdown() -> str:
    """DEFAULTS.md: the catalogue as a document (kept in step by a test)."""
    lines = [_HEADER]
    counts = catalogue_counts()
    applied_count = sum(1 for e in SERVER_DEFAULTS.values() if e["applied"])
    lines.append(
        f"{len(SERVER_DEFAULTS)} entries, {applied_count} applied: "
        + ", ".join(f"{n} {source}" for source, n in sorted(counts.items()))
        + ".\n"
    )
    lines.append("| key | where | value | when | source | applied |")
    lines.append("|---|---|---|---|---|---|")
    for key, e in SERVER_DEFAULTS.items():
        value = json.dumps(e["value"])
        lines.append(
            f"| `{key}` | {e['where']} | `{value}` | {e['when']} | {e['source']} | "
            f"{'yes' if e['applied'] else 'no'} |"
        )
    lines.append("\n## Sources and notes\n")
    for key, e in SERVER_DEFAULTS.items():
        lines.append(f"- **`{key}`** ({e['source']}): {e['ref']}.")
        if e["note"]:
            lines.append(f"  {e['note']}")
    return "\n".join(lines) + "\n"


__all__ = [
    "SERVER_DEFAULTS",
    "ServerDefault",
    "applied",
    "binding_view",
    "catalogue_counts",
    "fill_missing",
    "observability_view",
    "render_markdown",
]


if __name__ == "__main__":
    print(render_markdown(), end="")
