"""The Cloudflare API v4 endpoints the fake serves, as plain functions over :class:`FakeState`.

Each endpoint takes an :class:`ApiRequest` and returns an :class:`ApiReply`; failures are
raised as :class:`~tests.fakecf.state.ApiError` and turned into Cloudflare's error envelope
by :func:`handle`. Paths are relative to ``/client/v4`` and written as in the OpenAPI
description, so the request log can count per endpoint template.

Pagination, per endpoint, as the real API does it (``FakeState.page_size`` caps
``per_page`` on the paginated ones so clients must follow pages):

==========================================  ===============================================
endpoint                                    pagination (source)
==========================================  ===============================================
``GET /zones``                              ``page``/``per_page`` (default 20, 5..50),
                                            ``result_info`` (Cloudflare docs, SDK
                                            ``SyncV4PagePaginationArray``)
``GET /accounts/{a}/audit_logs``            ``page``/``per_page`` (default 100, max 1000),
                                            ``result_info`` (OpenAPI parameters, SDK
                                            ``SyncV4PagePaginationArray``)
``GET …/scripts/{s}/versions``              ``page``/``per_page`` (default 10),
                                            ``result_info``; ``deployable`` (OpenAPI, SDK
                                            ``SyncV4PagePagination``)
``GET …/scripts/{s}/deployments``           ``page``/``per_page`` (default 10), ``since``,
                                            ``until`` (SDK 5.9 parameters); the first item
                                            is the active deployment
``GET /accounts/{a}/workers/domains``       one page with ``result_info`` (OpenAPI: no
                                            paging parameters, ``result_info`` in the
                                            response; SDK ``SyncSinglePage``)
``GET …/secrets``, ``GET …/workers/         one page, everything (OpenAPI: no paging
scripts``, ``GET /zones/{z}/workers/        parameters; SDK ``SyncSinglePage``)
routes``
==========================================  ===============================================
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import unquote

from tests.fakecf.defaults import applied, binding_view, observability_view
from tests.fakecf.state import (
    SECRET_BINDING_TYPES,
    VERSION_SOURCES,
    Actor,
    ApiError,
    Deployment,
    FakeState,
    JSONDict,
    Script,
    Version,
    Zone,
    auth_error,
    bad_request,
    host_of,
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

    def int_arg(self, name: str, default: int, *, low: int = 1, high: int | None = None) -> int:
        raw = self.arg(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(float(raw))
        except ValueError as exc:
            raise bad_request(f"'{name}' must be a number.", 10026) from exc
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise bad_request(f"'{name}' must be {bounds}.", 10026)
        return value

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

    @property
    def source(self) -> str:
        """``metadata.source`` of what this request creates, from its User-Agent."""
        agent = self.headers.get("user-agent", "").lower()
        if agent.startswith("wrangler"):
            return "wrangler"
        if "terraform" in agent:
            return "terraform"
        return "api"


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


def error_envelope(
    code: int, message: str, *, more: list[tuple[int, str]] | None = None
) -> JSONDict:
    return {
        "success": False,
        "errors": [{"code": c, "message": m} for c, m in [(code, message), *(more or [])]],
        "messages": [],
        "result": None,
    }


def ok(result: Any, *, status: int = 200) -> ApiReply:
    return ApiReply(status, envelope(result))


def ok_list(items: list[Any]) -> ApiReply:
    """All items on one page (endpoints that do not paginate)."""
    info = {
        "page": 1,
        "per_page": max(len(items), 20),
        "count": len(items),
        "total_count": len(items),
        "total_pages": 1,
    }
    return ApiReply(200, envelope(items, result_info=info))


def paginate(
    state: FakeState,
    req: ApiRequest,
    items: list[Any],
    *,
    default_per_page: int,
    max_per_page: int,
    min_per_page: int = 1,
) -> tuple[list[Any], JSONDict]:
    """One page of ``items`` and its ``result_info`` (``page``, ``per_page``, ``count``,
    ``total_count``, ``total_pages``); a page past the end is empty, as Cloudflare answers."""
    page = req.int_arg("page", 1)
    per_page = req.int_arg("per_page", default_per_page, low=min_per_page, high=max_per_page)
    if state.page_size is not None:
        per_page = max(1, min(per_page, state.page_size))
    start = (page - 1) * per_page
    chunk = items[start : start + per_page]
    info = {
        "page": page,
        "per_page": per_page,
        "count": len(chunk),
        "total_count": len(items),
        "total_pages": math.ceil(len(items) / per_page),
    }
    return chunk, info


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
        (code, message), *more = err.errors
        return ApiReply(err.status, error_envelope(code, message, more=more))


# --------------------------------------------------------------------------- views
def _bindings_view(state: FakeState, script: Script, version: Version) -> list[JSONDict]:
    return [
        public_binding(binding_view(b, script=script.name, enabled=state.server_defaults))
        for b in version.bindings
    ]


def _observability(state: FakeState, script: Script) -> JSONDict | None:
    if script.observability is None and not applied("observability.absent", state.server_defaults):
        return {"enabled": False, "head_sampling_rate": 1}
    return observability_view(script.observability, state.server_defaults)


def settings_view(state: FakeState, script: Script) -> JSONDict:
    """GET ``…/settings``: the latest version's settings plus script-level settings."""
    v = script.latest
    out: JSONDict = {
        "bindings": _bindings_view(state, script, v),
        "compatibility_date": v.compatibility_date,
        "compatibility_flags": list(v.compatibility_flags),
        "usage_model": v.usage_model,
    }
    if v.limits:
        out["limits"] = copy.deepcopy(v.limits)
    if v.placement:
        out["placement"] = copy.deepcopy(v.placement)
    elif applied("placement", state.server_defaults):
        out["placement"] = {}
    if applied("annotations", state.server_defaults):
        out["annotations"] = copy.deepcopy(v.annotations)
    out.update(script_settings_view(state, script))
    return out


