"""wrangler's Durable Object rules: `durable_objects`, `exports` lifecycles, and their containers."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from envman.wrangler.findings import Ctx, kind_of

_JS_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_STORAGES = ("sqlite", "legacy-kv")
_ALLOWED_BY_STATE: Mapping[str, tuple[str, ...]] = {
    "created": ("type", "state", "storage", "container"),
    "deleted": ("type", "state"),
    "renamed": ("type", "state", "renamed_to"),
    "transferred": ("type", "state", "transferred_to"),
    "expecting-transfer": ("type", "state", "storage", "transfer_from", "container"),
}
_LIVE = ("created", "expecting-transfer")


def durable_exports(raw: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The `exports` entries of type "durable-object", by class name."""
    exports = raw.get("exports")
    if not isinstance(exports, dict):
        return {}
    return {
        k: v
        for k, v in exports.items()
        if isinstance(v, dict) and v.get("type") == "durable-object"
    }


def live_classes(raw: Mapping[str, Any]) -> set[str]:
    """Classes a live `exports` entry declares (state created or expecting-transfer)."""
    return {k for k, v in durable_exports(raw).items() if v.get("state", "created") in _LIVE}


def check_durable_objects(ctx: Ctx, raw: Mapping[str, Any], containers_elsewhere: bool) -> None:
    """EM343 (no bindings), EM344 (exports and migrations), EM345 (exports), EM346 (links).

    `containers_elsewhere`: another environment of the file declares `containers`; an
    environment without any then does not have its container references checked.
    """
    durable = raw.get("durable_objects")
    if isinstance(durable, dict) and "bindings" not in durable:
        ctx.add(
            "EM343",
            ("durable_objects",),
            "durable_objects",
            'durable_objects has no `bindings`; wrangler requires the "bindings" property',
            hint="add [[durable_objects.bindings]] entries (name, class_name), or delete "
            "the empty [durable_objects] table",
        )
    exports = durable_exports(raw)
    migrations = raw.get("migrations")
    if exports and isinstance(migrations, list) and migrations:
        ctx.add(
            "EM344",
            ("exports",),
            "exports",
            "`migrations` and `exports` are mutually exclusive; wrangler refuses both",
            hint="declare the Durable Object lifecycle in `exports` only (or in `migrations` only)",
        )
    all_exports = raw.get("exports")
    if isinstance(all_exports, dict):
        for name, entry in all_exports.items():
            _check_export(ctx, name, entry)
    if "containers" in raw or not containers_elsewhere:
        _check_links(ctx, raw, exports)


def _check_export(ctx: Ctx, name: str, entry: Any) -> None:
    loc, path = ("exports", name), f"exports.{name}"
    if not isinstance(entry, dict):
        return  # EM311, from the schema
    if entry.get("type") != "durable-object":
        return  # other types, and their keys, are the schema's (EM341, EM311, EM342, EM310)
    if name == "":
        _bad(ctx, loc, path, "an exports key cannot be the empty string")
    state = entry.get("state", "created")
    allowed = _ALLOWED_BY_STATE.get(state) if isinstance(state, str) else None
    if allowed is None:
        _bad(
            ctx,
            (*loc, "state"),
            f"{path}.state",
            f"{path}.state must be one of {', '.join(_ALLOWED_BY_STATE)}, not {kind_of(state)}",
        )
        return
    for key in entry:
        if key not in allowed:
            _bad(
                ctx,
                (*loc, key),
                f"{path}.{key}",
                f'{path}.{key} is forbidden on state "{state}"',
                hint=f"a {state} export may only have {', '.join(allowed)}",
            )
    if state in _LIVE and entry.get("storage") not in _STORAGES:
        _bad(
            ctx,
            (*loc, "storage"),
            f"{path}.storage",
            f"{path}.storage is required for state "
            f'"{state}" and must be "sqlite" or "legacy-kv", not {kind_of(entry.get("storage"))}',
            hint='storage = "sqlite" for a new class',
        )
    needed = {"renamed": "renamed_to", "transferred": "transferred_to",
              "expecting-transfer": "transfer_from"}.get(state)  # fmt: skip
    if needed and (not isinstance(entry.get(needed), str) or not entry[needed]):
        _bad(
            ctx,
            (*loc, needed),
            f"{path}.{needed}",
            f'{path}.{needed} is required for state "{state}" and must be a non-empty string',
        )
    target = entry.get("renamed_to")
    if state == "renamed" and isinstance(target, str) and target:
        if not _JS_IDENTIFIER.fullmatch(target):
            _bad(
                ctx,
                (*loc, "renamed_to"),
                f"{path}.renamed_to",
                f"{path}.renamed_to must be a valid JavaScript identifier (got {target!r})",
            )
        if target == name:
            _bad(
                ctx,
                (*loc, "renamed_to"),
                f"{path}.renamed_to",
                f"{path}.renamed_to cannot equal the source class name {name!r}",
            )
    if state in _LIVE and "container" in entry:
        container = entry["container"]
        if not isinstance(container, str) or not container:
            _bad(
                ctx,
                (*loc, "container"),
                f"{path}.container",
                f"{path}.container must be a "
                f'non-empty string naming a container in "containers", not {kind_of(container)}',
            )
        elif entry.get("storage") == "legacy-kv":
            _bad(
                ctx,
                (*loc, "container"),
                f"{path}.container",
                f"{path}.container requires "
                'storage = "sqlite"; containers are not supported on legacy-kv Durable Objects',
            )


