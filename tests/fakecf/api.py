"""The Cloudflare API v4 endpoints the fake serves, as plain functions over :class:`FakeState`.

Each endpoint takes an :class:`ApiRequest` and returns an :class:`ApiReply`; failures are
raised as :class:`~tests.fakecf.state.ApiError` and turned into Cloudflare's error envelope
by :func:`handle`. Paths are relative to ``/client/v4`` and written as in the OpenAPI
description, so the request log can count per endpoint template.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import unquote

from tests.fakecf.state import (
    SECRET_BINDING_TYPES,
    ApiError,
    Deployment,
    FakeState,
    JSONDict,
    Script,
    Version,
    bad_request,
    normalise_binding,
    public_binding,
    script_not_found,
)

SCRIPT = "/accounts/{account_id}/workers/scripts/{script_name}"


@dataclass
class ApiRequest:
    """One parsed request, as the endpoint functions see it."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise bad_request(f"Could not parse the request body as JSON: {exc}", 10026) from exc

    def multipart(self) -> dict[str, bytes]:
        """Parts of a ``multipart/form-data`` body by field name."""
        content_type = self.headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            raise bad_request("Expected a multipart/form-data body.", 10026)
        raw = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode() + self.body
        message = BytesParser(policy=policy.HTTP).parsebytes(raw)
        parts: dict[str, bytes] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                parts[name] = payload
        return parts


@dataclass
class ApiReply:
    """Status, JSON body and extra headers of one response."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def envelope(result: Any, *, result_info: JSONDict | None = None) -> JSONDict:
    body: JSONDict = {"success": True, "errors": [], "messages": [], "result": result}
    if result_info is not None:
        body["result_info"] = result_info
    return body


def error_envelope(code: int, message: str) -> JSONDict:
    return {
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
        "result": None,
    }


def ok(result: Any, *, status: int = 200) -> ApiReply:
    return ApiReply(status, envelope(result))


def ok_list(items: list[Any]) -> ApiReply:
    info = {
        "page": 1,
        "per_page": max(len(items), 20),
        "count": len(items),
        "total_count": len(items),
        "total_pages": 1,
    }
    return ApiReply(200, envelope(items, result_info=info))


Endpoint = Callable[[FakeState, ApiRequest], ApiReply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    regex: re.Pattern[str]
    endpoint: Endpoint


ROUTES: list[Route] = []


def route(method: str, template: str) -> Callable[[Endpoint], Endpoint]:
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$")

    def register(fn: Endpoint) -> Endpoint:
        ROUTES.append(Route(method, template, regex, fn))
        return fn

    return register


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """(route, path params, path known under another method)."""
    path_known = False
    for r in ROUTES:
        m = r.regex.match(path)
        if m is None:
            continue
        if r.method == method:
            return r, {k: unquote(v) for k, v in m.groupdict().items()}, True
        path_known = True
    return None, {}, path_known


def template_for(method: str, path: str) -> str | None:
    r, _, _ = match(method, path)
    return r.template if r else None


def handle(
    state: FakeState,
    method: str,
    path: str,
    query: dict[str, list[str]],
    headers: Mapping[str, str],
    body: bytes,
) -> ApiReply:
    """Dispatch one authenticated request; errors become Cloudflare's error envelope."""
    r, params, path_known = match(method, path)
    try:
        if r is None:
            if path_known:
                raise ApiError(405, 7001, "Method not allowed")
            raise ApiError(400, 7000, "No route for that URI")
        with state.lock:
            return r.endpoint(state, ApiRequest(method, path, params, query, headers, body))
    except ApiError as err:
        return ApiReply(err.status, error_envelope(err.code, err.message))


# --------------------------------------------------------------------------- views
def settings_view(script: Script) -> JSONDict:
    """GET ``…/settings``: the latest version's settings plus script-level settings."""
    v = script.latest
    out: JSONDict = {
        "bindings": [public_binding(b) for b in v.bindings],
        "compatibility_date": v.compatibility_date,
        "compatibility_flags": list(v.compatibility_flags),
        "usage_model": v.usage_model,
    }
    if v.limits:
        out["limits"] = copy.deepcopy(v.limits)
    if v.placement:
        out["placement"] = copy.deepcopy(v.placement)
    out.update(script_settings_view(script))
    return out