def script_settings_view(state: FakeState, script: Script) -> JSONDict:
    out: JSONDict = {"logpush": script.logpush}
    observability = _observability(state, script)
    if observability is not None:
        out["observability"] = observability
    out["tags"] = list(script.tags) if script.tags is not None else []
    out["tail_consumers"] = (
        copy.deepcopy(script.tail_consumers) if script.tail_consumers is not None else []
    )
    return out


def script_summary(state: FakeState, script: Script) -> JSONDict:
    v = script.latest
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
        "last_deployed_from": v.source,
    }
    if script.migration_tag:
        out["migration_tag"] = script.migration_tag
    if v.placement:
        out["placement"] = copy.deepcopy(v.placement)
    out.update(script_settings_view(state, script))
    return out


def _etag(v: Version) -> str:
    return v.id.replace("-", "") * 2


def version_metadata(v: Version) -> JSONDict:
    return {
        "author_email": v.author.email,
        "author_id": v.author.id,
        "created_on": v.created_on,
        "modified_on": v.created_on,
        "source": v.source if v.source in VERSION_SOURCES else "unknown",
        "hasPreview": False,
    }


def version_short(v: Version) -> JSONDict:
    out: JSONDict = {"id": v.id, "number": v.number, "metadata": version_metadata(v)}
    if v.annotations:
        out["annotations"] = copy.deepcopy(v.annotations)
    return out


def version_full(state: FakeState, script: Script, v: Version) -> JSONDict:
    runtime: JSONDict = {
        "compatibility_date": v.compatibility_date,
        "compatibility_flags": list(v.compatibility_flags),
        "usage_model": v.usage_model,
    }
    if v.limits and "cpu_ms" in v.limits:
        runtime["limits"] = {"cpu_ms": v.limits["cpu_ms"]}
    out = version_short(v)
    out["resources"] = {
        "bindings": _bindings_view(state, script, v),
        "script": {
            "etag": _etag(v),
            "handlers": list(script.handlers),
            "last_deployed_from": v.source,
        },
        "script_runtime": runtime,
    }
    return out


