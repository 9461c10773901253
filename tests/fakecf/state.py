"""In-memory state of the fake Cloudflare API, and the Python API tests use to seed and mutate it.

Everything here is plain Python guarded by one re-entrant lock, so the HTTP handler threads
and the test thread can touch it at the same time. Identifiers and timestamps are
deterministic (a counter and a clock that ticks one second per change), so two runs of the
same test see the same ids.

Model, kept close to how Cloudflare stores a Worker:

* an account has a workers.dev subdomain, scripts and custom domains; a zone has routes;
* a script has script-level settings (logpush, observability, tags, tail consumers), cron
  schedules, its workers.dev switch, and a list of *versions*; a version holds the bindings
  (secrets included, with their values, which are never served), compatibility date/flags,
  usage model, limits and placement;
* a *deployment* sends percentages of traffic to versions; every change made "through the
  dashboard" (``set_var``, ``set_secret``, ...) uploads a new version and deploys it at 100 %,
  as Cloudflare does; ``split_deployment`` leaves two versions live.

GET ``…/settings`` and ``…/secrets`` describe the latest version, as Cloudflare does.
"""

from __future__ import annotations

import copy
import hashlib
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

JSONDict = dict[str, Any]

DEFAULT_COMPATIBILITY_DATE = "2024-09-23"
AUTHOR_EMAIL = "dev@example.com"
_ID_NAMESPACE = uuid.UUID("6f1b0c52-3a8e-4f7e-9d0a-6a1f5f0c0e11")

# Fields each binding type must carry besides ``name`` and ``type`` (from the OpenAPI
# subset, ``workers_binding_kind_*.required``). ``secret_text.text`` is write-only: needed
# on upload, never served.
BINDING_REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "ai": (),
    "ai_search": ("instance_name",),
    "ai_search_namespace": ("namespace",),
    "analytics_engine": ("dataset",),
    "assets": (),
    "browser": (),
    "d1": ("database_id",),
    "data_blob": ("part",),
    "dispatch_namespace": ("namespace",),
    "durable_object_namespace": (),
    "flagship": ("app_id",),
    "hyperdrive": ("id",),
    "images": (),
    "inherit": (),
    "json": ("json",),
    "kv_namespace": ("namespace_id",),
    "media": (),
    "messaging": ("namespace",),
    "mtls_certificate": ("certificate_id",),
    "pipelines": ("pipeline",),
    "plain_text": ("text",),
    "queue": ("queue_name",),
    "r2_bucket": ("bucket_name",),
    "ratelimit": ("namespace_id", "simple"),
    "secret_key": ("format", "algorithm", "usages"),
    "secret_text": ("text",),
    "secrets_store_secret": ("store_id", "secret_name"),
    "send_email": (),
    "service": ("service",),
    "text_blob": ("part",),
    "vectorize": ("index_name",),
    "version_metadata": (),
    "vpc_network": (),
    "vpc_service": ("service_id",),
    "wasm_module": ("part",),
    "workflow": ("workflow_name",),
}
SECRET_BINDING_TYPES = frozenset({"secret_text", "secret_key"})
_WRITE_ONLY_FIELDS = {"secret_text": ("text",), "secret_key": ("key_base64", "key_jwk")}


class _Keep:
    """Sentinel: "copy this field from the latest version"."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


class ApiError(Exception):
    """A Cloudflare API error: HTTP status plus one ``{code, message}`` entry."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(f"{status} [{code}] {message}")
        self.status = status
        self.code = code
        self.message = message


# Error codes. 10000 (authentication), 10007 (script not found), 7000 (no route), 971 (rate
# limited), 10013 (unknown error), 10214/10215 (latest version not deployed) are the codes
# the real API answers with; the other not-found/validation codes are plausible stand-ins.
def auth_error() -> ApiError:
    return ApiError(403, 10000, "Authentication error")


def script_not_found() -> ApiError:
    return ApiError(404, 10007, "workers.api.error.script_not_found")


def bad_request(message: str, code: int = 10021) -> ApiError:
    return ApiError(400, code, message)


@dataclass
class Version:
    """One immutable upload of a Worker: bindings and runtime settings."""

    id: str
    number: int
    created_on: str
    source: str
    bindings: list[JSONDict]
    compatibility_date: str
    compatibility_flags: list[str]
    usage_model: str
    limits: JSONDict | None
    placement: JSONDict | None
    message: str | None = None