def _bad(ctx: Ctx, loc: tuple[str | int, ...], path: str, message: str, hint: str | None = None,
         code: str = "EM345") -> None:  # fmt: skip
    ctx.add(code, loc, path, message, hint=hint)


def containers_of(raw: Mapping[str, Any]) -> Iterator[tuple[int, dict[str, Any], str | None]]:
    """(index, container, its name) of each container; the name as wrangler derives it."""
    containers = raw.get("containers")
    worker = raw.get("name")
    for index, container in enumerate(containers if isinstance(containers, list) else []):
        if not isinstance(container, dict):
            continue
        name = container.get("name")
        class_name = container.get("class_name")
        if not isinstance(name, str) and isinstance(class_name, str) and isinstance(worker, str):
            name = f"{worker}-{class_name.lower()}"
        yield index, container, name if isinstance(name, str) else None


def _check_links(ctx: Ctx, raw: Mapping[str, Any], exports: dict[str, dict[str, Any]]) -> None:
    """EM346: which container each Durable Object export runs, both ways, agreeing."""
    containers = list(containers_of(raw))
    by_name = {name: (i, c) for i, c, name in containers if name}
    claims: dict[str, list[str]] = {}
    for cls, entry in exports.items():
        if entry.get("state", "created") not in _LIVE:
            continue
        container = entry.get("container")
        if not isinstance(container, str) or not container:
            continue
        if container not in by_name:
            _bad(
                ctx,
                ("exports", cls, "container"),
                f"exports.{cls}.container",
                f"exports.{cls}.container references a container named {container!r}, but "
                'no container with that name is defined in "containers"',
                code="EM346",
            )
            continue
        claims.setdefault(container, []).append(cls)
    for container, classes in claims.items():
        for cls in classes[1:]:
            _bad(
                ctx,
                ("exports", cls, "container"),
                f"exports.{cls}.container",
                f"the container {container!r} is referenced by "
                f"more than one Durable Object export ({', '.join(classes)}); a container "
                "belongs to one Durable Object",
                code="EM346",
            )
    live = live_classes(raw)
    for index, container, name in containers:
        loc, path = ("containers", index), f"containers[{index}]"
        class_name = container.get("class_name")
        claimed_by = claims.get(name or "", [])
        if not isinstance(class_name, str):
            if name and not claimed_by and "class_name" not in container:
                _bad(
                    ctx,
                    loc,
                    path,
                    f"the container {name!r} is not linked to a Durable Object",
                    hint="set its class_name, or name it in exports.<Class>.container",
                    code="EM346",
                )
            continue
        export = exports.get(class_name)
        other = export.get("container") if export else None
        if isinstance(other, str) and other and other != name:
            _bad(
                ctx,
                (*loc, "class_name"),
                f"{path}.class_name",
                f"the container {name!r} sets "
                f"class_name to {class_name!r}, but exports.{class_name}.container is "
                f"{other!r}",
                code="EM346",
            )
        elif len(claimed_by) == 1 and claimed_by[0] != class_name:
            _bad(
                ctx,
                (*loc, "class_name"),
                f"{path}.class_name",
                f"the container {name!r} sets "
                f"class_name to {class_name!r}, but exports.{claimed_by[0]}.container "
                "references it",
                code="EM346",
            )
        elif exports and class_name not in live:
            _bad(
                ctx,
                (*loc, "class_name"),
                f"{path}.class_name",
                f"the container {name!r} sets "
                f'class_name to {class_name!r}, but "exports" has no live "durable-object" '
                f"entry for {class_name!r}",
                code="EM346",
            )
        elif export and export.get("storage") == "legacy-kv" and other != name:
            _bad(
                ctx,
                (*loc, "class_name"),
                f"{path}.class_name",
                f"the container {name!r} sets "
                f"class_name to {class_name!r}, but exports.{class_name}.storage is "
                '"legacy-kv"; containers need sqlite storage',
                code="EM346",
            )