def deployment_view(d: Deployment) -> JSONDict:
    return {
        "id": d.id,
        "created_on": d.created_on,
        "source": d.source,
        "strategy": "percentage",
        "author_email": d.author.email,
        "versions": copy.deepcopy(d.versions),
        "annotations": copy.deepcopy(d.annotations),
    }


def zone_view(state: FakeState, zone: Zone) -> JSONDict:
    """A zone as ``GET /zones`` lists it (the fields Cloudflare documents for a zone)."""
    account = state.accounts.get(zone.account_id)
    return {
        "id": zone.id,
        "name": zone.name,
        "status": zone.status,
        "paused": False,
        "type": "full",
        "development_mode": 0,
        "name_servers": ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"],
        "original_name_servers": None,
        "original_registrar": None,
        "original_dnshost": None,
        "created_on": zone.created_on,
        "modified_on": zone.created_on,
        "activated_on": zone.created_on,
        "meta": {"step": 2, "phishing_detected": False, "cdn_only": False, "dns_only": False},
        "owner": {"id": None, "type": "user", "email": None},
        "account": {"id": zone.account_id, "name": account.name if account else ""},
        "permissions": ["#worker:read", "#worker:edit", "#zone:read"],
        "plan": {"id": "0feeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "name": "Free Website", "price": 0},
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


def _author(state: FakeState) -> Actor:
    return state.api_author


def _deploy_new_version(
    state: FakeState, script: Script, req: ApiRequest, *, triggered_by: str, **changes: Any
) -> Version:
    version = state._new_version(
        script,
        source=req.source,
        triggered_by=triggered_by,
        author=_author(state),
        **changes,
    )
    state._audit_version(script, version, action="update")
    state._deploy(
        script,
        {version.id: 100.0},
        source=req.source,
        triggered_by=triggered_by,
        author=_author(state),
        message=version.message,
    )
    return version


# --------------------------------------------------------------------------- zones
_ZONE_NAME_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda name, value: value in name,
    "starts_with": lambda name, value: name.startswith(value),
    "ends_with": lambda name, value: name.endswith(value),
    "equal": lambda name, value: name == value,
    "not_equal": lambda name, value: name != value,
    "starts_with_case_sensitive": lambda name, value: name.startswith(value),
    "ends_with_case_sensitive": lambda name, value: name.endswith(value),
    "contains_case_sensitive": lambda name, value: value in name,
}


def _zone_name_matches(name: str, wanted: str) -> bool:
    op, _, value = wanted.partition(":")
    if value and op in _ZONE_NAME_OPERATORS:
        return bool(_ZONE_NAME_OPERATORS[op](name, value.lower()))
    return name == wanted.lower()


@route("GET", "/zones")
def list_zones(state: FakeState, req: ApiRequest) -> ApiReply:
    """Filters ``name`` (exact, or ``contains:``/``starts_with:``/``ends_with:``…),
    ``account.id``, ``account.name``, ``status``; ``match`` (all|any); ``order`` (name,
    status, account.id, account.name) and ``direction``; ``page``/``per_page``."""
    zones = sorted(state.zones.values(), key=lambda z: z.name)
    tests: list[Callable[[Zone], bool]] = []
    name = req.arg("name")
    if name:
        tests.append(lambda z: _zone_name_matches(z.name, name))
    account_id = req.arg("account.id")
    if account_id:
        tests.append(lambda z: z.account_id == account_id)
    account_name = req.arg("account.name")
    if account_name:
        tests.append(
            lambda z: (
                z.account_id in state.accounts
                and _zone_name_matches(state.accounts[z.account_id].name.lower(), account_name)
            )
        )
    status = req.arg("status")
    if status:
        tests.append(lambda z: z.status == status)
    match_any = req.arg("match") == "any"
    if tests:
        zones = [z for z in zones if (any if match_any else all)(test(z) for test in tests)]
    order = req.arg("order") or "name"
    keys: dict[str, Callable[[Zone], Any]] = {
        "name": lambda z: z.name,
        "status": lambda z: z.status,
        "account.id": lambda z: z.account_id,
        "account.name": lambda z: (
            state.accounts[z.account_id].name if z.account_id in state.accounts else ""
        ),
    }
    if order not in keys:
        raise bad_request(f"Invalid order '{order}'.", 1001)
    zones.sort(key=keys[order], reverse=req.arg("direction") == "desc")
    page, info = paginate(state, req, zones, default_per_page=20, max_per_page=50, min_per_page=5)
    return ApiReply(200, envelope([zone_view(state, z) for z in page], result_info=info))


@route("GET", "/zones/{zone_id}")
def get_zone(state: FakeState, req: ApiRequest) -> ApiReply:
    zone = state.zones.get(req.params["zone_id"])
    if zone is None:
        raise ApiError(404, 1001, "Invalid zone identifier")
    return ok(zone_view(state, zone))


# --------------------------------------------------------------------------- audit logs
def _parse_when(value: str, *, end_of_day: bool) -> datetime:
    try:
        if len(value) == 10:
            day = datetime.fromisoformat(value).replace(tzinfo=UTC)
            return day.replace(hour=23, minute=59, second=59) if end_of_day else day
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except ValueError as exc:
        raise bad_request(f"'{value}' is not an RFC 3339 date or date-time.", 10026) from exc


@route("GET", "/accounts/{account_id}/audit_logs")
def list_audit_logs(state: FakeState, req: ApiRequest) -> ApiReply:
    """Filters ``since``/``before`` (RFC 3339 date or date-time), ``id``, ``action.type``,
    ``actor.email``, ``actor.ip``, ``zone.name``; ``direction`` (desc, the default, or asc);
    ``page``/``per_page`` (default 100, max 1000). ``FakeState.audit_logs_forbidden`` makes
    it answer 403, as for a token without the audit-log permission."""
    account = state.account(req.params["account_id"])
    if state.audit_logs_forbidden:
        raise auth_error()
    entries = list(account.audit)
    since, before = req.arg("since"), req.arg("before")
    if since:
        low = _parse_when(since, end_of_day=False)
        entries = [e for e in entries if _parse_when(e["when"], end_of_day=False) >= low]
    if before:
        high = _parse_when(before, end_of_day=False)
        entries = [e for e in entries if _parse_when(e["when"], end_of_day=False) < high]
    picks: tuple[tuple[str, Callable[[JSONDict], Any]], ...] = (
        ("id", lambda e: e["id"]),
        ("action.type", lambda e: e["action"]["type"]),
        ("actor.email", lambda e: e["actor"]["email"]),
        ("actor.ip", lambda e: e["actor"]["ip"]),
        ("zone.name", lambda e: e["metadata"].get("zone_name")),
    )
    for key, pick in picks:
        wanted = req.arg(key)
        if wanted:
            entries = [e for e in entries if pick(e) == wanted]
    direction = req.arg("direction") or "desc"
    if direction not in ("asc", "desc"):
        raise bad_request("'direction' must be asc or desc.", 10026)
    if direction == "desc":
        entries.reverse()
    page, info = paginate(state, req, entries, default_per_page=100, max_per_page=1000)
    return ApiReply(200, envelope(copy.deepcopy(page), result_info=info))


# --------------------------------------------------------------------------- account level
@route("GET", "/accounts/{account_id}/workers/scripts")
def list_scripts(state: FakeState, req: ApiRequest) -> ApiReply:
    account = state.account(req.params["account_id"])
    scripts = [script_summary(state, s) for s in account.scripts.values()]
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
    if "*" in hostname or "/" in hostname:
        raise bad_request("A custom domain is a hostname: no wildcard, no path.", 100116)
    if service not in state.account(account_id).scripts:
        raise script_not_found()
    zone_id = body.get("zone_id")
    if zone_id is None and body.get("zone_name"):
        zone = state.zone_by_name(account_id, str(body["zone_name"]))
        if zone is None:
            raise bad_request(f"No zone named '{body['zone_name']}' on this account.", 100117)
        zone_id = zone.id
    if zone_id is None:
        zone_id = state.zone_for_host(account_id, hostname, create=False).id
    zone = state.zone(zone_id)
    if not (hostname == zone.name or hostname.endswith("." + zone.name)):
        raise bad_request(f"Hostname '{hostname}' is not in zone '{zone.name}'.", 100117)
    domain_id = state.add_custom_domain(
        account_id,
        hostname,
        service,
        zone_id=zone_id,
        environment=body.get("environment") or "production",
        author=_author(state),
        source=req.source,
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
    state.delete_custom_domain(
        req.params["account_id"],
        _domain(state, req)["id"],
        author=_author(state),
        source=req.source,
    )
    return ApiReply(200, {"success": True, "errors": [], "messages": []})


# --------------------------------------------------------------------------- script level
@route("DELETE", SCRIPT)
def delete_script(state: FakeState, req: ApiRequest) -> ApiReply:
    state.delete_script(
        req.params["account_id"],
        req.params["script_name"],
        author=_author(state),
        source=req.source,
    )
    return ok(None)


def _upload_metadata(req: ApiRequest) -> JSONDict:
    parts = req.multipart()
    raw = parts.get("metadata")
    if raw is None:
        raise bad_request("Missing the 'metadata' part.", 10026)
    try:
        metadata = json.loads(raw)
    except ValueError as exc:
        raise bad_request(f"Could not parse 'metadata' as JSON: {exc}", 10026) from exc
    if not isinstance(metadata, dict):
        raise bad_request("'metadata' must be a JSON object.", 10026)
    main = metadata.get("main_module") or metadata.get("body_part")
    if isinstance(main, str) and main not in parts:
        raise bad_request(f"No such module '{main}': the upload has no part of that name.", 10021)
    return metadata


@route("PUT", SCRIPT)
def upload_script(state: FakeState, req: ApiRequest) -> ApiReply:
    """``PUT …/scripts/{s}`` multipart (``metadata`` + modules): a new version, deployed."""
    metadata = _upload_metadata(req)
    name = req.params["script_name"]
    version = state.upload_script(
        req.params["account_id"], name, metadata, source=req.source, author=_author(state)
    )
    script = _script(state, req)
    result = script_summary(state, script)
    result["entry_point"] = version.main_module
    result["startup_time_ms"] = 1
    return ok(result)


@route("POST", SCRIPT + "/versions")
def upload_version(state: FakeState, req: ApiRequest) -> ApiReply:
    """``POST …/versions`` multipart: a new version, not deployed."""
    metadata = _upload_metadata(req)
    version = state.upload_script(
        req.params["account_id"],
        req.params["script_name"],
        metadata,
        source=req.source,
        author=_author(state),
        versions_api=True,
        deploy=False,
    )
    out = version_full(state, _script(state, req), version)
    out["startup_time_ms"] = 1
    return ok(out)


@route("GET", SCRIPT + "/settings")
def get_settings(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok(settings_view(state, _script(state, req)))


_VERSION_KEYS = (
    "bindings",
    "compatibility_date",
    "compatibility_flags",
    "usage_model",
    "limits",
    "placement",
)
_SCRIPT_KEYS = ("logpush", "observability", "tags", "tail_consumers")
# Keys of an upload that a settings edit cannot change: they need new code.
_CODE_KEYS = ("main_module", "body_part", "modules", "handlers", "exports")


@route("PATCH", SCRIPT + "/settings")
def patch_settings(state: FakeState, req: ApiRequest) -> ApiReply:
    """Multipart, part ``settings``. Version keys (bindings, compatibility date/flags, usage
    model, limits, placement, migrations) make a new version deployed at 100 %; ``bindings``
    replaces the whole list (``inherit`` keeps a binding, secrets included); script keys
    (logpush, observability, tags, tail_consumers) change in place. Refused: keys that need
    new code (``main_module``…), and Durable Object bindings to a class no migration
    created (10061)."""
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
    code_keys = [k for k in _CODE_KEYS if k in settings]
    if code_keys:
        raise bad_request(
            f"{', '.join(code_keys)} cannot be changed by a settings update: it needs new code. "
            "Upload a new version of the script (PUT …/workers/scripts/{script_name} or POST "
            "…/versions) instead.",
            10021,
        )
    changes = {k: settings[k] for k in _VERSION_KEYS if k in settings}
    migrations = settings.get("migrations")
    if changes or migrations:
        _require_latest_deployed(script, 10214, "Script edit")
        if "bindings" in changes and not isinstance(changes["bindings"], list):
            raise bad_request("'bindings' must be a list.")
        classes, migration_tag = state._apply_migrations(script, migrations)
        bindings = (
            state._resolve_bindings(script, changes["bindings"])
            if "bindings" in changes
            else script.latest.bindings
        )
        state._check_durable_objects(script, bindings, classes)
        if "bindings" in changes:
            changes["bindings"] = bindings
        annotations = settings.get("annotations") or {}
        _deploy_new_version(
            state,
            script,
            req,
            triggered_by="version_settings",
            message=annotations.get("workers/message"),
            tag=annotations.get("workers/tag"),
            **changes,
        )
        script.do_classes, script.migration_tag = classes, migration_tag
    script_changes = {k: settings[k] for k in _SCRIPT_KEYS if k in settings}
    state._patch_script_settings(script, script_changes, source=req.source, author=_author(state))
    return ok(settings_view(state, script))


@route("GET", SCRIPT + "/script-settings")
def get_script_settings(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok(script_settings_view(state, _script(state, req)))


@route("PATCH", SCRIPT + "/script-settings")
def patch_script_settings(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    body = _object_body(req)
    state._patch_script_settings(
        script,
        {k: body[k] for k in _SCRIPT_KEYS if k in body},
        source=req.source,
        author=_author(state),
    )
    return ok(script_settings_view(state, script))


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
    _deploy_new_version(state, script, req, bindings=bindings, triggered_by="secret")
    return ok(_secret_view(secret))


@route("DELETE", SCRIPT + "/secrets/{secret_name}")
def delete_secret(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    name = _find_secret(script, _secret_name(req))["name"]
    _require_latest_deployed(script, 10215, "Secret edit")
    bindings = [b for b in script.latest.bindings if b["name"] != name]
    _deploy_new_version(state, script, req, bindings=bindings, triggered_by="secret")
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
    _deploy_new_version(state, script, req, bindings=list(bindings.values()), triggered_by="secret")
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
    state._set_crons(script, [x["cron"] for x in body], source=req.source, author=_author(state))
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
    previews = body.get("previews_enabled")
    if previews is None:
        previews = body["enabled"]  # the API's default: previews follow workers.dev
    state._set_subdomain(
        script, body["enabled"], bool(previews), source=req.source, author=_author(state)
    )
    return ok(_subdomain_view(script))


@route("DELETE", SCRIPT + "/subdomain")
def delete_script_subdomain(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    state._set_subdomain(script, False, False, source=req.source, author=_author(state))
    return ok(_subdomain_view(script))


@route("GET", SCRIPT + "/deployments")
def list_deployments(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    deployments = list(reversed(script.deployments))
    since, until = req.arg("since"), req.arg("until")
    if since:
        low = _parse_when(since, end_of_day=False)
        deployments = [d for d in deployments if _parse_when(d.created_on, end_of_day=False) >= low]
    if until:
        high = _parse_when(until, end_of_day=True)
        deployments = [
            d for d in deployments if _parse_when(d.created_on, end_of_day=False) <= high
        ]
    page, info = paginate(state, req, deployments, default_per_page=10, max_per_page=100)
    return ApiReply(
        200, envelope({"deployments": [deployment_view(d) for d in page]}, result_info=info)
    )


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
    deployment = state._deploy(
        script, split, source=req.source, message=message, author=_author(state)
    )
    return ok(deployment_view(deployment))


@route("GET", SCRIPT + "/deployments/{deployment_id}")
def get_deployment(state: FakeState, req: ApiRequest) -> ApiReply:
    for d in _script(state, req).deployments:
        if d.id == req.params["deployment_id"]:
            return ok(deployment_view(d))
    raise ApiError(404, 10218, "Deployment not found.")


@route("GET", SCRIPT + "/versions")
def list_versions(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    versions = list(reversed(script.versions))
    page, info = paginate(state, req, versions, default_per_page=10, max_per_page=100)
    return ApiReply(200, envelope({"items": [version_short(v) for v in page]}, result_info=info))


@route("GET", SCRIPT + "/versions/{version_id}")
def get_version(state: FakeState, req: ApiRequest) -> ApiReply:
    script = _script(state, req)
    version = script.version(req.params["version_id"])
    if version is None:
        raise ApiError(404, 10217, "Version not found.")
    return ok(version_full(state, script, version))


# --------------------------------------------------------------------------- zone level
@route("GET", "/zones/{zone_id}/workers/routes")
def list_routes(state: FakeState, req: ApiRequest) -> ApiReply:
    return ok_list(copy.deepcopy(state.zone(req.params["zone_id"]).routes))


def _route_body(req: ApiRequest, zone: Zone) -> tuple[str, str | None]:
    body = _object_body(req)
    pattern, script = body.get("pattern"), body.get("script")
    if not isinstance(pattern, str) or not pattern:
        raise bad_request("'pattern' is required.", 10022)
    host = host_of(pattern)
    if not (host == zone.name or host.endswith("." + zone.name)):
        raise bad_request(f"Route pattern must include zone name: {zone.name}", 10022)
    return pattern, script if isinstance(script, str) and script else None


@route("POST", "/zones/{zone_id}/workers/routes")
def create_route(state: FakeState, req: ApiRequest) -> ApiReply:
    zone = state.zone(req.params["zone_id"])
    pattern, script = _route_body(req, zone)
    if any(r["pattern"] == pattern for r in zone.routes):
        raise ApiError(409, 10020, "A route with the same pattern already exists.")
    route_id = state.add_route(
        pattern, script, zone_id=zone.id, author=_author(state), source=req.source
    )
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
    zone = state.zone(req.params["zone_id"])
    r = _route(state, req)
    pattern, script = _route_body(req, zone)
    if any(o["pattern"] == pattern and o["id"] != r["id"] for o in zone.routes):
        raise ApiError(409, 10020, "A route with the same pattern already exists.")
    before = f"{r['pattern']} -> {r.get('script')}"
    r["pattern"] = pattern
    if script is None:
        r.pop("script", None)
    else:
        r["script"] = script
    state.record_audit(
        zone.account_id,
        action="update",
        resource_type="worker_route",
        resource_id=r["id"],
        author=_author(state),
        source=req.source,
        metadata={"zone_name": zone.name, "pattern": pattern, "script_name": script},
        old_value=before,
        new_value=f"{pattern} -> {script}",
    )
    return ok(copy.deepcopy(r))


@route("DELETE", "/zones/{zone_id}/workers/routes/{route_id}")
def delete_route(state: FakeState, req: ApiRequest) -> ApiReply:
    route_id = _route(state, req)["id"]
    state.delete_route(route_id, author=_author(state), source=req.source)
    return ok({"id": route_id})