def script_settings_view(script: Script) -> JSONDict:
    return {
        "logpush": script.logpush,
        "observability": copy.deepcopy(script.observability)
        if script.observability is not None
        else {"enabled": False, "head_sampling_rate": 1},
        "tags": list(script.tags) if script.tags is not None else [],
        "tail_consumers": copy.deepcopy(script.tail_consumers)
        if script.tail_consumers is not None
        else [],
    }


def script_summary(script: Script) -> JSONDict:
    v = script.latest
    last_source = v.source
    out: JSONDict = {
        "id": script.name,
        "tag": script.tag,
        "etag": _etag(v),
        "handlers": list(script.handlers),
        "created_on": script.created_on,
        "modified_on": script.modified_on,
        "usage_model": v.usage_model,
        "compatibility_date": v.compatibility_date,
        "compatibility_flags": list(v.compatibility_flags),
        "has_assets": any(b["type"] == "assets" for b in v.bindings),
        "has_modules": True,
        "last_deployed_from": last_source,
    }
    if v.placement:
        out["placement"] = copy.deepcopy(v.placement)
    out.update(script_settings_view(script))
    return out


def _etag(v: Version) -> str:
    return v.id.replace("-", "") * 2


def version_metadata(v: Version) -> JSONDict:
    return {
        "author_email": "dev@example.com",
        "author_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "created_on": v.created_on,
        "modified_on": v.created_on,
        "source": v.source if v.source in _VERSION_SOURCES else "unknown",
        "hasPreview": False,
    }


_VERSION_SOURCES = {
    "unknown",
    "api",
    "wrangler",
    "terraform",
    "dash",
    "cf_cli",
    "dash_template",
    "integration",
    "quick_editor",
    "playground",
    "workersci",
}


def version_short(v: Version) -> JSONDict:
    out: JSONDict = {"id": v.id, "number": v.number, "metadata": version_metadata(v)}
    if v.message:
        out["annotations"] = {"workers/message": v.message}
    return out


def version_full(script: Script, v: Version) -> JSONDict:
    runtime: JSONDict = {
        "compatibility_date": v.compatibility_date,
        "compatibility_flags": list(v.compatibility_flags),
        "usage_model": v.usage_model,
    }
    if v.limits and "cpu_ms" in v.limits:
        runtime["limits"] = {"cpu_ms": v.limits["cpu_ms"]}
    out = version_short(v)
    out["resources"] = {
        "bindings": [public_binding(b) for b in v.bindings],
        "script": {
            "etag": _etag(v),
            "handlers": list(script.handlers),
            "last_deployed_from": v.source,
        },
        "script_runtime": runtime,
    }
    return out


def deployment_view(d: Deployment) -> JSONDict:
    annotations: JSONDict = {"workers/triggered_by": d.triggered_by}
    if d.message:
        annotations["workers/message"] = d.message
    return {
        "id": d.id,
        "created_on": d.created_on,
        "source": d.source,
        "strategy": "percentage",
        "author_email": "dev@example.com",
        "versions": copy.deepcopy(d.versions),
        "annotations": annotations,
    }


def _secret_view(binding: JSONDict) -> JSONDict:
    return {"name": binding["name"], "type": binding["type"]}


# --------------------------------------------------------------------------- helpers
def _script(state: FakeState, req: ApiRequest) -> Script:
    return state.script(req.params["account_id"], req.params["script_name"])


def _require_latest_deployed(script: Script, code: int, what: str) -> None:
    if not script.latest_fully_deployed():
        raise bad_request(
            f"{what} failed. You attempted to update the latest version, but the latest version "
            "isn't currently deployed. Upload a new version or deploy the latest version first.",
            code,
        )


def _object_body(req: ApiRequest) -> JSONDict:
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request("Expected a JSON object body.", 10026)
    return body


def _deploy_new_version(
    state: FakeState, script: Script, *, triggered_by: str, **changes: Any
) -> None:
    version = state._new_version(script, source="api", **changes)
    state._deploy(script, {version.id: 100.0}, source="api", triggered_by=triggered_by)


# --------------------------------------------------------------------------- account level
@route("GET", "/accounts/{account_id}/workers/scripts")
def list_scripts(state: FakeState, req: ApiRequest) -> ApiReply:
    account = state.account(req.params["account_id"])
    scripts = [script_summary(s) for s in account.scripts.values()]
    tags = req.arg("tags")
    if tags:
        wanted = {t.split(":")[0] for t in tags.split(",") if not t.endswith(":no")}
        scripts = [s for s in scripts if wanted & set(s["tags"] or [])]
    return ok_list(scripts)


