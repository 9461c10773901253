"""In-memory state of the fake Cloudflare API, and the Python API tests use to seed and mutate it.

Everything here is plain Python guarded by one re-entrant lock, so the HTTP handler threads
and the test thread can touch it at the same time. Identifiers and timestamps are
deterministic (a counter and a clock that ticks one second per change), so two runs of the
same test see the same ids.

Model, kept close to how Cloudflare stores a Worker:

* an account has a workers.dev subdomain, scripts, custom domains and an audit log; a zone
  has routes;
* a script has script-level settings (logpush, observability, tags, tail consumers), cron
  schedules, its workers.dev switch, its Durable Object classes and migration tag, and a
  list of *versions*; a version holds the bindings (secrets included, with their values,
  which are never served), compatibility date/flags, usage model, limits, placement, main
  module, who made it (``author``, ``source``) and its annotations;
* a *deployment* sends percentages of traffic to versions; every change made "through the
  dashboard" (``set_var``, ``set_secret``, ...) uploads a new version and deploys it at
  100 %, as Cloudflare does; ``split_deployment`` leaves two versions live.

Change paths and what they record (``source``, ``workers/triggered_by``):

=================================  ==========  =================  =========================
change                             source      version trigger    deployment trigger
=================================  ==========  =================  =========================
``deploy_wrangler`` first deploy   wrangler    upload             upload ("Automatic
(PUT script upload)                                               deployment on upload.")
``deploy_wrangler`` existing       wrangler    version_upload     deployment
(versions API)
``upload_script`` (Terraform, API)  terraform   upload             upload
HTTP PUT …/scripts/{s}             api [1]     upload             upload
HTTP POST …/versions               api [1]     version_upload     (none)
HTTP POST …/deployments            api [1]     -                  deployment
``set_var``/``set_binding``/…      dash        version_settings   version_settings
HTTP PATCH …/settings              api [1]     version_settings   version_settings
``set_secret``/HTTP secrets        dash/api    secret             secret
``rollback``                       wrangler    -                  rollback (+rollback_from)
``set_crons``/``set_workers_dev``  dash/api    (no version: audit log only)
=================================  ==========  =================  =========================

[1] over HTTP the source comes from the User-Agent: ``wrangler/…`` → wrangler,
``terraform…``/``Terraform/…`` → terraform, anything else → api. ``version_settings`` is the
fake's name for a settings edit: no public source shows the real value.

Every change also appends an entry to the account's audit log
(``GET /accounts/{a}/audit_logs``).

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

from tests.fakecf.wrangler import DeployPlan, WranglerError, metadata_bindings, plan_deploy

JSONDict = dict[str, Any]

DEFAULT_COMPATIBILITY_DATE = "2024-09-23"
AUTHOR_EMAIL = "dev@example.com"
_ID_NAMESPACE = uuid.UUID("6f1b0c52-3a8e-4f7e-9d0a-6a1f5f0c0e11")
AUTOMATIC_DEPLOYMENT_MESSAGE = "Automatic deployment on upload."

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
    # Kinds wrangler uploads that the OpenAPI subset does not list (accepted as sent).
    "stream": (),
    "worker_loader": (),
}
SECRET_BINDING_TYPES = frozenset({"secret_text", "secret_key"})
VAR_BINDING_TYPES = frozenset({"plain_text", "json"})
_WRITE_ONLY_FIELDS = {"secret_text": ("text",), "secret_key": ("key_base64", "key_jwk")}
# Fields the API accepts on upload but does not serve back.
_UPLOAD_ONLY_FIELDS = {"d1": ("internalEnv",), "inherit": ("version_id", "old_name")}
# metadata.source values the API reports (the OpenAPI enum of version metadata.source).
VERSION_SOURCES = frozenset(
    {
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
)
_UI_SOURCES = frozenset({"dash", "dash_template", "quick_editor", "playground"})


class _Keep:
    """Sentinel: "copy this field from the latest version"."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