@dataclass
class Deployment:
    """Traffic split over versions, ``[{version_id, percentage}]``."""

    id: str
    created_on: str
    source: str
    versions: list[JSONDict]
    message: str | None = None
    triggered_by: str = "deployment"


@dataclass
class Script:
    """A Worker script and everything Cloudflare keeps about it."""

    name: str
    account_id: str
    created_on: str
    modified_on: str
    tag: str
    versions: list[Version] = field(default_factory=list)
    deployments: list[Deployment] = field(default_factory=list)
    logpush: bool = False
    observability: JSONDict | None = None
    tags: list[str] | None = None
    tail_consumers: list[JSONDict] | None = None
    schedules: list[JSONDict] = field(default_factory=list)
    subdomain_enabled: bool = True
    previews_enabled: bool = True
    handlers: list[str] = field(default_factory=lambda: ["fetch"])

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    @property
    def active_deployment(self) -> Deployment | None:
        return self.deployments[-1] if self.deployments else None

    def version(self, version_id: str) -> Version | None:
        return next((v for v in self.versions if v.id == version_id), None)

    def latest_fully_deployed(self) -> bool:
        active = self.active_deployment
        return (
            active is not None
            and len(active.versions) == 1
            and active.versions[0]["version_id"] == self.latest.id
        )


@dataclass
class Zone:
    id: str
    name: str
    account_id: str
    routes: list[JSONDict] = field(default_factory=list)


@dataclass
class Account:
    id: str
    subdomain: str | None
    scripts: dict[str, Script] = field(default_factory=dict)
    domains: list[JSONDict] = field(default_factory=list)


def public_binding(binding: Mapping[str, Any]) -> JSONDict:
    """A binding as the API serves it: write-only fields (secret values) removed."""
    hidden = _WRITE_ONLY_FIELDS.get(str(binding.get("type")), ())
    return {k: copy.deepcopy(v) for k, v in binding.items() if k not in hidden}


def var_binding(name: str, value: Any) -> JSONDict:
    """What wrangler uploads for a ``vars`` entry: ``plain_text`` for strings, else ``json``."""
    if isinstance(value, str):
        return {"type": "plain_text", "name": name, "text": value}
    return {"type": "json", "name": name, "json": copy.deepcopy(value)}


def normalise_binding(binding: Mapping[str, Any]) -> JSONDict:
    """Check one uploaded binding and bring deprecated spellings to the served shape."""
    if not isinstance(binding, Mapping):
        raise bad_request("Each binding must be an object.")
    out = copy.deepcopy(dict(binding))
    kind, name = out.get("type"), out.get("name")
    if not isinstance(kind, str) or not isinstance(name, str) or not name:
        raise bad_request("Each binding needs a string 'name' and 'type'.")
    if kind == "d1" and "database_id" not in out and "id" in out:
        out["database_id"] = out.pop("id")  # `id` is the deprecated spelling
    if kind not in BINDING_REQUIRED_FIELDS:
        raise bad_request(f"Unknown binding type '{kind}' for binding '{name}'.")
    missing = [f for f in BINDING_REQUIRED_FIELDS[kind] if f not in out]
    if missing:
        raise bad_request(
            f"Binding '{name}' of type '{kind}' is missing required field(s): {', '.join(missing)}."
        )
    return out


def _stable_hex(*parts: str) -> str:
    return hashlib.md5("\x00".join(parts).encode(), usedforsecurity=False).hexdigest()


def _host_of(pattern: str) -> str:
    host = pattern.split("/", 1)[0].split(":", 1)[0]
    return host.lstrip("*").lstrip(".").lower()