@route("GET", "/accounts/{account_id}/workers/subdomain")
def get_account_subdomain(state: FakeState, req: ApiRequest) -> ApiReply:
    account = state.account(req.params["account_id"])
    if account.subdomain is None:
        raise ApiError(404, 10007, "This account does not have a workers.dev subdomain.")
    return ok({"subdomain": account.subdomain})


@route("PUT", "/accounts/{account_id}/workers/subdomain")
def put_account_subdomain(state: FakeState, req: ApiRequest) -> ApiReply:
    account = state.account(req.params["account_id"])
    name = _object_body(req).get("subdomain")
    if not isinstance(name, str) or not name:
        raise bad_request("'subdomain' is required.")
    account.subdomain = name
    return ok({"subdomain": name})


@route("GET", "/accounts/{account_id}/workers/domains")
def list_domains(state: FakeState, req: ApiRequest) -> ApiReply:
    domains = state.account(req.params["account_id"]).domains
    for key in ("service", "hostname", "zone_id", "zone_name", "environment"):
        wanted = req.arg(key)
        if wanted is not None:
            domains = [d for d in domains if d.get(key) == wanted]
    return ok_list(copy.deepcopy(domains))


@route("PUT", "/accounts/{account_id}/workers/domains")
def put_domain(state: FakeState, req: ApiRequest) -> ApiReply:
    account_id = req.params["account_id"]
    body = _object_body(req)
    hostname, service = body.get("hostname"), body.get("service")
    if not isinstance(hostname, str) or not isinstance(service, str):
        raise bad_request("'hostname' and 'service' are required.", 100100)
    if service not in state.account(account_id).scripts:
        raise script_not_found()
    zone_id = body.get("zone_id")
    if zone_id is None:
        zone_id = state.zone_for_host(account_id, hostname, create=False).id
    domain_id = state.add_custom_domain(
        account_id,
        hostname,
        service,
        zone_id=zone_id,
        environment=body.get("environment") or "production",
    )
    return ok(next(d for d in state.account(account_id).domains if d["id"] == domain_id))


def _domain(state: FakeState, req: ApiRequest) -> JSONDict:
    for d in state.account(req.params["account_id"]).domains:
        if d["id"] == req.params["domain_id"]:
            return d
    raise ApiError(404, 100114, "Domain not found.")


