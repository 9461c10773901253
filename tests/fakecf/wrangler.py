"""What ``wrangler deploy`` sends to Cloudflare for one resolved environment (pure, no state).

Modelled on wrangler 4.x (``packages/deploy-helpers``: ``deploy.ts``,
``create-worker-upload-form.ts``, ``binding-utils.ts``, ``placement.ts``, ``durable.ts``,
``secrets-validation.ts``, ``environments.ts`` and ``triggers/deploy.ts``), re-written here
from reading it; no code is copied. :func:`plan_deploy` turns a config that is already
resolved for one environment (wrangler's own JSON shape, the output of envman's
``declared(...).config.to_wrangler()`` or of ``wrangler deploy --dry-run``) into a
:class:`DeployPlan`: the upload ``metadata`` part exactly as wrangler builds it, and the
requests wrangler makes after the upload (script settings, subdomain, routes, custom
domains, cron schedules). ``FakeState.deploy_wrangler`` applies a plan.

Binding metadata (config key → uploaded binding)
================================================

==============================  ===========================  =================================================
config key (entry)              uploaded ``type``            uploaded fields (everything else is dropped)
==============================  ===========================  =================================================
``vars`` (string value)         ``plain_text``               ``name``, ``text``
``vars`` (any other value)      ``json``                     ``name``, ``json``
``--secrets-file`` entries      ``secret_text``              ``name``, ``text``
``secrets.required`` (not in    ``inherit``                  ``name`` (the server copies the previous
the secrets file)                                            version's binding; refused when it has none)
``kv_namespaces``               ``kv_namespace``             ``name``←binding, ``namespace_id``←``id``
                                                             (drops ``preview_id``, ``remote``)
``send_email``                  ``send_email``               ``name``, ``destination_address``,
                                                             ``allowed_destination_addresses``,
                                                             ``allowed_sender_addresses`` (drops ``remote``)
``durable_objects.bindings``    ``durable_object_namespace`` ``name``, ``class_name``, ``script_name``,
                                                             ``environment`` (each only when truthy)
``workflows``                   ``workflow``                 ``name``←binding, ``workflow_name``←name,
                                                             ``class_name``, ``script_name`` (drops
                                                             ``limits``, ``schedules``, ``remote``)
``queues.producers``            ``queue``                    ``name``←binding, ``queue_name``←queue,
                                                             ``delivery_delay`` (drops ``remote``;
                                                             ``queues.consumers`` is not a binding)
``r2_buckets``                  ``r2_bucket``                ``name``←binding, ``bucket_name``,
                                                             ``jurisdiction`` (drops
                                                             ``preview_bucket_name``, ``remote``)
``d1_databases``                ``d1``                       ``name``←binding, ``id``←``database_id``
                                                             (the deprecated spelling; the API serves
                                                             it as ``database_id``), ``internalEnv``←
                                                             ``database_internal_env`` (drops
                                                             ``database_name``, ``preview_database_id``,
                                                             ``migrations_dir``, ``migrations_table``,
                                                             ``remote``)
``vectorize``                   ``vectorize``                ``name``←binding, ``index_name``
``hyperdrive``                  ``hyperdrive``               ``name``←binding, ``id`` (drops
                                                             ``localConnectionString``)
``secrets_store_secrets``       ``secrets_store_secret``     ``name``←binding, ``store_id``, ``secret_name``
``ratelimits``                  ``ratelimit``                ``name``, ``namespace_id``, ``simple``
``vpc_services``                ``vpc_service``              ``name``←binding, ``service_id``
``services``                    ``service``                  ``name``←binding, ``service``,
                                                             ``environment``/``entrypoint``/``props``
                                                             (when truthy; drops ``remote``)
``analytics_engine_datasets``   ``analytics_engine``         ``name``←binding, ``dataset`` (absent when
                                                             not configured: the API names the dataset
                                                             after the binding)
``dispatch_namespaces``         ``dispatch_namespace``       ``name``←binding, ``namespace``, ``outbound``
                                                             reshaped to ``{worker: {service,
                                                             environment}, params: [{name}]}``
``mtls_certificates``           ``mtls_certificate``         ``name``←binding, ``certificate_id``
``pipelines``                   ``pipelines``                ``name``←binding, ``stream`` or ``pipeline``
``worker_loaders``              ``worker_loader``            ``name``←binding
``browser``                     ``browser``                  ``name``←binding
``ai``                          ``ai``                       ``name``←binding, ``staging``
``images`` / ``media`` /        ``images`` / ``media`` /     ``name``←binding
``stream`` / ``version_meta…``  ``stream`` /
                                ``version_metadata``
``assets.binding``              ``assets``                   ``name`` (the rest of ``assets`` becomes the
                                                             ``assets`` metadata key, not a binding)
``unsafe.bindings``             ``type`` minus nothing       copied as written (wrangler prefixes
                                                             ``unsafe_`` internally and strips it again)
==============================  ===========================  =================================================

The metadata lists bindings grouped by kind in wrangler's fixed order: inherit, plain_text,
json, secret_text, kv_namespace, send_email, durable_object_namespace, workflow, queue,
r2_bucket, d1, vectorize, hyperdrive, secrets_store_secret, ratelimit, vpc_service,
service, analytics_engine, dispatch_namespace, mtls_certificate, pipelines,
worker_loader, browser, ai, images, stream, media, version_metadata, assets, unsafe.
Within a kind the config order is kept.

Top-level metadata keys
=======================

=========================  =====================================================================
metadata key               from the resolved config
=========================  =====================================================================
``main_module``            basename of the bundled entry (``main``; ``.ts``/``.tsx``/``.jsx``/
                           ``.mts`` bundle to ``.js``, ``.mjs``/``.cjs``/``.js`` keep their name)
``bindings``               the table above
``compatibility_date``     ``compatibility_date`` (omitted when absent)
``compatibility_flags``    ``compatibility_flags`` (omitted when absent)
``migrations``             ``migrations`` not yet applied to the live script:
                           ``{old_tag?, new_tag, steps: [...without tag]}``; omitted when the live
                           ``migration_tag`` is already the last tag
``keep_bindings``          ``["plain_text", "json"]`` when ``keep_vars``, plus
                           ``["secret_text", "secret_key"]`` when ``keep_vars`` or a secrets file
``logpush``                ``logpush`` when set (never defaulted by wrangler)
``placement``              ``{mode: "smart"[, hint]}`` or ``{mode: "targeted", region|host|
                           hostname}``; omitted for ``mode = "off"`` or no placement
``tail_consumers``         ``tail_consumers`` when set
``limits``                 ``limits`` when set
``annotations``            ``{"workers/message", "workers/tag"}`` from ``--message``/``--tag``
``observability``          ``observability`` when set
``assets``                 ``{config: {html_handling, not_found_handling, run_worker_first}}``
                           (the upload JWT is not modelled)
``cache_options``          ``cache`` when set
``containers``             ``[{name?, class_name?}]`` when ``containers`` is set
=========================  =====================================================================

Dropped entirely (never sent): ``name`` (it is the URL), ``account_id``, ``usage_model``
(wrangler stopped uploading it; the API answers ``standard``), ``keep_vars`` (becomes
``keep_bindings``), ``secrets`` (only the names, as ``inherit``), ``define``, ``build``,
``dev``, ``env``, ``alias``, ``rules``, ``minify``, ``no_bundle``, ``tsconfig``, ``site``,
``upload_source_maps``, ``send_metrics``, ``legacy_env``, ``queues.consumers`` (a Queues API
call), ``triggers``, ``route``/``routes``, ``workers_dev``, ``preview_urls`` (separate calls,
below) and ``compliance_region``.

After the upload
================

* Existing Worker, no migrations to send, no containers: wrangler uses the versions API
  (``POST …/versions?bindings_inherit=strict``, version ``workers/triggered_by:
  version_upload``; then ``POST …/deployments`` at 100 %, ``triggered_by: deployment``) and
  ``PATCH …/script-settings`` with ``tail_consumers`` and ``logpush`` (``undefined`` is left
  out of the JSON, so the live value stays) and ``observability`` (``{"enabled": false}``
  when the config has none) and ``tags`` (``cf:service=<top-level name>`` and
  ``cf:environment=<env>`` when the config defines environments).
* Otherwise (first deploy, pending migrations, containers): ``PUT …/scripts/{name}`` with the
  metadata above (version and its automatic deployment ``triggered_by: upload``, message
  ``Automatic deployment on upload.`` when none is given).
* ``POST …/subdomain`` with ``enabled = workers_dev`` (default: true only when there are no
  routes) and ``previews_enabled = preview_urls`` (left out when not set; the API then uses
  ``enabled``).
* Routes (``route``/``routes`` without ``custom_domain``) replace the Worker's routes; a route
  without ``zone_id``/``zone_name`` goes to the account zone whose name is the longest
  suffix of its host (``GET /zones?name=<host>&account.id=…``, dropping the leftmost label
  until a zone answers). Custom domains (``custom_domain = true``) replace the Worker's
  custom domains the same way. No routes (or no custom domains) in the config means no
  request at all: the live ones stay.
* ``PUT …/schedules`` with ``triggers.crons`` only when ``triggers.crons`` is given: no
  ``[triggers]`` leaves the live crons alone, ``crons = []`` clears them.
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]


class WranglerError(Exception):
    """What wrangler itself refuses before uploading anything (a ``UserError``)."""


# The order createWorkerUploadForm emits binding kinds in (config key → uploaded type).
_ORDER = (
    "inherit",
    "plain_text",
    "json",
    "secret_text",
    "kv_namespace",
    "send_email",
    "durable_object_namespace",
    "workflow",
    "queue",
    "r2_bucket",
    "d1",
    "vectorize",
    "hyperdrive",
    "secrets_store_secret",
    "ratelimit",
    "vpc_service",
    "service",
    "analytics_engine",
    "dispatch_namespace",
    "mtls_certificate",
    "pipelines",
    "worker_loader",
    "browser",
    "ai",
    "images",
    "stream",
    "media",
    "version_metadata",
    "assets",
    "unsafe",
)
_BUNDLED_SUFFIXES = (".ts", ".tsx", ".jsx", ".mts", ".cts")
SINGLE_BINDING_KEYS = ("browser", "ai", "images", "stream", "media", "version_metadata")


def _defined(**fields: Any) -> JSONDict:
    """Fields whose value is not None (JSON.stringify drops ``undefined``)."""
    return {k: copy.deepcopy(v) for k, v in fields.items() if v is not None}


def _js_truthy(value: Any) -> bool:
    """JavaScript truthiness: ``[]`` and ``{}`` are true; None, False, 0 and "" are not."""
    if value is None or value is False or value == "":
        return False
    return not (isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0)


def _truthy(**fields: Any) -> JSONDict:
    """Fields whose value is truthy in JavaScript (wrangler's ``...(x && { x })``)."""
    return {k: copy.deepcopy(v) for k, v in fields.items() if _js_truthy(v)}


def _list(config: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = config.get(key) or []
    return list(value) if isinstance(value, list) else [value]


def main_module_name(main: str | None) -> str:
    """The module name wrangler uploads for entry point ``main`` (after bundling)."""
    if not main:
        return "index.js"
    base = posixpath.basename(main.replace("\\", "/"))
    stem, ext = posixpath.splitext(base)
    return stem + ".js" if ext in _BUNDLED_SUFFIXES else base


def metadata_bindings(
    config: Mapping[str, Any],
    *,
    secrets: Mapping[str, str] | None = None,
    inherit: Sequence[str] = (),
) -> list[JSONDict]:
    """The ``bindings`` of the upload metadata, in wrangler's order (see the module table)."""
    by_kind: dict[str, list[JSONDict]] = {kind: [] for kind in _ORDER}
    for name in inherit:
        by_kind["inherit"].append({"name": name, "type": "inherit"})
    for name, value in (config.get("vars") or {}).items():
        if isinstance(value, str):
            by_kind["plain_text"].append({"name": name, "type": "plain_text", "text": value})
        else:
            by_kind["json"].append({"name": name, "type": "json", "json": copy.deepcopy(value)})
    for name, value in (secrets or {}).items():
        by_kind["secret_text"].append({"name": name, "type": "secret_text", "text": value})
    for kv in _list(config, "kv_namespaces"):
        by_kind["kv_namespace"].append(
            {"name": kv["binding"], "type": "kv_namespace", **_defined(namespace_id=kv.get("id"))}
        )
    for em in _list(config, "send_email"):
        by_kind["send_email"].append(
            {
                "name": em["name"],
                "type": "send_email",
                **_defined(
                    destination_address=em.get("destination_address"),
                    allowed_destination_addresses=em.get("allowed_destination_addresses"),
                    allowed_sender_addresses=em.get("allowed_sender_addresses"),
                ),
            }
        )
    for do in (config.get("durable_objects") or {}).get("bindings") or []:
        by_kind["durable_object_namespace"].append(
            {
                "name": do["name"],
                "type": "durable_object_namespace",
                **_defined(class_name=do.get("class_name")),
                **_truthy(script_name=do.get("script_name"), environment=do.get("environment")),
            }
        )
    for wf in _list(config, "workflows"):
        by_kind["workflow"].append(
            {
                "type": "workflow",
                "name": wf["binding"],
                **_defined(
                    workflow_name=wf.get("name"),
                    class_name=wf.get("class_name"),
                    script_name=wf.get("script_name"),
                ),
            }
        )
    for q in (config.get("queues") or {}).get("producers") or []:
        by_kind["queue"].append(
            {
                "type": "queue",
                "name": q["binding"],
                **_defined(queue_name=q.get("queue"), delivery_delay=q.get("delivery_delay")),
            }
        )
    for r2 in _list(config, "r2_buckets"):
        by_kind["r2_bucket"].append(
            {
                "name": r2["binding"],
                "type": "r2_bucket",
                **_defined(bucket_name=r2.get("bucket_name"), jurisdiction=r2.get("jurisdiction")),
            }
        )
    for d1 in _list(config, "d1_databases"):
        by_kind["d1"].append(
            {
                "name": d1["binding"],
                "type": "d1",
                **_defined(id=d1.get("database_id"), internalEnv=d1.get("database_internal_env")),
            }
        )
    for vz in _list(config, "vectorize"):
        by_kind["vectorize"].append(
            {
                "name": vz["binding"],
                "type": "vectorize",
                **_defined(index_name=vz.get("index_name")),
            }
        )
    for hd in _list(config, "hyperdrive"):
        by_kind["hyperdrive"].append(
            {"name": hd["binding"], "type": "hyperdrive", **_defined(id=hd.get("id"))}
        )
    for ss in _list(config, "secrets_store_secrets"):
        by_kind["secrets_store_secret"].append(
            {
                "name": ss["binding"],
                "type": "secrets_store_secret",
                **_defined(store_id=ss.get("store_id"), secret_name=ss.get("secret_name")),
            }
        )
    for rl in _list(config, "ratelimits"):
        by_kind["ratelimit"].append(
            {
                "name": rl["name"],
                "type": "ratelimit",
                **_defined(namespace_id=rl.get("namespace_id"), simple=rl.get("simple")),
            }
        )
    for vpc in _list(config, "vpc_services"):
        by_kind["vpc_service"].append(
            {
                "name": vpc["binding"],
                "type": "vpc_service",
                **_defined(service_id=vpc.get("service_id")),
            }
        )
    for svc in _list(config, "services"):
        by_kind["service"].append(
            {
                "name": svc["binding"],
                "type": "service",
                **_defined(service=svc.get("service")),
                **_truthy(
                    environment=svc.get("environment"),
                    entrypoint=svc.get("entrypoint"),
                    props=svc.get("props"),
                ),
            }
        )
    for ae in _list(config, "analytics_engine_datasets"):
        by_kind["analytics_engine"].append(
            {
                "name": ae["binding"],
                "type": "analytics_engine",
                **_defined(dataset=ae.get("dataset")),
            }
        )
    for dn in _list(config, "dispatch_namespaces"):
        entry: JSONDict = {
            "name": dn["binding"],
            "type": "dispatch_namespace",
            **_defined(namespace=dn.get("namespace")),
        }
        outbound = dn.get("outbound")
        if outbound:
            entry["outbound"] = {
                "worker": _defined(
                    service=outbound.get("service"), environment=outbound.get("environment")
                ),
                **(
                    {"params": [{"name": p} for p in outbound["parameters"]]}
                    if outbound.get("parameters") is not None
                    else {}
                ),
            }
        by_kind["dispatch_namespace"].append(entry)
    for cert in _list(config, "mtls_certificates"):
        by_kind["mtls_certificate"].append(
            {
                "name": cert["binding"],
                "type": "mtls_certificate",
                **_defined(certificate_id=cert.get("certificate_id")),
            }
        )
    for pl in _list(config, "pipelines"):
        key = "stream" if pl.get("stream") else "pipeline"
        if not pl.get(key):
            raise WranglerError("Pipeline binding must specify a stream or pipeline")
        by_kind["pipelines"].append({"name": pl["binding"], "type": "pipelines", key: pl[key]})
    for wl in _list(config, "worker_loaders"):
        by_kind["worker_loader"].append({"name": wl["binding"], "type": "worker_loader"})
    for kind in SINGLE_BINDING_KEYS:
        single = config.get(kind)
        if single:
            extra = _defined(staging=single.get("staging")) if kind == "ai" else {}
            by_kind[kind].append({"name": single["binding"], "type": kind, **extra})
    assets = config.get("assets") or {}
    if assets.get("binding"):
        by_kind["assets"].append({"name": assets["binding"], "type": "assets"})
    for unsafe in (config.get("unsafe") or {}).get("bindings") or []:
        by_kind["unsafe"].append(copy.deepcopy(dict(unsafe)))
    return [b for kind in _ORDER for b in by_kind[kind]]


def placement_metadata(placement: Mapping[str, Any] | None) -> JSONDict | None:
    """wrangler's ``parseConfigPlacement``: what the metadata's ``placement`` is."""
    if not placement:
        return None
    hint = placement.get("hint")
    mode = placement.get("mode")
    if not hint and mode == "off":
        return None
    if hint or mode == "smart":
        return _defined(mode="smart", hint=hint)
    for key in ("region", "host", "hostname"):
        if placement.get(key):
            return {"mode": "targeted", key: placement[key]}
    return None


def pending_migrations(
    migrations: Sequence[Mapping[str, Any]] | None, live_tag: str | None
) -> JSONDict | None:
    """The ``migrations`` wrangler uploads given the live script's ``migration_tag``."""
    if not migrations:
        return None
    steps = [{k: copy.deepcopy(v) for k, v in m.items() if k != "tag"} for m in migrations]
    new_tag = migrations[-1]["tag"]
    if live_tag is None:
        return {"new_tag": new_tag, "steps": steps}
    tags = [m["tag"] for m in migrations]
    if live_tag not in tags:
        return {"old_tag": live_tag, "new_tag": new_tag, "steps": steps}
    index = tags.index(live_tag)
    if index == len(tags) - 1:
        return None
    return {"old_tag": live_tag, "new_tag": new_tag, "steps": steps[index + 1 :]}


def routes_of(config: Mapping[str, Any]) -> list[str | JSONDict]:
    """``routes``, else ``[route]``, else ``[]`` (wrangler: ``route`` and ``routes`` together is
    an error)."""
    if config.get("routes") is not None and config.get("route") is not None:
        raise WranglerError('Expected only one of "route" or "routes" to be set.')
    if config.get("routes") is not None:
        return [copy.deepcopy(r) for r in config["routes"]]
    if config.get("route"):
        return [copy.deepcopy(config["route"])]
    return []


def service_tags(
    config: Mapping[str, Any],
    current: Sequence[str],
    *,
    env: str | None,
    top_level_name: str | None,
) -> list[str]:
    """``applyServiceAndEnvironmentTags``: the script tags after a deploy.

    ``cf:service=<top-level name>`` and ``cf:environment=<env>`` are added only when the
    config defines environments (``top_level_name`` given); other tags are kept.
    """
    tags = [t for t in current if not t.startswith(("cf:service=", "cf:environment="))]
    if top_level_name:
        tags.append(f"cf:service={top_level_name}")
        if env:
            tags.append(f"cf:environment={env}")
    return tags


@dataclass
class DeployPlan:
    """Everything one ``wrangler deploy`` sends, in the order it sends it."""

    script: str
    metadata: JSONDict
    use_versions_api: bool
    script_settings: JSONDict | None
    workers_dev: bool
    preview_urls: bool | None
    routes: list[str | JSONDict] = field(default_factory=list)
    custom_domains: list[JSONDict] = field(default_factory=list)
    crons: list[str] | None = None
    message: str | None = None
    tag: str | None = None


def plan_deploy(
    config: Mapping[str, Any],
    *,
    script: str | None = None,
    exists: bool,
    live_migration_tag: str | None = None,
    live_tags: Sequence[str] = (),
    secrets: Mapping[str, str] | None = None,
    message: str | None = None,
    tag: str | None = None,
    env: str | None = None,
    top_level_name: str | None = None,
) -> DeployPlan:
    """What ``wrangler deploy [--env env] [--secrets-file …] [--message …] [--tag …]`` sends.

    ``config`` is resolved for one environment; ``script`` defaults to ``config["name"]``.
    ``exists``/``live_migration_tag``/``live_tags`` describe the live Worker as wrangler
    reads it before uploading. ``secrets`` plays ``--secrets-file``. Raises
    :class:`WranglerError` for what wrangler refuses itself.
    """
    name = script or config.get("name")
    if not name:
        raise WranglerError('You need to provide a name of your worker. Add "name" to the config.')
    secrets = dict(secrets or {})
    required = list((config.get("secrets") or {}).get("required") or [])
    binding_names = _binding_names(config) | set(secrets)
    inherit = [s for s in required if s not in binding_names]
    if inherit and not exists:
        raise WranglerError(
            "The following required secrets have not been set: "
            + ", ".join(inherit)
            + "\nThis Worker does not exist yet, so secrets cannot be set in advance with "
            "`wrangler secret put`."
        )
    bindings = metadata_bindings(config, secrets=secrets, inherit=inherit)
    migrations = pending_migrations(config.get("migrations"), live_migration_tag)
    keep_vars = bool(config.get("keep_vars"))
    keep: list[str] = []
    if keep_vars:
        keep += ["plain_text", "json"]
    if keep_vars or secrets:
        keep += ["secret_text", "secret_key"]
    annotations = _defined(**{"workers/message": message, "workers/tag": tag}) or None
    assets = config.get("assets")
    metadata: JSONDict = {
        "main_module": main_module_name(config.get("main")),
        "bindings": bindings,
        **_truthy(
            containers=[
                _defined(name=c.get("name"), class_name=c.get("class_name"))
                for c in config.get("containers") or []
            ]
            if config.get("containers") is not None
            else None
        ),
        **_truthy(
            compatibility_date=config.get("compatibility_date"),
            compatibility_flags=config.get("compatibility_flags"),
            migrations=migrations,
            keep_bindings=keep or None,
        ),
        **_defined(logpush=config.get("logpush")),
        **_truthy(
            placement=placement_metadata(config.get("placement")),
            tail_consumers=config.get("tail_consumers"),
            limits=config.get("limits"),
            annotations=annotations,
        ),
    }
    if assets and assets.get("directory"):
        metadata["assets"] = {
            "config": _defined(
                html_handling=assets.get("html_handling"),
                not_found_handling=assets.get("not_found_handling"),
                run_worker_first=assets.get("run_worker_first"),
            )
        }
    metadata.update(
        _truthy(observability=config.get("observability"), cache_options=config.get("cache"))
    )
    use_versions = exists and migrations is None and config.get("containers") is None
    script_settings: JSONDict | None = None
    if use_versions:
        script_settings = {
            **_defined(tail_consumers=config.get("tail_consumers"), logpush=config.get("logpush")),
            "observability": copy.deepcopy(config.get("observability") or {"enabled": False}),
            "tags": service_tags(config, live_tags, env=env, top_level_name=top_level_name),
        }
    all_routes = routes_of(config)
    plain = [r for r in all_routes if not (isinstance(r, Mapping) and r.get("custom_domain"))]
    domains = [dict(r) for r in all_routes if isinstance(r, Mapping) and r.get("custom_domain")]
    workers_dev = config.get("workers_dev")
    triggers = config.get("triggers")
    crons = triggers.get("crons") if isinstance(triggers, Mapping) else None
    return DeployPlan(
        script=str(name),
        metadata=metadata,
        use_versions_api=use_versions,
        script_settings=script_settings,
        workers_dev=(not all_routes) if workers_dev is None else bool(workers_dev),
        preview_urls=config.get("preview_urls"),
        routes=plain,
        custom_domains=domains,
        crons=list(crons) if crons is not None else None,
        message=message,
        tag=tag,
    )


def _binding_names(config: Mapping[str, Any]) -> set[str]:
    names = set((config.get("vars") or {}).keys())
    return names | {
        b["name"] for b in metadata_bindings({k: v for k, v in config.items() if k != "vars"})
    }


__all__ = [
    "DeployPlan",
    "WranglerError",
    "main_module_name",
    "metadata_bindings",
    "pending_migrations",
    "placement_metadata",
    "plan_deploy",
    "routes_of",
    "service_tags",
]