class FakeState:
    """All accounts, zones and scripts, with the seeding/mutation API for tests."""

    def __init__(self, *, clock_start: datetime | None = None) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.zones: dict[str, Zone] = {}
        self._counter = 0
        self._clock = clock_start or datetime(2025, 1, 1, tzinfo=UTC)

    # ----------------------------------------------------------------- ids and clock
    def now(self) -> str:
        """The fake clock, advanced one second per call (RFC 3339, microseconds, ``Z``)."""
        with self.lock:
            self._clock += timedelta(seconds=1)
            return self._clock.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def new_uuid(self, kind: str) -> str:
        with self.lock:
            self._counter += 1
            return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}:{self._counter}"))

    def new_hex_id(self, kind: str) -> str:
        return self.new_uuid(kind).replace("-", "")

    # ----------------------------------------------------------------- lookups
    def account(self, account_id: str) -> Account:
        with self.lock:
            account = self.accounts.get(account_id)
            if account is None:
                raise auth_error()
            return account

    def zone(self, zone_id: str) -> Zone:
        with self.lock:
            zone = self.zones.get(zone_id)
            if zone is None:
                raise auth_error()
            return zone

    def script(self, account_id: str, name: str) -> Script:
        """The live :class:`Script` object (hold ``self.lock`` while reading it from tests)."""
        with self.lock:
            script = self.account(account_id).scripts.get(name)
            if script is None:
                raise script_not_found()
            return script

    def secret_value(self, account_id: str, script: str, name: str) -> str | None:
        """A secret's stored value (never served over HTTP), or None when absent."""
        with self.lock:
            for b in self.script(account_id, script).latest.bindings:
                if b["type"] in SECRET_BINDING_TYPES and b["name"] == name:
                    return b.get("text")
            return None

    # ----------------------------------------------------------------- accounts and zones
    def add_account(self, account_id: str, *, subdomain: str | None = None) -> str:
        """Create an account; its workers.dev subdomain defaults to the account id."""
        with self.lock:
            if account_id not in self.accounts:
                self.accounts[account_id] = Account(account_id, subdomain or account_id)
            elif subdomain is not None:
                self.accounts[account_id].subdomain = subdomain
            return account_id

    def set_account_subdomain(self, account_id: str, subdomain: str | None) -> None:
        """Change the workers.dev subdomain; None means the account has none (GET → 404)."""
        with self.lock:
            self.account(account_id).subdomain = subdomain

    def add_zone(
        self, name: str, *, account_id: str | None = None, zone_id: str | None = None
    ) -> str:
        """Create a zone (id defaults to a stable 32-hex hash of the name); returns its id."""
        with self.lock:
            account_id = account_id or self._only_account()
            self.account(account_id)
            zone_id = zone_id or _stable_hex("zone", name.lower())
            if zone_id not in self.zones:
                self.zones[zone_id] = Zone(zone_id, name.lower(), account_id)
            return zone_id

    def zone_for_host(self, account_id: str, host: str, *, create: bool = True) -> Zone:
        """The account's zone whose name is the longest suffix of ``host`` (created if none)."""
        with self.lock:
            host = host.lower()
            best: Zone | None = None
            for zone in self.zones.values():
                if zone.account_id != account_id:
                    continue
                if (host == zone.name or host.endswith("." + zone.name)) and (
                    best is None or len(zone.name) > len(best.name)
                ):
                    best = zone
            if best is None:
                if not create:
                    raise bad_request(f"No zone on this account matches '{host}'.", 100117)
                best = self.zones[
                    self.add_zone(".".join(host.split(".")[-2:]), account_id=account_id)
                ]
            return best

    def _only_account(self) -> str:
        if not self.accounts:
            raise ValueError("no account: call add_account() first")
        return next(iter(self.accounts))

    # ----------------------------------------------------------------- versions/deployments
    def _new_version(
        self,
        script: Script,
        *,
        source: str,
        bindings: Any = KEEP,
        compatibility_date: Any = KEEP,
        compatibility_flags: Any = KEEP,
        usage_model: Any = KEEP,
        limits: Any = KEEP,
        placement: Any = KEEP,
        message: str | None = None,
    ) -> Version:
        """Append a version; any field left at ``KEEP`` is copied from the latest version."""
        base = script.versions[-1] if script.versions else None

        def pick(value: Any, current: Any, default: Any) -> Any:
            if value is KEEP:
                return copy.deepcopy(current) if base is not None else default
            return copy.deepcopy(value)

        if bindings is KEEP:
            new_bindings = copy.deepcopy(base.bindings) if base else []
        else:
            new_bindings = self._resolve_bindings(script, bindings)
        version = Version(
            id=self.new_uuid("version"),
            number=len(script.versions) + 1,
            created_on=self.now(),
            source=source,
            bindings=new_bindings,
            compatibility_date=pick(
                compatibility_date,
                base and base.compatibility_date,
                DEFAULT_COMPATIBILITY_DATE,
            ),
            compatibility_flags=list(
                pick(compatibility_flags, base and base.compatibility_flags, [])
            ),
            usage_model=pick(usage_model, base and base.usage_model, "standard"),
            limits=pick(limits, base and base.limits, None) or None,
            placement=pick(placement, base and base.placement, None) or None,
            message=message,
        )
        script.versions.append(version)
        script.modified_on = version.created_on
        return version

    def _resolve_bindings(
        self, script: Script, bindings: Iterable[Mapping[str, Any]]
    ) -> list[JSONDict]:
        """Normalise uploaded bindings; ``inherit`` copies a binding from an earlier version."""
        out: list[JSONDict] = []
        seen: set[str] = set()
        for raw in bindings:
            b = normalise_binding(raw)
            if b["type"] == "inherit":
                source_name = b.get("old_name") or b["name"]
                wanted = b.get("version_id", "latest")
                src = (
                    script.latest
                    if wanted == "latest" and script.versions
                    else script.version(wanted)
                )
                found = (
                    next((x for x in src.bindings if x["name"] == source_name), None)
                    if src
                    else None
                )
                if found is None:
                    raise bad_request(f"Cannot inherit binding '{source_name}': not found.", 10021)
                b = copy.deepcopy(found)
                b["name"] = raw["name"]
            if b["name"] in seen:
                raise bad_request(f"Binding name '{b['name']}' is used more than once.", 10021)
            seen.add(b["name"])
            out.append(b)
        return out

    def _deploy(
        self,
        script: Script,
        versions: Mapping[str, float],
        *,
        source: str,
        message: str | None = None,
        triggered_by: str = "deployment",
    ) -> Deployment:
        if not versions or any(script.version(v) is None for v in versions):
            raise bad_request("Deployment refers to an unknown version.", 10220)
        if abs(sum(versions.values()) - 100.0) > 1e-6:
            raise bad_request("Deployment percentages must add up to 100.", 10221)
        deployment = Deployment(
            id=self.new_uuid("deployment"),
            created_on=self.now(),
            source=source,
            versions=[{"version_id": v, "percentage": float(p)} for v, p in versions.items()],
            message=message,
            triggered_by=triggered_by,
        )
        script.deployments.append(deployment)
        return deployment

    def _change(
        self, account_id: str, name: str, *, source: str = "dash", triggered_by: str, **changes: Any
    ) -> Version:
        """Upload a version derived from the latest and deploy it at 100 %."""
        script = self.script(account_id, name)
        version = self._new_version(script, source=source, **changes)
        self._deploy(script, {version.id: 100.0}, source=source, triggered_by=triggered_by)
        return version

    # ----------------------------------------------------------------- scripts
    def put_script(
        self,
        account_id: str,
        name: str,
        *,
        bindings: Iterable[Mapping[str, Any]] = (),
        vars: Mapping[str, Any] | None = None,
        secrets: Mapping[str, str] | Iterable[str] | None = None,
        compatibility_date: str = DEFAULT_COMPATIBILITY_DATE,
        compatibility_flags: Sequence[str] = (),
        usage_model: str = "standard",
        limits: Mapping[str, Any] | None = None,
        placement: Mapping[str, Any] | None = None,
        logpush: bool = False,
        observability: Mapping[str, Any] | None = None,
        tags: Sequence[str] | None = None,
        tail_consumers: Sequence[Mapping[str, Any]] | None = None,
        crons: Sequence[str] = (),
        workers_dev: bool = True,
        previews_enabled: bool | None = None,
        routes: Iterable[str | Mapping[str, Any]] = (),
        custom_domains: Iterable[str] = (),
        handlers: Sequence[str] = ("fetch",),
        source: str = "wrangler",
        message: str | None = None,
    ) -> str:
        """Deploy a script as ``wrangler deploy`` would; returns the new version id.

        Replaces everything about the script (a new version deployed at 100 %, script
        settings, crons, its routes and custom domains). ``vars`` become ``plain_text``/
        ``json`` bindings; ``secrets`` (name → value, or just names) become ``secret_text``.
        ``routes`` are patterns or wrangler route objects (``{pattern, zone_id|zone_name}``,
        ``{pattern, custom_domain: true}``); zones are found by hostname, created if missing.
        """
        all_bindings = [dict(b) for b in bindings]
        all_bindings += [var_binding(k, v) for k, v in (vars or {}).items()]
        if secrets is not None:
            items = (
                secrets.items()
                if isinstance(secrets, Mapping)
                else ((s, f"secret-{s}") for s in secrets)
            )
            all_bindings += [{"type": "secret_text", "name": k, "text": v} for k, v in items]
        with self.lock:
            account = self.account(account_id)
            script = account.scripts.get(name)
            if script is None:
                now = self.now()
                script = Script(name, account_id, now, now, _stable_hex("script", account_id, name))
            try:
                version = self._new_version(
                    script,
                    source=source,
                    bindings=all_bindings,
                    compatibility_date=compatibility_date,
                    compatibility_flags=compatibility_flags,
                    usage_model=usage_model,
                    limits=limits,
                    placement=placement,
                    message=message,
                )
            except ApiError as err:  # a bad binding: report it as a seeding mistake
                raise ValueError(f"put_script({name!r}): {err.message}") from err
            account.scripts[name] = script
            self._deploy(script, {version.id: 100.0}, source=source, message=message)
            script.logpush = logpush
            script.observability = copy.deepcopy(dict(observability)) if observability else None
            script.tags = list(tags) if tags is not None else None
            script.tail_consumers = (
                [dict(t) for t in tail_consumers] if tail_consumers is not None else None
            )
            script.handlers = list(handlers)
            self._set_crons(script, crons)
            script.subdomain_enabled = workers_dev
            script.previews_enabled = workers_dev if previews_enabled is None else previews_enabled
            self._replace_routes(account, name, routes, custom_domains)
            return version.id

    def _replace_routes(
        self,
        account: Account,
        script: str,
        routes: Iterable[str | Mapping[str, Any]],
        custom_domains: Iterable[str],
    ) -> None:
        for zone in self.zones.values():
            if zone.account_id == account.id:
                zone.routes = [r for r in zone.routes if r.get("script") != script]
        account.domains = [d for d in account.domains if d["service"] != script]
        hostnames = list(custom_domains)
        for route in routes:
            if isinstance(route, str):
                self.add_route(route, script, account_id=account.id)
            elif route.get("custom_domain"):
                hostnames.append(str(route["pattern"]))
            else:
                zone_id = route.get("zone_id")
                if zone_id is None and route.get("zone_name"):
                    zone_id = self.add_zone(str(route["zone_name"]), account_id=account.id)
                self.add_route(
                    str(route["pattern"]), script, zone_id=zone_id, account_id=account.id
                )
        for hostname in hostnames:
            self.add_custom_domain(account.id, hostname, script)

    def seed_from_wrangler(
        self,
        account_id: str,
        config: Mapping[str, Any],
        *,
        name: str | None = None,
        secrets: Mapping[str, str] | None = None,
        source: str = "wrangler",
    ) -> str:
        """Seed what ``wrangler deploy`` of a (resolved, one-environment) config would leave.

        ``config`` is wrangler.json-shaped: ``name``, ``vars``, ``kv_namespaces``,
        ``d1_databases``, ``r2_buckets``, ``durable_objects.bindings``, ``services``,
        ``queues.producers``, ``analytics_engine_datasets``, ``hyperdrive``, ``vectorize``,
        ``ai``, ``browser``, ``version_metadata``, ``workflows``, ``mtls_certificates``,
        ``dispatch_namespaces``, ``secrets_store_secrets``, ``pipelines``, ``images``,
        ``send_email``, ``secrets.required`` (→ ``secret_text``; values from ``secrets`` or
        generated), ``compatibility_date``/``_flags``, ``usage_model``, ``placement``,
        ``limits``, ``observability``, ``logpush``, ``tail_consumers``, ``triggers.crons``,
        ``workers_dev``, ``preview_urls``, ``route``/``routes``. Returns the version id.
        """
        script_name = name or config.get("name")
        if not script_name:
            raise ValueError("the wrangler config has no 'name' and none was given")
        bindings = wrangler_bindings(config, account_id=account_id, script=str(script_name))
        secret_values = dict(secrets or {})
        required = (config.get("secrets") or {}).get("required") or []
        for secret in [*required, *(k for k in secret_values if k not in required)]:
            value = secret_values.get(secret, f"secret-{secret}")
            bindings.append({"type": "secret_text", "name": secret, "text": value})
        routes: list[str | Mapping[str, Any]] = list(config.get("routes") or [])
        if config.get("route"):
            routes.append(config["route"])
        workers_dev = config.get("workers_dev")
        if workers_dev is None:
            workers_dev = not routes
        return self.put_script(
            account_id,
            str(script_name),
            bindings=bindings,
            compatibility_date=config.get("compatibility_date", DEFAULT_COMPATIBILITY_DATE),
            compatibility_flags=config.get("compatibility_flags", ()),
            usage_model=config.get("usage_model", "standard"),
            limits=config.get("limits"),
            placement=config.get("placement"),
            logpush=bool(config.get("logpush", False)),
            observability=config.get("observability"),
            tail_consumers=config.get("tail_consumers"),
            crons=(config.get("triggers") or {}).get("crons", ()),
            workers_dev=bool(workers_dev),
            previews_enabled=config.get("preview_urls"),
            routes=routes,
            source=source,
        )

    def delete_script(self, account_id: str, name: str) -> None:
        """Delete a script and its custom domains (routes stay, pointing at nothing)."""
        with self.lock:
            account = self.account(account_id)
            if account.scripts.pop(name, None) is None:
                raise script_not_found()
            account.domains = [d for d in account.domains if d["service"] != name]

    def upload_version(
        self,
        account_id: str,
        name: str,
        *,
        deploy: bool = False,
        source: str = "wrangler",
        message: str | None = None,
        **changes: Any,
    ) -> str:
        """Upload a new version derived from the latest (``bindings=``, ``compatibility_date=``,
        ``compatibility_flags=``, ``usage_model=``, ``limits=``, ``placement=``); deploy it at
        100 % when ``deploy``. Returns the version id."""
        with self.lock:
            script = self.script(account_id, name)
            version = self._new_version(script, source=source, message=message, **changes)
            if deploy:
                self._deploy(script, {version.id: 100.0}, source=source, message=message)
            return version.id

    def deploy(
        self,
        account_id: str,
        name: str,
        versions: Mapping[str, float],
        *,
        source: str = "wrangler",
        message: str | None = None,
    ) -> str:
        """Create a deployment ``{version_id: percentage}`` (must sum to 100); returns its id."""
        with self.lock:
            return self._deploy(
                self.script(account_id, name), versions, source=source, message=message
            ).id

    def split_deployment(
        self,
        account_id: str,
        name: str,
        percentage: float = 10.0,
        *,
        vars: Mapping[str, Any] | None = None,
        source: str = "wrangler",
        **changes: Any,
    ) -> str:
        """A gradual rollout: upload a version (latest + ``vars``/``changes``) and send it
        ``percentage`` % of traffic, the rest staying on the currently dominant version.
        Returns the new version id."""
        with self.lock:
            script = self.script(account_id, name)
            active = script.active_deployment
            if active is None:
                raise ValueError("script has no deployment to split")
            old = max(active.versions, key=lambda v: v["percentage"])["version_id"]
            if vars:
                merged = {b["name"]: b for b in script.latest.bindings}
                merged.update({k: var_binding(k, v) for k, v in vars.items()})
                changes["bindings"] = list(merged.values())
            version = self._new_version(script, source=source, **changes)
            self._deploy(script, {version.id: percentage, old: 100.0 - percentage}, source=source)
            return version.id

    # ----------------------------------------------------------------- "dashboard" edits
    def set_var(self, account_id: str, name: str, var: str, value: Any) -> str:
        """Someone edits a variable in the dashboard: new version, deployed. Returns its id."""
        return self.set_binding(account_id, name, var_binding(var, value))

    def set_binding(self, account_id: str, name: str, binding: Mapping[str, Any]) -> str:
        """Add or replace (by name) one binding; new version deployed. Returns its id."""
        with self.lock:
            script = self.script(account_id, name)
            new = normalise_binding(binding)
            bindings = [b for b in script.latest.bindings if b["name"] != new["name"]] + [new]
            return self._change(
                account_id, name, bindings=bindings, triggered_by="version_settings"
            ).id

    def remove_binding(self, account_id: str, name: str, binding_name: str) -> str:
        """Remove a binding (var, secret or resource) by name; new version deployed."""
        with self.lock:
            script = self.script(account_id, name)
            bindings = [b for b in script.latest.bindings if b["name"] != binding_name]
            if len(bindings) == len(script.latest.bindings):
                raise KeyError(binding_name)
            return self._change(
                account_id, name, bindings=bindings, triggered_by="version_settings"
            ).id

    def set_secret(
        self, account_id: str, name: str, secret: str, value: str = "", *, type: str = "secret_text"
    ) -> str:
        """``wrangler secret put``: add or replace a secret; new version deployed."""
        with self.lock:
            script = self.script(account_id, name)
            bindings = [b for b in script.latest.bindings if b["name"] != secret]
            bindings.append({"type": type, "name": secret, "text": value})
            return self._change(account_id, name, bindings=bindings, triggered_by="secret").id

    def delete_secret(self, account_id: str, name: str, secret: str) -> str:
        """``wrangler secret delete``; new version deployed. KeyError if there is no such secret."""
        with self.lock:
            script = self.script(account_id, name)
            bindings = [
                b
                for b in script.latest.bindings
                if not (b["type"] in SECRET_BINDING_TYPES and b["name"] == secret)
            ]
            if len(bindings) == len(script.latest.bindings):
                raise KeyError(secret)
            return self._change(account_id, name, bindings=bindings, triggered_by="secret").id

    def update_version_settings(self, account_id: str, name: str, **changes: Any) -> str:
        """Change version-level settings (``compatibility_date=``, ``compatibility_flags=``,
        ``usage_model=``, ``limits=``, ``placement=``, ``bindings=``); new version deployed."""
        with self.lock:
            return self._change(account_id, name, triggered_by="version_settings", **changes).id

    def set_script_settings(self, account_id: str, name: str, **changes: Any) -> None:
        """Change script-level settings (``logpush``, ``observability``, ``tags``,
        ``tail_consumers``)."""
        allowed = {"logpush", "observability", "tags", "tail_consumers"}
        unknown = set(changes) - allowed
        if unknown:
            raise TypeError(f"not script-level settings: {sorted(unknown)}")
        with self.lock:
            script = self.script(account_id, name)
            for key, value in changes.items():
                setattr(script, key, copy.deepcopy(value))
            script.modified_on = self.now()

    def set_crons(self, account_id: str, name: str, crons: Sequence[str]) -> None:
        """Replace the cron triggers."""
        with self.lock:
            self._set_crons(self.script(account_id, name), crons)

    def _set_crons(self, script: Script, crons: Iterable[str]) -> None:
        old = {s["cron"]: s for s in script.schedules}
        now = self.now()
        script.schedules = [
            old.get(c) or {"cron": c, "created_on": now, "modified_on": now} for c in crons
        ]

    def set_workers_dev(
        self, account_id: str, name: str, enabled: bool, *, previews_enabled: bool | None = None
    ) -> None:
        """Turn the script's workers.dev route (and preview URLs) on or off."""
        with self.lock:
            script = self.script(account_id, name)
            script.subdomain_enabled = enabled
            script.previews_enabled = enabled if previews_enabled is None else previews_enabled

    # ----------------------------------------------------------------- routes and domains
    def add_route(
        self,
        pattern: str,
        script: str | None,
        *,
        zone_id: str | None = None,
        account_id: str | None = None,
    ) -> str:
        """Add a zone route; the zone is found from the pattern's host unless given."""
        with self.lock:
            if zone_id is None:
                zone = self.zone_for_host(account_id or self._only_account(), _host_of(pattern))
            else:
                zone = self.zone(zone_id)
            route: JSONDict = {"id": self.new_hex_id("route"), "pattern": pattern}
            if script is not None:
                route["script"] = script
            zone.routes.append(route)
            return str(route["id"])

    def delete_route(self, route_id: str) -> None:
        with self.lock:
            for zone in self.zones.values():
                zone.routes = [r for r in zone.routes if r["id"] != route_id]

    def add_custom_domain(
        self,
        account_id: str,
        hostname: str,
        service: str,
        *,
        zone_id: str | None = None,
        environment: str = "production",
    ) -> str:
        """Attach a custom domain to a Worker (replacing any for the hostname); returns its id."""
        with self.lock:
            account = self.account(account_id)
            zone = self.zone(zone_id) if zone_id else self.zone_for_host(account_id, hostname)
            account.domains = [d for d in account.domains if d["hostname"] != hostname]
            domain = {
                "id": self.new_hex_id("domain"),
                "zone_id": zone.id,
                "zone_name": zone.name,
                "hostname": hostname,
                "service": service,
                "environment": environment,
                "cert_id": self.new_uuid("cert"),
            }
            account.domains.append(domain)
            return domain["id"]

    def delete_custom_domain(self, account_id: str, domain_id: str) -> None:
        with self.lock:
            account = self.account(account_id)
            account.domains = [d for d in account.domains if d["id"] != domain_id]

    # ----------------------------------------------------------------- seed files
    def load_seed(self, data: Mapping[str, Any]) -> None:
        """Load a seed document (format in the package docstring of ``tests.fakecf``)."""
        for acc in data.get("accounts", []):
            account_id = self.add_account(acc["id"], subdomain=acc.get("subdomain"))
            for zone in acc.get("zones", []):
                self.add_zone(zone["name"], account_id=account_id, zone_id=zone.get("id"))
            for entry in acc.get("scripts", []):
                entry = dict(entry)
                if "wrangler" in entry:
                    self.seed_from_wrangler(
                        account_id,
                        entry["wrangler"],
                        name=entry.get("name"),
                        secrets=entry.get("secrets"),
                    )
                else:
                    self.put_script(account_id, entry.pop("name"), **entry)