@route("GET", "/accounts/{account_id}/workers/domains/{domain_id}")
def get_domain(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok(copy.deepcopy(_domain(state, req)))


@route("DELETE", "/accounts/{account_id}/workers/domains/{domain_id}")
def delete_domain(state: FakeState, req: ApiRequest) -> ApiReply:
    state.delete_custom_domain(req.params["account_id"], _domain(state, req)["id"])
    return ApiReply(200, {"success": True, "errors": [], "messages": []})


# --------------------------------------------------------------------------- script level
@route("DELETE", SCRIPT)
def delete_script(state: FakeState, req: ApiRequest) -> ApiReply:
    state.delete_script(req.params["account_id"], req.params["script_name"])
    return ok(None)


@route("GET", SCRIPT + "/settings")
def get_settings(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok(settings_view(_script(state, req)))


_VERSION_KEYS = (
    "bindings",
    "compatibility_date",
    "compatibility_flags",
    "usage_model",
    "limits",
    "placement",
)
_SCRIPT_KEYS = ("logpush", "observability", "tags", "tail_consumers")


@route("PATCH", SCRIPT + "/settings")
def patch_settings(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    raw = req.multipart().get("settings")
    if raw is None:
        raise bad_request("Missing the 'settings' part.", 10026)
    try:
        settings = json.loads(raw)
    except ValueError as exc:
        raise bad_request(f"Could not parse 'settings' as JSON: {exc}", 10026) from exc
    if not isinstance(settings, dict):
        raise bad_request("'settings' must be a JSON object.", 10026)
    changes = {k: settings[k] for k in _VERSION_KEYS if k in settings}
    if changes:
        _require_latest_deployed(script, 10214, "Script edit")
        if "bindings" in changes and not isinstance(changes["bindings"], list):
            raise bad_request("'bindings' must be a list.")
        message = (settings.get("annotations") or {}).get("workers/message")
        version = state._new_version(script, source="api", message=message, **changes)
        state._deploy(
            script,
            {version.id: 100.0},
            source="api",
            message=message,
            triggered_by="version_settings",
        )
    _apply_script_settings(state, script, settings)
    return ok(settings_view(script))


def _apply_script_settings(state: FakeState, script: Script, settings: JSONDict) -> None:
    for key in _SCRIPT_KEYS:
        if key in settings:
            setattr(script, key, copy.deepcopy(settings[key]))
    script.modified_on = state.now()


@route("GET", SCRIPT + "/script-settings")
def get_script_settings(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok(script_settings_view(_script(state, req)))


@route("PATCH", SCRIPT + "/script-settings")
def patch_script_settings(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    _apply_script_settings(state, script, _object_body(req))
    return ok(script_settings_view(script))


@route("GET", SCRIPT + "/secrets")
def list_secrets(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    return ok_list(
        [_secret_view(b) for b in script.latest.bindings if b["type"] in SECRET_BINDING_TYPES]
    )


def _find_secret(script: Script, name: str) -> JSONDict:
    for b in script.latest.bindings:
        if b["type"] in SECRET_BINDING_TYPES and b["name"] == name:
            return b
    raise ApiError(404, 10056, "workers.api.error.secret_not_found")


def _secret_name(req: ApiRequest) -> str:
    name = req.params["secret_name"]
    return unquote(name) if req.arg("url_encoded") == "true" else name


@route("GET", SCRIPT + "/secrets/{secret_name}")
def get_secret(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok(_secret_view(_find_secret(_script(state, req), _secret_name(req))))


@route("PUT", SCRIPT + "/secrets")
def put_secret(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    secret = normalise_binding(_object_body(req))
    if secret["type"] not in SECRET_BINDING_TYPES:
        raise bad_request("A secret must be of type secret_text or secret_key.")
    _require_latest_deployed(script, 10215, "Secret edit")
    bindings = [b for b in script.latest.bindings if b["name"] != secret["name"]] + [secret]
    _deploy_new_version(state, script, bindings=bindings, triggered_by="secret")
    return ok(_secret_view(secret))


@route("DELETE", SCRIPT + "/secrets/{secret_name}")
def delete_secret(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    name = _find_secret(script, _secret_name(req))["name"]
    _require_latest_deployed(script, 10215, "Secret edit")
    bindings = [b for b in script.latest.bindings if b["name"] != name]
    _deploy_new_version(state, script, bindings=bindings, triggered_by="secret")
    return ok(None)


@route("PATCH", SCRIPT + "/secrets-bulk")
def bulk_secrets(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    patch = _object_body(req).get("secrets") or {}
    if not isinstance(patch, dict):
        raise bad_request("'secrets' must be an object.")
    _require_latest_deployed(script, 10215, "Secret edit")
    bindings = {b["name"]: b for b in script.latest.bindings}
    for name, value in patch.items():
        if value is None:
            if name in bindings and bindings[name]["type"] in SECRET_BINDING_TYPES:
                del bindings[name]
            continue
        secret = normalise_binding({"name": name, **value})
        if secret["type"] not in SECRET_BINDING_TYPES:
            raise bad_request("A secret must be of type secret_text or secret_key.")
        bindings[name] = secret
    _deploy_new_version(state, script, bindings=list(bindings.values()), triggered_by="secret")
    result = {
        b["name"]: _secret_view(b)
        for b in script.latest.bindings
        if b["type"] in SECRET_BINDING_TYPES
    }
    return ok(result)


@route("GET", SCRIPT + "/schedules")
def get_schedules(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok({"schedules": copy.deepcopy(_script(state, req).schedules)})


@route("PUT", SCRIPT + "/schedules")
def put_schedules(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    body = req.json()
    if not isinstance(body, list) or not all(
        isinstance(x, dict) and isinstance(x.get("cron"), str) for x in body
    ):
        raise bad_request("Expected a list of {cron} objects.", 10026)
    state._set_crons(script, [x["cron"] for x in body])
    return ok({"schedules": copy.deepcopy(script.schedules)})


def _subdomain_view(script: Script) -> JSONDict:
    return {"enabled": script.subdomain_enabled, "previews_enabled": script.previews_enabled}


@route("GET", SCRIPT + "/subdomain")
def get_script_subdomain(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok(_subdomain_view(_script(state, req)))


@route("POST", SCRIPT + "/subdomain")
def post_script_subdomain(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    body = _object_body(req)
    if not isinstance(body.get("enabled"), bool):
        raise bad_request("'enabled' is required.")
    script.subdomain_enabled = body["enabled"]
    script.previews_enabled = bool(body.get("previews_enabled", body["enabled"]))
    return ok(_subdomain_view(script))


@route("DELETE", SCRIPT + "/subdomain")
def delete_script_subdomain(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    script.subdomain_enabled = script.previews_enabled = False
    return ok(_subdomain_view(script))


@route("GET", SCRIPT + "/deployments")
def list_deployments(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    return ok({"deployments": [deployment_view(d) for d in reversed(script.deployments)]})


@route("POST", SCRIPT + "/deployments")
def create_deployment(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    body = _object_body(req)
    versions = body.get("versions")
    if body.get("strategy") != "percentage" or not isinstance(versions, list):
        raise bad_request("Expected strategy 'percentage' and a list of versions.", 10026)
    split = {
        str(v.get("version_id")): float(v.get("percentage", 0))
        for v in versions
        if isinstance(v, dict)
    }
    message = (body.get("annotations") or {}).get("workers/message")
    return ok(deployment_view(state._deploy(script, split, source="api", message=message)))


@route("GET", SCRIPT + "/deployments/{deployment_id}")
def get_deployment(state: FakeState, req: ApiRequest) -> ApiReply:
    for d in _script(state, req).deployments:
        if d.id == req.params["deployment_id"]:
            return ok(deployment_view(d))
    raise ApiError(404, 10218, "Deployment not found.")


@route("GET", SCRIPT + "/versions")
def list_versions(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    items = [version_short(v) for v in reversed(script.versions)]
    info = {
        "page": 1,
        "per_page": max(len(items), 10),
        "count": len(items),
        "total_count": len(items),
        "total_pages": 1,
    }
    return ApiReply(200, envelope({"items": items}, result_info=info))


@route("GET", SCRIPT + "/versions/{version_id}")
def get_version(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    version = script.version(req.params["version_id"])
    if version is None:
        raise ApiError(404, 10217, "Version not found.")
    return ok(version_full(script, version))


# --------------------------------------------------------------------------- zone level
@route("GET", "/zones/{zone_id}/workers/routes")
def list_routes(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok_list(copy.deepcopy(state.zone(req.params["zone_id"]).routes))


def _route_body(req: ApiRequest) -> tuple[str, str | None]:
    body = _object_body(req)
    pattern, script = body.get("pattern"), body.get("script")
    if not isinstance(pattern, str) or not pattern:
        raise bad_request("'pattern' is required.", 10022)
    return pattern, script if isinstance(script, str) and script else None


@route("POST", "/zones/{zone_id}/workers/routes")
def create_route(state: FakeState, req: ApiRequest) -> ApiReply:
    zone = state.zone(req.params["zone_id"])
    pattern, script = _route_body(req)
    if any(r["pattern"] == pattern for r in zone.routes):
        raise ApiError(409, 10020, "A route with the same pattern already exists.")
    route_id = state.add_route(pattern, script, zone_id=zone.id)
    return ok(copy.deepcopy(next(r for r in zone.routes if r["id"] == route_id)))


def _route(state: FakeState, req: ApiRequest) -> JSONDict:
    for r in state.zone(req.params["zone_id"]).routes:
        if r["id"] == req.params["route_id"]:
            return r
    raise ApiError(404, 10019, "Route not found.")


@route("GET", "/zones/{zone_id}/workers/routes/{route_id}")
def get_route(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok(copy.deepcopy(_route(state, req)))


@route("PUT", "/zones/{zone_id}/workers/routes/{route_id}")
def update_route(state: FakeState, req: ApiRequest) -> ApiReply:
    r = _route(state, req)
    pattern, script = _route_body(req)
    r["pattern"] = pattern
    if script is None:
        r.pop("script", None)
    else:
        r["script"] = script
    return ok(copy.deepcopy(r))


@route("DELETE", "/zones/{zone_id}/workers/routes/{route_id}")
def delete_route(state: FakeState, req: ApiRequest) -> ApiReply:
    route_id = _route(state, req)["id"]
    state.delete_route(route_id)
    return ok({"id": route_id})
