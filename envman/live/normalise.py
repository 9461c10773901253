"""Turns Cloudflare's JSON for a Worker into a normalised WorkerConfig.

Pure functions of the raw `result` of each response (no SDK, no HTTP): `envman.live`
fetches, this module checks the shape and normalises. Anything malformed fails closed
with `ReadFailure`, which fails that one environment, never the run.
"""

from __future__ import annotations

from typing import Any

from envman.bindings import BY_LIVE_TYPE
from envman.config import WorkerConfig


class ReadFailure(Exception):
    """Reading one environment failed; the message is the human reason."""


def expect(value: Any, kind: type, what: str) -> Any:
    """`value` when it is a `kind`; else the response of `what` is malformed."""
    if not isinstance(value, kind):
        raise ReadFailure(f"malformed response from {what}: expected a {kind.__name__}")
    return value


def expect_field(item: Any, key: str, kind: type, what: str) -> Any:
    """`item[key]` when `item` is a dict and the value a `kind`; else malformed."""
    value = expect(item, dict, what).get(key)
    if not isinstance(value, kind):
        raise ReadFailure(
            f"malformed response from {what}: {key!r} missing or not a {kind.__name__}"
        )
    return value


_SECRET_TYPES = ("secret_text", "secret_key")


def _bindings(
    script: str, items: Any, what: str, unsupported: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """WorkerConfig fields from raw bindings, keyed by binding name, and the secret names.

    Dispatches on the `type` string (the SDK's union would coerce an unknown type,
    quirk 3). Every binding kind envman models starts empty: the API listed them all.
    """
    fields: dict[str, Any] = {"vars": {}, "queues": {"producers": {}}}
    fields.update({k.field: {} for k in BY_LIVE_TYPE.values() if not k.single and not k.nested})
    secrets: list[str] = []
    for item in expect(items, list, what):
        kind = expect_field(item, "type", str, what)
        name = expect_field(item, "name", str, what)
        catalogued = BY_LIVE_TYPE.get(kind)
        if kind == "plain_text":
            fields["vars"][name] = expect_field(item, "text", str, what)
        elif kind == "json":
            if "json" not in item:
                raise ReadFailure(
                    f"malformed response from {what}: json binding {name} has no value"
                )
            fields["vars"][name] = item["json"]
        elif kind in _SECRET_TYPES:
            secrets.append(name)
        elif kind == "assets":
            fields["assets"] = {"binding": name}
        elif catalogued is not None and catalogued.single:
            fields[catalogued.field] = {"binding": name}
            unsupported += [
                f"setting bindings.{name}.{k}" for k in item if k not in ("type", "name")
            ]
        elif catalogued is not None:
            keys = catalogued.live_keys
            known = {"type", "name", *keys.values(), *catalogued.live_ignored}
            unsupported += [f"setting bindings.{name}.{k}" for k in item if k not in known]
            entry = {
                ours: item[theirs] for ours, theirs in keys.items() if item.get(theirs) is not None
            }
            if kind == "d1" and "database_id" not in entry and item.get("id"):
                entry["database_id"] = item["id"]  # the deprecated name of database_id
            if kind == "durable_object_namespace" and entry.get("script_name") == script:
                del entry["script_name"]  # a class of this very Worker
            first = next(iter(keys))
            if (
                catalogued.live_required
                and kind != "durable_object_namespace"
                and (first not in entry)
            ):
                raise ReadFailure(
                    f"malformed response from {what}: {kind} binding {name} has no {keys[first]}"
                )
            holder = fields
            for part in catalogued.path.split(".")[:-1]:
                holder = holder.setdefault(part, {})
            holder.setdefault(catalogued.path.split(".")[-1], {})[name] = entry
        else:
            unsupported.append(f"{kind} {name}")
    return fields, secrets


def settings_config(
    script: str,
    account: str,
    settings: dict[str, Any],
    what: str,
    unsupported: list[str],
    *,
    secrets: list[dict[str, Any]] | None,
    crons: tuple[str, ...] | None,
    subdomain: dict[str, Any] | None,
    routes: list[dict[str, Any]] | None,
    migration_tag: str | None = None,
) -> WorkerConfig:
    """The live WorkerConfig; a field the API did not return stays None (no invented defaults).

    `secrets`, `crons`, `subdomain` and `routes` are None when they were not read.
    """
    fields, _ = _bindings(script, settings.get("bindings"), what, unsupported)
    fields.update(_runtime(settings))
    unsupported += _unmodelled_settings(settings)
    placement = settings.get("placement")
    if isinstance(placement, dict):
        fields["placement"] = placement
    elif settings.get("placement_mode"):  # the older flat shape
        fields["placement"] = {"mode": settings["placement_mode"]}
    for key in ("observability", "logpush"):
        if settings.get(key) is not None:
            fields[key] = settings[key]
    if "tail_consumers" in settings:
        fields["tail_consumers"] = settings["tail_consumers"] or ()
    if subdomain is not None and isinstance(subdomain.get("enabled"), bool):
        fields["workers_dev"] = subdomain["enabled"]
    if subdomain is not None and isinstance(subdomain.get("previews_enabled"), bool):
        fields["preview_urls"] = subdomain["previews_enabled"]
    # A secret shows in the bindings (type secret_text) and in the secrets list; the list
    # is the authority: it is what `wrangler secret list` shows and it has every type.
    if secrets is not None:
        fields["secrets"] = {"required": sorted(s["name"] for s in secrets)}
    if crons is not None:
        fields["triggers"] = {"crons": crons}
    if routes is not None:
        fields["routes"] = routes
    if migration_tag is not None:  # only the last applied tag is live: one step stands for it
        fields["migrations"] = [{"tag": migration_tag}] if migration_tag else []
    return _config({"name": script, "account_id": account, **fields}, what)


_SETTINGS = frozenset(
    {
        "bindings",
        "compatibility_date",
        "compatibility_flags",
        "usage_model",
        "limits",
        "placement",
        "placement_mode",
        "annotations",
        "logpush",
        "observability",
        "tags",
        "tail_consumers",
    }
)
"""Keys of a settings response envman reads (annotations for attribution only)."""
_LIMITS = frozenset({"cpu_ms", "subrequests"})
_WRANGLER_TAGS = ("cf:service=", "cf:environment=")


def _unmodelled_settings(settings: dict[str, Any]) -> list[str]:
    """`setting <key>` for each live setting envman does not model, so that it is listed."""
    odd = [f"setting {key}" for key in settings if key not in _SETTINGS]
    limits = settings.get("limits")
    if isinstance(limits, dict):
        odd += [f"setting limits.{k}" for k in limits if k not in _LIMITS]
    tags = settings.get("tags")
    if isinstance(tags, list):
        odd += [f"setting tags.{t}" for t in tags if not str(t).startswith(_WRANGLER_TAGS)]
    return odd


def version_config(script: str, result: Any, what: str, unsupported: list[str]) -> WorkerConfig:
    """A version's WorkerConfig: its bindings (secrets by name) and its runtime settings."""
    resources = expect_field(result, "resources", dict, what)
    fields, secrets = _bindings(script, resources.get("bindings"), what, unsupported)
    fields.update(_runtime(resources.get("script_runtime") or {}))
    fields["secrets"] = {"required": sorted(secrets)}
    return _config({"name": script, **fields}, what)


def _runtime(source: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key in ("compatibility_date", "usage_model", "limits"):
        if source.get(key) is not None:
            fields[key] = source[key]
    if isinstance(source.get("compatibility_flags"), list):
        fields["compatibility_flags"] = tuple(source["compatibility_flags"])
    return fields


def _config(fields: dict[str, Any], what: str) -> WorkerConfig:
    try:
        return WorkerConfig.model_validate(fields)
    except ValueError as e:  # pydantic's ValidationError
        first = str(e).splitlines()[1:3]
        raise ReadFailure(f"malformed response from {what}: {' '.join(first)}") from None


def parse_secrets(result: Any, what: str) -> list[dict[str, Any]]:
    """A secrets list as `{"name", "type"}`: names and types only; any value-like field is dropped at once."""
    secrets = []
    for item in expect(result, list, what):
        name = expect_field(item, "name", str, what)
        secrets.append({"name": name, "type": str(item.get("type", ""))})
    return secrets


def parse_crons(result: Any, what: str) -> tuple[str, ...]:
    """The cron expressions of a schedules result."""
    schedules = expect(expect(result, dict, what).get("schedules"), list, what)
    return tuple(expect_field(s, "cron", str, what) for s in schedules)