class ApiError(Exception):
    """A Cloudflare API error: HTTP status plus ``{code, message}`` entries (first one first)."""

    def __init__(
        self, status: int, code: int, message: str, *, more: Sequence[tuple[int, str]] = ()
    ) -> None:
        super().__init__(f"{status} [{code}] {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = [(code, message), *more]


# Error codes. 10000 (authentication), 10007 (script not found), 7000 (no route), 971 (rate
# limited), 10013 (unknown error), 10214/10215 (latest version not deployed), 10057
# (invalid inherit binding), 10061 (Durable Object class without migration) are codes the
# real API answers with; the other not-found/validation codes are plausible stand-ins.
def auth_error() -> ApiError:
    return ApiError(403, 10000, "Authentication error")


def script_not_found() -> ApiError:
    return ApiError(404, 10007, "workers.api.error.script_not_found")


def bad_request(message: str, code: int = 10021) -> ApiError:
    return ApiError(400, code, message)


@dataclass(frozen=True)
class Actor:
    """Who made a change: what versions, deployments and the audit log report."""

    email: str
    id: str
    type: str = "user"
    ip: str = "198.51.100.7"


def actor(author: str | Actor | None) -> Actor:
    """An :class:`Actor` from an e-mail address (id derived from it), or the default author."""
    if isinstance(author, Actor):
        return author
    email = author or AUTHOR_EMAIL
    return Actor(email=email, id=_stable_hex("user", email.lower()))


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
    author: Actor = field(default_factory=lambda: actor(None))
    annotations: JSONDict = field(default_factory=dict)
    main_module: str = "index.js"
    upload_metadata: JSONDict | None = None

    @property
    def message(self) -> str | None:
        return self.annotations.get("workers/message")

    @property
    def triggered_by(self) -> str | None:
        return self.annotations.get("workers/triggered_by")


@dataclass
class Deployment:
    """Traffic split over versions, ``[{version_id, percentage}]``."""

    id: str
    created_on: str
    source: str
    versions: list[JSONDict]
    author: Actor = field(default_factory=lambda: actor(None))
    annotations: JSONDict = field(default_factory=lambda: {"workers/triggered_by": "deployment"})

    @property
    def message(self) -> str | None:
        return self.annotations.get("workers/message")

    @property
    def triggered_by(self) -> str:
        return str(self.annotations.get("workers/triggered_by", "deployment"))


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
    migration_tag: str | None = None
    do_classes: set[str] = field(default_factory=set)

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
    created_on: str = "2024-01-01T00:00:00.000000Z"
    status: str = "active"


@dataclass
class Account:
    id: str
    subdomain: str | None
    scripts: dict[str, Script] = field(default_factory=dict)
    domains: list[JSONDict] = field(default_factory=list)
    audit: list[JSONDict] = field(default_factory=list)
    name: str = ""


def public_binding(binding: Mapping[str, Any]) -> JSONDict:
    """A binding as the API serves it: write-only and upload-only fields removed."""
    kind = str(binding.get("type"))
    hidden = _WRITE_ONLY_FIELDS.get(kind, ()) + _UPLOAD_ONLY_FIELDS.get(kind, ())
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
        out["database_id"] = out.pop("id")  # `id` is the deprecated spelling wrangler uploads
    if kind == "pipelines" and "pipeline" not in out and "stream" in out:
        out["pipeline"] = out["stream"]
    if kind == "analytics_engine" and "dataset" not in out:
        out["dataset"] = name  # the dataset defaults to the binding name
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


def host_of(pattern: str) -> str:
    """The host of a route pattern (``*.example.com/api/*`` → ``example.com``; a scheme, as
    in ``https://api.example.com/*``, is not part of it)."""
    host = pattern.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host.lstrip("*").lstrip(".").lower()


_host_of = host_of  # the old private name


def interface_of(source: str) -> str:
    """The audit log's ``interface`` for a change made through ``source``."""
    return "UI" if source in _UI_SOURCES else "API"


@dataclass
class WranglerDeploy:
    """What one :meth:`FakeState.deploy_wrangler` did."""

    script: str
    version_id: str
    deployment_id: str
    plan: DeployPlan

    @property
    def metadata(self) -> JSONDict:
        """The upload's ``metadata`` part, exactly as wrangler builds it."""
        return self.plan.metadata


class FakeState:
    """All accounts, zones and scripts, with the seeding/mutation API for tests.

    ``server_defaults``: the defaults catalogue (:mod:`tests.fakecf.defaults`) applied on
    read — True (all, as Cloudflare answers), False (none: the fake's historical answers,
    the default so that tests written before the catalogue keep passing) or a frozenset of
    catalogue keys. ``page_size``: when set, every paginated list answers at most this
    many items per page whatever ``per_page`` asks, so clients must follow pages.
    ``api_author``: who requests over HTTP act as (the token's owner).
    ``audit_logs_forbidden``: GET audit_logs answers 403 (token without the permission).
    """

    def __init__(
        self,
        *,
        clock_start: datetime | None = None,
        server_defaults: bool | frozenset[str] = False,
    ) -> None:
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.zones: dict[str, Zone] = {}
        self._counter = 0
        self._clock = clock_start or datetime(2025, 1, 1, tzinfo=UTC)
        self.server_defaults: bool | frozenset[str] = server_defaults
        self.page_size: int | None = None
        self.api_author: Actor = actor("api-token-owner@example.com")
        self.audit_logs_forbidden = False

    # ----------------------------------------------------------------- ids and clock
    def now(self) -> str:
        """The fake clock, advanced one second per call (RFC 3339, microseconds, ``Z``)."""
        with self.lock:
            self._clock += timedelta(seconds=1)
            return self._clock.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def advance_clock(self, **delta: float) -> None:
        """Move the fake clock forward (``advance_clock(days=2)``), e.g. between changes."""
        with self.lock:
            self._clock += timedelta(**delta)

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
    def add_account(
        self, account_id: str, *, subdomain: str | None = None, name: str | None = None
    ) -> str:
        """Create an account; its workers.dev subdomain defaults to the account id."""
        with self.lock:
            if account_id not in self.accounts:
                self.accounts[account_id] = Account(
                    account_id, subdomain or account_id, name=name or f"{account_id}'s Account"
                )
            elif subdomain is not None:
                self.accounts[account_id].subdomain = subdomain
            return account_id

    def set_account_subdomain(self, account_id: str, subdomain: str | None) -> None:
        """Change the workers.dev subdomain; None means the account has none (GET → 404)."""
        with self.lock:
            self.account(account_id).subdomain = subdomain

    def add_zone(
        self,
        name: str,
        *,
        account_id: str | None = None,
        zone_id: str | None = None,
        status: str = "active",
    ) -> str:
        """Create a zone (id defaults to a stable 32-hex hash of the name); returns its id."""
        with self.lock:
            account_id = account_id or self._only_account()
            self.account(account_id)
            zone_id = zone_id or _stable_hex("zone", name.lower())
            if zone_id not in self.zones:
                self.zones[zone_id] = Zone(
                    zone_id,
                    name.lower(),
                    account_id,
                    created_on=self._clock.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                    status=status,
                )
            return zone_id

    def zone_by_name(self, account_id: str, name: str) -> Zone | None:
        """The account's zone named exactly ``name`` (what ``GET /zones?name=`` answers)."""
        with self.lock:
            name = name.lower()
            return next(
                (z for z in self.zones.values() if z.account_id == account_id and z.name == name),
                None,
            )

    def resolve_zone(self, account_id: str, host: str) -> Zone | None:
        """The zone wrangler picks for ``host``: ask for the whole host, then drop the
        leftmost label until a zone of the account answers (so the longest zone name that
        is a suffix of the host wins); None when no zone matches."""
        pieces = host.lower().split(".")
        while len(pieces) > 1:
            zone = self.zone_by_name(account_id, ".".join(pieces))
            if zone is not None:
                return zone
            pieces.pop(0)
        return None

    def zone_for_host(self, account_id: str, host: str, *, create: bool = True) -> Zone:
        """The account's zone whose name is the longest suffix of ``host`` (created if none)."""
        with self.lock:
            best = self.resolve_zone(account_id, host)
            if best is None:
                if not create:
                    raise bad_request(f"No zone on this account matches '{host}'.", 100117)
                best = self.zones[
                    self.add_zone(".".join(host.lower().split(".")[-2:]), account_id=account_id)
                ]
            return best

    def _only_account(self) -> str:
        if not self.accounts:
            raise ValueError("no account: call add_account() first")
        return next(iter(self.accounts))

    # ----------------------------------------------------------------- audit log
    def record_audit(
        self,
        account_id: str,
        *,
        action: str,
        resource_type: str,
        resource_id: str,
        author: str | Actor | None,
        source: str,
        metadata: Mapping[str, Any] | None = None,
        old_value: str | None = None,
        new_value: str | None = None,
    ) -> JSONDict:
        """Append one audit log entry (shaped as ``aaa_audit-logs`` in the OpenAPI subset)."""
        with self.lock:
            who = actor(author)
            entry: JSONDict = {
                "id": self.new_uuid("audit"),
                "action": {"type": action, "result": True},
                "actor": {"email": who.email, "id": who.id, "ip": who.ip, "type": who.type},
                "interface": interface_of(source),
                "metadata": {"source": source, **copy.deepcopy(dict(metadata or {}))},
                "owner": {"id": _stable_hex("owner", account_id)},
                "resource": {"type": resource_type, "id": resource_id},
                "when": self._clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            if old_value is not None:
                entry["oldValue"] = old_value
            if new_value is not None:
                entry["newValue"] = new_value
            self.account(account_id).audit.append(entry)
            return entry

    def audit_log(self, account_id: str) -> list[JSONDict]:
        """The account's audit log, oldest first (a copy)."""
        with self.lock:
            return copy.deepcopy(self.account(account_id).audit)

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
        main_module: Any = KEEP,
        message: str | None = None,
        tag: str | None = None,
        triggered_by: str = "upload",
        author: str | Actor | None = None,
        upload_metadata: JSONDict | None = None,
        keep_bindings: Iterable[str] | None = None,
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
            if base is not None and keep_bindings is not None:
                kept = set(keep_bindings)
                names = {b["name"] for b in new_bindings}
                new_bindings += [
                    copy.deepcopy(b)
                    for b in base.bindings
                    if b["type"] in kept and b["name"] not in names
                ]
        annotations: JSONDict = {"workers/triggered_by": triggered_by}
        if message:
            annotations["workers/message"] = message[:1000]
        if tag:
            annotations["workers/tag"] = tag[:100]
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
                pick(compatibility_flags, base and base.compatibility_flags, []) or []
            ),
            usage_model=pick(usage_model, base and base.usage_model, "standard") or "standard",
            limits=pick(limits, base and base.limits, None) or None,
            placement=pick(placement, base and base.placement, None) or None,
            author=actor(author),
            annotations=annotations,
            main_module=pick(main_module, base and base.main_module, "index.js") or "index.js",
            upload_metadata=copy.deepcopy(upload_metadata),
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
        invalid: list[tuple[int, str]] = []
        for raw in bindings:
            b = normalise_binding(raw)
            if b["type"] == "inherit":
                source_name = b.get("old_name") or b["name"]
                wanted = b.get("version_id", "latest")
                if wanted == "latest":
                    src = script.latest if script.versions else None
                else:
                    src = script.version(wanted)
                found = (
                    next((x for x in src.bindings if x["name"] == source_name), None)
                    if src
                    else None
                )
                if found is None:
                    invalid.append(
                        (
                            10057,
                            f"inherit binding '{raw['name']}' is invalid: previous version does "
                            f"not have binding named '{source_name}'",
                        )
                    )
                    continue
                b = copy.deepcopy(found)
                b["name"] = raw["name"]
            if b["type"] == "durable_object_namespace" and "namespace_id" not in b:
                owner = b.get("script_name") or script.name
                b["namespace_id"] = _stable_hex(
                    "do", script.account_id, str(owner), str(b.get("class_name"))
                )
            if b["name"] in seen:
                raise bad_request(f"Binding name '{b['name']}' is used more than once.", 10021)
            seen.add(b["name"])
            out.append(b)
        if invalid:
            (code, message), *more = invalid
            raise ApiError(400, code, message, more=more)
        return out

    def _check_durable_objects(
        self, script: Script, bindings: Iterable[Mapping[str, Any]], classes: set[str]
    ) -> None:
        """Refuse a binding to a class of this Worker that no migration created (10061)."""
        for b in bindings:
            if b.get("type") != "durable_object_namespace":
                continue
            owner = b.get("script_name")
            if owner and owner != script.name:
                continue
            class_name = b.get("class_name")
            if class_name and class_name not in classes:
                raise bad_request(
                    f"Cannot create binding for class '{class_name}' because it is not "
                    "currently configured to implement Durable Objects. Configure a migration "
                    "in your configuration to add this class.",
                    10061,
                )

    @staticmethod
    def _apply_migrations(
        script: Script, migrations: Mapping[str, Any] | None
    ) -> tuple[set[str], str | None]:
        """The Durable Object classes and migration tag after ``migrations`` (not stored)."""
        classes = set(script.do_classes)
        tag = script.migration_tag
        if not migrations:
            return classes, tag
        if not isinstance(migrations, Mapping):
            raise bad_request("'migrations' must be an object.", 10021)
        old = migrations.get("old_tag")
        if old is not None and old != script.migration_tag:
            raise bad_request(
                f"Migration tag precondition failed: expected old_tag '{old}', the script is "
                f"at '{script.migration_tag}'.",
                10079,
            )
        steps = migrations.get("steps")
        if steps is None:
            steps = [migrations]
        for step in steps:
            classes |= set(step.get("new_classes") or []) | set(
                step.get("new_sqlite_classes") or []
            )
            for renamed in step.get("renamed_classes") or []:
                classes.discard(renamed.get("from"))
                classes.add(renamed.get("to"))
            for moved in step.get("transferred_classes") or []:
                classes.add(moved.get("to"))
            classes -= set(step.get("deleted_classes") or [])
        return classes, migrations.get("new_tag", tag)

    def _deploy(
        self,
        script: Script,
        versions: Mapping[str, float],
        *,
        source: str,
        message: str | None = None,
        triggered_by: str = "deployment",
        author: str | Actor | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> Deployment:
        if not versions or any(script.version(v) is None for v in versions):
            raise bad_request("Deployment refers to an unknown version.", 10220)
        if abs(sum(versions.values()) - 100.0) > 1e-6:
            raise bad_request("Deployment percentages must add up to 100.", 10221)
        notes: JSONDict = {"workers/triggered_by": triggered_by, **(annotations or {})}
        if message:
            notes["workers/message"] = message[:1000]
        deployment = Deployment(
            id=self.new_uuid("deployment"),
            created_on=self.now(),
            source=source,
            versions=[{"version_id": v, "percentage": float(p)} for v, p in versions.items()],
            author=actor(author),
            annotations=notes,
        )
        script.deployments.append(deployment)
        self.record_audit(
            script.account_id,
            action="deploy",
            resource_type="worker_deployment",
            resource_id=deployment.id,
            author=author,
            source=source,
            metadata={
                "script_name": script.name,
                "triggered_by": triggered_by,
                "versions": copy.deepcopy(deployment.versions),
            },
        )
        return deployment

    def _change(
        self,
        account_id: str,
        name: str,
        *,
        source: str = "dash",
        triggered_by: str,
        author: str | Actor | None = None,
        message: str | None = None,
        **changes: Any,
    ) -> Version:
        """Upload a version derived from the latest and deploy it at 100 %."""
        script = self.script(account_id, name)
        version = self._new_version(
            script,
            source=source,
            triggered_by=triggered_by,
            author=author,
            message=message,
            **changes,
        )
        self._audit_version(script, version, action="update")
        self._deploy(
            script,
            {version.id: 100.0},
            source=source,
            triggered_by=triggered_by,
            author=author,
            message=message,
        )
        return version

    def _audit_version(self, script: Script, version: Version, *, action: str) -> None:
        self.record_audit(
            script.account_id,
            action=action,
            resource_type="worker_script",
            resource_id=script.tag,
            author=version.author,
            source=version.source,
            metadata={
                "script_name": script.name,
                "version_id": version.id,
                "triggered_by": version.triggered_by,
            },
        )

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
        author: str | Actor | None = None,
        main_module: str = "index.js",
    ) -> str:
        """Seed a script directly (no wrangler rules); returns the new version id.

        Replaces everything about the script (a new version deployed at 100 %, script
        settings, crons, its routes and custom domains). ``vars`` become ``plain_text``/
        ``json`` bindings; ``secrets`` (name → value, or just names) become ``secret_text``.
        ``routes`` are patterns or wrangler route objects (``{pattern, zone_id|zone_name}``,
        ``{pattern, custom_domain: true}``); zones are found by hostname, created if missing.
        Durable Object classes bound without ``script_name`` count as migrated. For what a
        real ``wrangler deploy`` leaves, use :meth:`deploy_wrangler`.
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
            created = script is None
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
                    author=author,
                    main_module=main_module,
                )
            except ApiError as err:  # a bad binding: report it as a seeding mistake
                raise ValueError(f"put_script({name!r}): {err.message}") from err
            script.do_classes |= {
                str(b["class_name"])
                for b in version.bindings
                if b["type"] == "durable_object_namespace"
                and b.get("class_name")
                and b.get("script_name") in (None, name)
            }
            account.scripts[name] = script
            self._audit_version(script, version, action="create" if created else "update")
            self._deploy(
                script,
                {version.id: 100.0},
                source=source,
                message=message,
                author=author,
                triggered_by="upload",
            )
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

    # ----------------------------------------------------------------- uploads
    def upload_script(
        self,
        account_id: str,
        name: str,
        metadata: Mapping[str, Any],
        *,
        source: str = "terraform",
        author: str | Actor | None = None,
        versions_api: bool = False,
        deploy: bool = True,
    ) -> Version:
        """An upload through the API with a ``metadata`` part (Terraform, scripts, wrangler).

        ``versions_api=False`` is ``PUT …/scripts/{name}`` (creates the script if needed,
        applies migrations and the script-level keys in the metadata, deploys at 100 %);
        ``versions_api=True`` is ``POST …/versions`` (script must exist, no migrations, not
        deployed unless ``deploy``). Bindings of the types in ``keep_bindings`` that the
        upload does not name are kept from the latest version; secrets are kept as well
        when the metadata has no ``keep_bindings`` at all (so a plain wrangler deploy never
        deletes secrets, while Terraform, which always sends ``keep_bindings``, does).
        """
        if not isinstance(metadata, Mapping):
            raise bad_request("'metadata' must be a JSON object.", 10021)
        with self.lock:
            account = self.account(account_id)
            script = account.scripts.get(name)
            created = script is None
            if versions_api and script is None:
                raise script_not_found()
            if versions_api and metadata.get("migrations"):
                raise bad_request(
                    "Version upload failed. You attempted to upload a version with Durable Object "
                    "migrations, but migrations must be applied with a script upload "
                    "(wrangler deploy).",
                    10211,
                )
            main = metadata.get("main_module") or metadata.get("body_part")
            if not isinstance(main, str) or not main:
                raise bad_request("No main_module or body_part in the metadata.", 10021)
            if script is None:
                now = self.now()
                script = Script(
                    name,
                    account_id,
                    now,
                    now,
                    _stable_hex("script", account_id, name),
                    subdomain_enabled=False,
                    previews_enabled=False,
                )
            bindings = list(metadata.get("bindings") or [])
            if not isinstance(metadata.get("bindings", []), list):
                raise bad_request("'bindings' must be a list.", 10021)
            keep = metadata.get("keep_bindings")
            kept = set(keep or [])
            if keep is None:
                kept |= SECRET_BINDING_TYPES
            classes, migration_tag = self._apply_migrations(script, metadata.get("migrations"))
            resolved = self._resolve_bindings(script, bindings)
            self._check_durable_objects(script, resolved, classes)
            annotations = metadata.get("annotations") or {}
            message = annotations.get("workers/message")
            version = self._new_version(
                script,
                source=source,
                bindings=resolved,
                compatibility_date=metadata.get("compatibility_date") or "",
                compatibility_flags=list(metadata.get("compatibility_flags") or []),
                usage_model=metadata.get("usage_model") or "standard",
                limits=metadata.get("limits"),
                placement=metadata.get("placement"),
                main_module=main,
                message=message,
                tag=annotations.get("workers/tag"),
                triggered_by="version_upload" if versions_api else "upload",
                author=author,
                upload_metadata=dict(metadata),
                keep_bindings=kept,
            )
            script.do_classes, script.migration_tag = classes, migration_tag
            account.scripts[name] = script
            self._audit_version(script, version, action="create" if created else "update")
            if not versions_api:
                for key in ("logpush", "observability", "tags", "tail_consumers"):
                    if key in metadata:
                        setattr(script, key, copy.deepcopy(metadata[key]))
            if deploy:
                self._deploy(
                    script,
                    {version.id: 100.0},
                    source=source,
                    author=author,
                    triggered_by="deployment" if versions_api else "upload",
                    message=message if versions_api else (message or AUTOMATIC_DEPLOYMENT_MESSAGE),
                )
            return version

    def deploy_wrangler(
        self,
        account_id: str,
        resolved_config: Mapping[str, Any],
        *,
        script: str | None = None,
        secrets: Mapping[str, str] | None = None,
        message: str | None = None,
        tag: str | None = None,
        env: str | None = None,
        top_level_name: str | None = None,
        author: str | Actor | None = None,
        create_zones: bool = False,
    ) -> WranglerDeploy:
        """What ``wrangler deploy`` of ``resolved_config`` (one environment, wrangler's JSON
        shape) leaves, request by request (see :mod:`tests.fakecf.wrangler` for the mapping).

        ``script`` overrides ``resolved_config["name"]``; ``secrets`` plays
        ``--secrets-file``; ``message``/``tag`` are ``--message``/``--tag``; ``env`` and
        ``top_level_name`` give the ``cf:environment``/``cf:service`` tags wrangler adds
        when the config defines environments. Routes without a zone go to the longest
        matching zone of the account; with none, wrangler's "Could not find zone" error is
        raised unless ``create_zones``. Raises :class:`WranglerError` for what wrangler
        refuses itself and :class:`ApiError` for what the API refuses.
        """
        with self.lock:
            account = self.account(account_id)
            name = script or resolved_config.get("name")
            live = account.scripts.get(str(name)) if name else None
            plan = plan_deploy(
                resolved_config,
                script=script,
                exists=live is not None,
                live_migration_tag=live.migration_tag if live else None,
                live_tags=list(live.tags or []) if live else (),
                secrets=secrets,
                message=message,
                tag=tag,
                env=env,
                top_level_name=top_level_name,
            )
            zones = self._plan_zones(account_id, plan, create_zones=create_zones)
            version = self.upload_script(
                account_id,
                plan.script,
                plan.metadata,
                source="wrangler",
                author=author,
                versions_api=plan.use_versions_api,
                deploy=not plan.use_versions_api,
            )
            the_script = account.scripts[plan.script]
            if plan.use_versions_api:
                self._deploy(
                    the_script,
                    {version.id: 100.0},
                    source="wrangler",
                    author=author,
                    message=message,
                    triggered_by="deployment",
                )
                self._patch_script_settings(
                    the_script, plan.script_settings or {}, source="wrangler", author=author
                )
            self._set_subdomain(
                the_script,
                plan.workers_dev,
                plan.workers_dev if plan.preview_urls is None else plan.preview_urls,
                source="wrangler",
                author=author,
            )
            self._replace_script_routes(account, plan, zones, author=author)
            if plan.crons is not None:
                self._set_crons(the_script, plan.crons, source="wrangler", author=author)
            deployment = the_script.active_deployment
            assert deployment is not None
            return WranglerDeploy(plan.script, version.id, deployment.id, plan)

    def _plan_zones(
        self, account_id: str, plan: DeployPlan, *, create_zones: bool
    ) -> dict[str, Zone]:
        """Zone of every route and custom domain of ``plan``, keyed by pattern."""
        zones: dict[str, Zone] = {}
        for route in [*plan.routes, *plan.custom_domains]:
            pattern = route if isinstance(route, str) else str(route["pattern"])
            if isinstance(route, Mapping) and route.get("zone_id"):
                zone_id = str(route["zone_id"])
                if create_zones and zone_id not in self.zones:  # named by id, like any other
                    name = ".".join(host_of(pattern).split(".")[-2:])
                    self.add_zone(name, account_id=account_id, zone_id=zone_id)
                zones[pattern] = self.zone(zone_id)
                continue
            host = (
                str(route["zone_name"])
                if isinstance(route, Mapping) and route.get("zone_name")
                else host_of(pattern)
            )
            zone = self.resolve_zone(account_id, host)
            if zone is None and create_zones:
                zone = self.zones[
                    self.add_zone(
                        host
                        if isinstance(route, Mapping) and route.get("zone_name")
                        else ".".join(host.split(".")[-2:]),
                        account_id=account_id,
                    )
                ]
            if zone is None:
                raise WranglerError(
                    f"Could not find zone for `{host}`. Make sure the domain is set up to be "
                    "proxied by Cloudflare."
                )
            zones[pattern] = zone
        for route in plan.routes:
            pattern = route if isinstance(route, str) else str(route["pattern"])
            for other in zones[pattern].routes:
                if other["pattern"] == pattern and other.get("script") not in (None, plan.script):
                    raise WranglerError(
                        "Can't deploy routes that are assigned to another worker.\n"
                        f'"{other["script"]}" is already assigned to routes:\n  - {pattern}'
                    )
        return zones

    def _replace_script_routes(
        self,
        account: Account,
        plan: DeployPlan,
        zones: Mapping[str, Zone],
        *,
        author: str | Actor | None,
    ) -> None:
        if plan.routes:
            wanted = {
                (zones[p].id, p)
                for p in (r if isinstance(r, str) else str(r["pattern"]) for r in plan.routes)
            }
            kept: set[tuple[str, str]] = set()
            for zone in self.zones.values():
                if zone.account_id != account.id:
                    continue
                for old in [r for r in zone.routes if r.get("script") == plan.script]:
                    if (zone.id, old["pattern"]) in wanted:
                        kept.add((zone.id, old["pattern"]))  # unchanged: same id
                    else:
                        self.delete_route(old["id"], author=author, source="wrangler")
            for route in plan.routes:
                pattern = route if isinstance(route, str) else str(route["pattern"])
                if (zones[pattern].id, pattern) in kept:
                    continue
                self.add_route(
                    pattern,
                    plan.script,
                    zone_id=zones[pattern].id,
                    source="wrangler",
                    author=author,
                )
        if plan.custom_domains:
            hostnames = {str(d["pattern"]) for d in plan.custom_domains}
            current = {d["hostname"] for d in account.domains if d["service"] == plan.script}
            for old in [d for d in account.domains if d["service"] == plan.script]:
                if old["hostname"] not in hostnames:
                    self.delete_custom_domain(
                        account.id, old["id"], author=author, source="wrangler"
                    )
            for domain in plan.custom_domains:
                hostname = str(domain["pattern"])
                if hostname in current:
                    continue
                self.add_custom_domain(
                    account.id,
                    hostname,
                    plan.script,
                    zone_id=zones[hostname].id,
                    source="wrangler",
                    author=author,
                )

    def seed_from_wrangler(
        self,
        account_id: str,
        config: Mapping[str, Any],
        *,
        name: str | None = None,
        secrets: Mapping[str, str] | None = None,
        source: str = "wrangler",
        env: str | None = None,
        message: str | None = None,
        author: str | Actor | None = None,
    ) -> str:
        """The seed form of :meth:`deploy_wrangler`: always succeeds on a fresh account.

        Missing zones are created, and every ``secrets.required`` name without a value in
        ``secrets`` gets a generated one (the secrets file of a first deploy). ``source``
        other than ``wrangler`` relabels the resulting version and deployments. Returns the
        version id.
        """
        script_name = name or config.get("name")
        if not script_name:
            raise ValueError("the wrangler config has no 'name' and none was given")
        values = dict(secrets or {})
        required = (config.get("secrets") or {}).get("required") or []
        with self.lock:
            live = self.account(account_id).scripts.get(str(script_name))
            if live is None:
                for secret in required:
                    values.setdefault(secret, f"secret-{secret}")
            result = self.deploy_wrangler(
                account_id,
                config,
                script=str(script_name),
                secrets=values or None,
                env=env,
                message=message,
                author=author,
                create_zones=True,
            )
            if source != "wrangler":
                the_script = self.script(account_id, result.script)
                the_script.latest.source = source
                for deployment in the_script.deployments:
                    if deployment.versions[0]["version_id"] == result.version_id:
                        deployment.source = source
            return result.version_id

    def delete_script(
        self, account_id: str, name: str, *, author: str | Actor | None = None, source: str = "api"
    ) -> None:
        """Delete a script and its custom domains (routes stay, pointing at nothing)."""
        with self.lock:
            account = self.account(account_id)
            script = account.scripts.pop(name, None)
            if script is None:
                raise script_not_found()
            account.domains = [d for d in account.domains if d["service"] != name]
            self.record_audit(
                account_id,
                action="delete",
                resource_type="worker_script",
                resource_id=script.tag,
                author=author,
                source=source,
                metadata={"script_name": name},
            )

    def upload_version(
        self,
        account_id: str,
        name: str,
        *,
        deploy: bool = False,
        source: str = "wrangler",
        message: str | None = None,
        author: str | Actor | None = None,
        **changes: Any,
    ) -> str:
        """Upload a new version derived from the latest (``bindings=``, ``compatibility_date=``,
        ``compatibility_flags=``, ``usage_model=``, ``limits=``, ``placement=``); deploy it at
        100 % when ``deploy``. Returns the version id."""
        with self.lock:
            script = self.script(account_id, name)
            version = self._new_version(
                script,
                source=source,
                message=message,
                author=author,
                triggered_by="version_upload",
                **changes,
            )
            self._audit_version(script, version, action="update")
            if deploy:
                self._deploy(
                    script, {version.id: 100.0}, source=source, message=message, author=author
                )
            return version.id

    def deploy(
        self,
        account_id: str,
        name: str,
        versions: Mapping[str, float],
        *,
        source: str = "wrangler",
        message: str | None = None,
        author: str | Actor | None = None,
    ) -> str:
        """Create a deployment ``{version_id: percentage}`` (must sum to 100); returns its id."""
        with self.lock:
            return self._deploy(
                self.script(account_id, name),
                versions,
                source=source,
                message=message,
                author=author,
            ).id

    def rollback(
        self,
        account_id: str,
        name: str,
        version_id: str | None = None,
        *,
        message: str | None = None,
        author: str | Actor | None = None,
        source: str = "wrangler",
    ) -> str:
        """``wrangler rollback [version]``: deploy an earlier version at 100 %.

        Without ``version_id``, the version of the newest earlier deployment that sent 100 %
        to one version other than the active one. The deployment is annotated
        ``workers/triggered_by: rollback`` and ``workers/rollback_from: <active deployment>``.
        Returns the new deployment id.
        """
        with self.lock:
            script = self.script(account_id, name)
            active = script.active_deployment
            if active is None:
                raise ValueError("script has no deployment to roll back from")
            current = {v["version_id"] for v in active.versions}
            if version_id is None:
                for d in reversed(script.deployments[:-1]):
                    if len(d.versions) == 1 and d.versions[0]["version_id"] not in current:
                        version_id = d.versions[0]["version_id"]
                        break
                else:
                    raise ValueError("no earlier single-version deployment to roll back to")
            return self._deploy(
                script,
                {version_id: 100.0},
                source=source,
                message=message,
                author=author,
                triggered_by="rollback",
                annotations={"workers/rollback_from": active.id},
            ).id

    def split_deployment(
        self,
        account_id: str,
        name: str,
        percentage: float = 10.0,
        *,
        vars: Mapping[str, Any] | None = None,
        source: str = "wrangler",
        author: str | Actor | None = None,
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
            version = self._new_version(
                script, source=source, author=author, triggered_by="version_upload", **changes
            )
            self._audit_version(script, version, action="update")
            self._deploy(
                script,
                {version.id: percentage, old: 100.0 - percentage},
                source=source,
                author=author,
            )
            return version.id

    # ----------------------------------------------------------------- "dashboard" edits
    def set_var(
        self,
        account_id: str,
        name: str,
        var: str,
        value: Any,
        *,
        author: str | Actor | None = None,
        source: str = "dash",
        message: str | None = None,
    ) -> str:
        """Someone edits a variable (in the dashboard unless ``source``): new version,
        deployed. Returns its id."""
        return self.set_binding(
            account_id, name, var_binding(var, value), author=author, source=source, message=message
        )

    def set_binding(
        self,
        account_id: str,
        name: str,
        binding: Mapping[str, Any],
        *,
        author: str | Actor | None = None,
        source: str = "dash",
        message: str | None = None,
    ) -> str:
        """Add or replace (by name) one binding; new version deployed. Returns its id."""
        with self.lock:
            script = self.script(account_id, name)
            new = normalise_binding(binding)
            bindings = [b for b in script.latest.bindings if b["name"] != new["name"]] + [new]
            return self._change(
                account_id,
                name,
                bindings=bindings,
                triggered_by="version_settings",
                author=author,
                source=source,
                message=message,
            ).id

    def remove_binding(
        self,
        account_id: str,
        name: str,
        binding_name: str,
        *,
        author: str | Actor | None = None,
        source: str = "dash",
    ) -> str:
        """Remove a binding (var, secret or resource) by name; new version deployed."""
        with self.lock:
            script = self.script(account_id, name)
            bindings = [b for b in script.latest.bindings if b["name"] != binding_name]
            if len(bindings) == len(script.latest.bindings):
                raise KeyError(binding_name)
            return self._change(
                account_id,
                name,
                bindings=bindings,
                triggered_by="version_settings",
                author=author,
                source=source,
            ).id

    def set_secret(
        self,
        account_id: str,
        name: str,
        secret: str,
        value: str = "",
        *,
        type: str = "secret_text",
        author: str | Actor | None = None,
        source: str = "dash",
    ) -> str:
        """``wrangler secret put`` (``source="wrangler"``) or the dashboard: add or replace a
        secret; new version deployed."""
        with self.lock:
            script = self.script(account_id, name)
            bindings = [b for b in script.latest.bindings if b["name"] != secret]
            bindings.append({"type": type, "name": secret, "text": value})
            return self._change(
                account_id,
                name,
                bindings=bindings,
                triggered_by="secret",
                author=author,
                source=source,
            ).id

    def delete_secret(
        self,
        account_id: str,
        name: str,
        secret: str,
        *,
        author: str | Actor | None = None,
        source: str = "dash",
    ) -> str:
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
            return self._change(
                account_id,
                name,
                bindings=bindings,
                triggered_by="secret",
                author=author,
                source=source,
            ).id

    def update_version_settings(
        self,
        account_id: str,
        name: str,
        *,
        author: str | Actor | None = None,
        source: str = "dash",
        **changes: Any,
    ) -> str:
        """Change version-level settings (``compatibility_date=``, ``compatibility_flags=``,
        ``usage_model=``, ``limits=``, ``placement=``, ``bindings=``); new version deployed."""
        with self.lock:
            return self._change(
                account_id,
                name,
                triggered_by="version_settings",
                author=author,
                source=source,
                **changes,
            ).id

    def set_script_settings(
        self,
        account_id: str,
        name: str,
        *,
        author: str | Actor | None = None,
        source: str = "dash",
        **changes: Any,
    ) -> None:
        """Change script-level settings (``logpush``, ``observability``, ``tags``,
        ``tail_consumers``)."""
        allowed = {"logpush", "observability", "tags", "tail_consumers"}
        unknown = set(changes) - allowed
        if unknown:
            raise TypeError(f"not script-level settings: {sorted(unknown)}")
        with self.lock:
            self._patch_script_settings(
                self.script(account_id, name), changes, source=source, author=author
            )

    def _patch_script_settings(
        self,
        script: Script,
        changes: Mapping[str, Any],
        *,
        source: str,
        author: str | Actor | None,
    ) -> None:
        changed = {
            k: v
            for k, v in changes.items()
            if k in ("logpush", "observability", "tags", "tail_consumers")
        }
        for key, value in changed.items():
            setattr(script, key, copy.deepcopy(value))
        script.modified_on = self.now()
        if changed:
            self.record_audit(
                script.account_id,
                action="update",
                resource_type="worker_script_settings",
                resource_id=script.tag,
                author=author,
                source=source,
                metadata={"script_name": script.name, "settings": sorted(changed)},
            )

    def set_crons(
        self,
        account_id: str,
        name: str,
        crons: Sequence[str],
        *,
        author: str | Actor | None = None,
        source: str = "dash",
    ) -> None:
        """Replace the cron triggers."""
        with self.lock:
            self._set_crons(self.script(account_id, name), crons, source=source, author=author)

    def _set_crons(
        self,
        script: Script,
        crons: Iterable[str],
        *,
        source: str | None = None,
        author: str | Actor | None = None,
    ) -> None:
        old = {s["cron"]: s for s in script.schedules}
        now = self.now()
        before = [s["cron"] for s in script.schedules]
        script.schedules = [
            old.get(c) or {"cron": c, "created_on": now, "modified_on": now} for c in crons
        ]
        if source is not None:
            self.record_audit(
                script.account_id,
                action="update",
                resource_type="worker_schedules",
                resource_id=script.tag,
                author=author,
                source=source,
                metadata={"script_name": script.name},
                old_value=", ".join(before),
                new_value=", ".join(s["cron"] for s in script.schedules),
            )

    def set_workers_dev(
        self,
        account_id: str,
        name: str,
        enabled: bool,
        *,
        previews_enabled: bool | None = None,
        author: str | Actor | None = None,
        source: str = "dash",
    ) -> None:
        """Turn the script's workers.dev route (and preview URLs) on or off."""
        with self.lock:
            self._set_subdomain(
                self.script(account_id, name),
                enabled,
                enabled if previews_enabled is None else previews_enabled,
                source=source,
                author=author,
            )

    def _set_subdomain(
        self,
        script: Script,
        enabled: bool,
        previews_enabled: bool,
        *,
        source: str,
        author: str | Actor | None,
    ) -> None:
        before = (script.subdomain_enabled, script.previews_enabled)
        script.subdomain_enabled = enabled
        script.previews_enabled = previews_enabled
        self.record_audit(
            script.account_id,
            action="update",
            resource_type="worker_subdomain",
            resource_id=script.tag,
            author=author,
            source=source,
            metadata={"script_name": script.name},
            old_value=f"enabled={before[0]}, previews_enabled={before[1]}",
            new_value=f"enabled={enabled}, previews_enabled={previews_enabled}",
        )

    # ----------------------------------------------------------------- routes and domains
    def add_route(
        self,
        pattern: str,
        script: str | None,
        *,
        zone_id: str | None = None,
        account_id: str | None = None,
        author: str | Actor | None = None,
        source: str | None = None,
    ) -> str:
        """Add a zone route; the zone is found from the pattern's host unless given."""
        with self.lock:
            if zone_id is None:
                zone = self.zone_for_host(account_id or self._only_account(), host_of(pattern))
            else:
                zone = self.zone(zone_id)
            route: JSONDict = {"id": self.new_hex_id("route"), "pattern": pattern}
            if script is not None:
                route["script"] = script
            zone.routes.append(route)
            if source is not None:
                self.record_audit(
                    zone.account_id,
                    action="create",
                    resource_type="worker_route",
                    resource_id=route["id"],
                    author=author,
                    source=source,
                    metadata={"zone_name": zone.name, "pattern": pattern, "script_name": script},
                )
            return str(route["id"])

    def delete_route(
        self, route_id: str, *, author: str | Actor | None = None, source: str | None = None
    ) -> None:
        with self.lock:
            for zone in self.zones.values():
                before = len(zone.routes)
                zone.routes = [r for r in zone.routes if r["id"] != route_id]
                if source is not None and len(zone.routes) != before:
                    self.record_audit(
                        zone.account_id,
                        action="delete",
                        resource_type="worker_route",
                        resource_id=route_id,
                        author=author,
                        source=source,
                        metadata={"zone_name": zone.name},
                    )

    def add_custom_domain(
        self,
        account_id: str,
        hostname: str,
        service: str,
        *,
        zone_id: str | None = None,
        environment: str = "production",
        author: str | Actor | None = None,
        source: str | None = None,
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
            if source is not None:
                self.record_audit(
                    account_id,
                    action="create",
                    resource_type="worker_custom_domain",
                    resource_id=domain["id"],
                    author=author,
                    source=source,
                    metadata={"hostname": hostname, "script_name": service},
                )
            return domain["id"]

    def delete_custom_domain(
        self,
        account_id: str,
        domain_id: str,
        *,
        author: str | Actor | None = None,
        source: str | None = None,
    ) -> None:
        with self.lock:
            account = self.account(account_id)
            before = len(account.domains)
            account.domains = [d for d in account.domains if d["id"] != domain_id]
            if source is not None and len(account.domains) != before:
                self.record_audit(
                    account_id,
                    action="delete",
                    resource_type="worker_custom_domain",
                    resource_id=domain_id,
                    author=author,
                    source=source,
                )

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
                        env=entry.get("env"),
                        message=entry.get("message"),
                        author=entry.get("author"),
                    )
                else:
                    self.put_script(account_id, entry.pop("name"), **entry)


def wrangler_bindings(config: Mapping[str, Any], *, account_id: str, script: str) -> list[JSONDict]:
    """The bindings Cloudflare serves after wrangler uploads ``config`` (no secrets, no
    server defaults): wrangler's upload metadata with the API's renames applied."""
    out: list[JSONDict] = []
    for b in metadata_bindings({k: v for k, v in config.items() if k != "secrets"}):
        served = public_binding(normalise_binding(b))
        if served["type"] == "durable_object_namespace":
            owner = served.get("script_name") or script
            served["namespace_id"] = _stable_hex(
                "do", account_id, owner, str(served.get("class_name"))
            )
        out.append(served)
    return out


__all__ = [
    "AUTOMATIC_DEPLOYMENT_MESSAGE",
    "Actor",
    "ApiError",
    "Deployment",
    "FakeState",
    "Script",
    "Version",
    "WranglerDeploy",
    "WranglerError",
    "Zone",
    "actor",
    "host_of",
    "var_binding",
    "wrangler_bindings",
]