def wrangler_bindings(config: Mapping[str, Any], *, account_id: str, script: str) -> list[JSONDict]:
    """The binding list Cloudflare reports after wrangler uploads ``config`` (no secrets)."""
    out: list[JSONDict] = [var_binding(k, v) for k, v in (config.get("vars") or {}).items()]

    def each(key: str) -> list[Mapping[str, Any]]:
        value = config.get(key) or []
        return list(value) if isinstance(value, list) else [value]

    def opt(src: Mapping[str, Any], *keys: str) -> JSONDict:
        return {k: src[k] for k in keys if src.get(k) is not None}

    for kv in each("kv_namespaces"):
        out.append({"type": "kv_namespace", "name": kv["binding"], "namespace_id": kv["id"]})
    for d1 in each("d1_databases"):
        out.append({"type": "d1", "name": d1["binding"], "database_id": d1["database_id"]})
    for r2 in each("r2_buckets"):
        out.append(
            {
                "type": "r2_bucket",
                "name": r2["binding"],
                "bucket_name": r2["bucket_name"],
                **opt(r2, "jurisdiction"),
            }
        )
    for do in (config.get("durable_objects") or {}).get("bindings", []):
        owner = do.get("script_name") or script
        out.append(
            {
                "type": "durable_object_namespace",
                "name": do["name"],
                "class_name": do["class_name"],
                **opt(do, "script_name", "environment"),
                "namespace_id": _stable_hex("do", account_id, owner, do["class_name"]),
            }
        )
    for svc in each("services"):
        out.append(
            {
                "type": "service",
                "name": svc["binding"],
                "service": svc["service"],
                **opt(svc, "environment", "entrypoint"),
            }
        )
    for q in (config.get("queues") or {}).get("producers", []):
        out.append({"type": "queue", "name": q["binding"], "queue_name": q["queue"]})
    for ae in each("analytics_engine_datasets"):
        out.append(
            {
                "type": "analytics_engine",
                "name": ae["binding"],
                "dataset": ae.get("dataset") or ae["binding"],
            }
        )
    for hd in each("hyperdrive"):
        out.append({"type": "hyperdrive", "name": hd["binding"], "id": hd["id"]})
    for vz in each("vectorize"):
        out.append({"type": "vectorize", "name": vz["binding"], "index_name": vz["index_name"]})
    for kind in ("ai", "browser", "version_metadata", "images", "media"):
        if config.get(kind):
            out.append({"type": kind, "name": config[kind]["binding"]})
    for wf in each("workflows"):
        out.append(
            {
                "type": "workflow",
                "name": wf["binding"],
                "workflow_name": wf["name"],
                **opt(wf, "class_name", "script_name"),
            }
        )
    for cert in each("mtls_certificates"):
        out.append(
            {
                "type": "mtls_certificate",
                "name": cert["binding"],
                "certificate_id": cert["certificate_id"],
            }
        )
    for dn in each("dispatch_namespaces"):
        out.append(
            {
                "type": "dispatch_namespace",
                "name": dn["binding"],
                "namespace": dn["namespace"],
                **opt(dn, "outbound"),
            }
        )
    for ss in each("secrets_store_secrets"):
        out.append(
            {
                "type": "secrets_store_secret",
                "name": ss["binding"],
                "store_id": ss["store_id"],
                "secret_name": ss["secret_name"],
            }
        )
    for pl in each("pipelines"):
        out.append({"type": "pipelines", "name": pl["binding"], "pipeline": pl["pipeline"]})
    for em in each("send_email"):
        out.append(
            {
                "type": "send_email",
                "name": em["name"],
                **opt(
                    em,
                    "destination_address",
                    "allowed_destination_addresses",
                    "allowed_sender_addresses",
                ),
            }
        )
    for vpc in each("vpc_services"):
        out.append({"type": "vpc_service", "name": vpc["binding"], "service_id": vpc["service_id"]})
    return out
