"""The value rules of one environment's resolved config (check_values), as Cloudflare has them."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from envman.models import Finding
from envman.parse import Loc
from envman.wrangler.bindings import check_bindings, entries
from envman.wrangler.cron import cron_problem
from envman.wrangler.findings import Ctx, Locate, kind_of
from envman.wrangler.rules_bindings import check_binding_rules
from envman.wrangler.rules_containers import check_containers
from envman.wrangler.rules_durable import check_durable_objects, live_classes
from envman.wrangler.rules_worker import check_worker_rules
from envman.wrangler.schema import environment_keys
from envman.wrangler.schema_findings import check_shapes

_ROUTE_KEYS = frozenset(
    ("pattern", "zone_id", "zone_name", "custom_domain", "enabled", "previews_enabled")
)
_NAME = re.compile(r"[a-z0-9_][a-z0-9_-]*")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_NAME = 63
"""Cloudflare's limit on a Worker (script) name."""


def check_values(
    raw: Mapping[str, Any],
    *,
    env: str,
    today: dt.date,
    locate: Locate,
    worker_name: str | None,
    name_derived: bool,
    origin: Mapping[str, Loc] | None = None,
    root: Path | None = None,
    top: bool = False,
    shapes: bool = False,
    skip: Collection[str] = (),
    document: Mapping[str, Any] | None = None,
) -> list[Finding]:
    """The value rules for one environment's resolved, wrangler-shaped config `raw`.

    Used by check() for the wrangler file and by api for environment files. `locate`
    maps a path into `raw` to its Source; `worker_name` is the Worker this environment
    deploys to and `name_derived` whether it was derived rather than written. `origin`
    (from ResolvedEnv) tells an environment's own `route` from inherited `routes`.
    Values of the wrong type are skipped here (other checks report them). `root` is
    where paths in the config are relative to (None: files are not looked at), `top`
    whether `raw` is a top level. With `shapes`, `raw` is also checked against
    wrangler's schema (for environment files; check() does that for the wrangler file),
    except its keys in `skip` (reported already). `document` is the whole wrangler file
    when `raw` is one of its environments: some rules look at the other environments.
    """
    ctx = Ctx(env, locate, raw=raw)
    if shapes:
        check_shapes(ctx, {k: v for k, v in raw.items() if k in environment_keys()}, top=False,
                     skip=skip)  # fmt: skip
    for loc, value in _leaves(raw, ()):
        if isinstance(value, dt.date | dt.time):
            path = ctx.where(loc)
            ctx.add(
                "EM336",
                loc,
                path,
                f"{path} is a TOML date ({value.isoformat()}); wrangler expects a string",
                hint=f'quote it: {loc[-1]} = "{value.isoformat()}"',
            )
        elif _non_finite(value):
            path = ctx.where(loc)
            ctx.add(
                "EM335",
                loc,
                path,
                f"{path} is {kind_of(value)}, which JSON cannot hold: wrangler would send null",
                hint="write a finite number, or quote it as a string",
            )
    _check_names(ctx, raw, worker_name, name_derived)
    _check_compatibility_date(ctx, raw.get("compatibility_date"), today)
    triggers = raw.get("triggers")
    crons = triggers.get("crons") if isinstance(triggers, dict) else None
    for index, cron in enumerate(crons if isinstance(crons, list) else []):
        problem = cron_problem(cron) if isinstance(cron, str) else None
        if problem:
            ctx.add(
                "EM330",
                ("triggers", "crons", index),
                "triggers.crons",
                f"cron {cron!r} would be refused by Cloudflare: {problem}",
                hint='five fields: minute hour day-of-month month day-of-week, e.g. "0 3 * * *"',
            )
    _check_routes(ctx, raw, origin)
    check_bindings(ctx, raw)
    _check_migrations(ctx, raw)
    _check_settings(ctx, raw)
    check_durable_objects(ctx, raw, _declared_anywhere(document, "containers"))
    check_containers(ctx, raw, root)
    pages = document is not None and "pages_build_output_dir" in document
    check_binding_rules(ctx, raw, pages=pages)
    check_worker_rules(ctx, raw, root, top)
    return ctx.findings


def _declared_anywhere(document: Mapping[str, Any] | None, key: str) -> bool:
    """Whether the top level or any environment of the wrangler file declares `key`."""
    if document is None:
        return False
    envs = document.get("env")
    tables = [document, *(envs.values() if isinstance(envs, dict) else ())]
    return any(isinstance(t, dict) and key in t for t in tables)


def non_finite_numbers(data: Any) -> list[tuple[Loc, float]]:
    """Each infinite or NaN number in `data` (TOML `inf`/`nan`, JSON `1e999`), with where it is."""
    return [(loc, value) for loc, value in _leaves(data, ()) if _non_finite(value)]


def _non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _leaves(value: Any, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    """Every value in `value` that is neither a table nor a list, with where it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*loc, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*loc, index))
    else:
        yield loc, value


def name_problem(name: str) -> str | None:
    """Why Cloudflare would refuse `name` as a Worker name, or None."""
    if len(name) > MAX_NAME:
        return f"it is {len(name)} characters long (at most {MAX_NAME})"
    if not _NAME.fullmatch(name):
        return "it may only hold lowercase letters, digits, '-' and '_', and not start with '-'"
    return None


def _check_names(ctx: Ctx, raw: Mapping[str, Any], worker_name: str | None, derived: bool) -> None:
    problem = name_problem(worker_name) if worker_name else None
    if problem is None:
        return
    if derived:
        ctx.add(
            "EM334",
            ("name",),
            "name",
            f"wrangler derives the Worker name {worker_name!r} for this environment "
            f"(top-level name + '-' + environment name), which Cloudflare would refuse: {problem}",
            hint="set `name` explicitly in this environment, or rename the environment",
        )
    else:
        ctx.add(
            "EM313",
            ("name",),
            "name",
            f"Worker name {worker_name!r} is invalid: {problem}",
            hint="use lowercase letters, digits and '-', e.g. my-worker-staging",
        )


def _check_compatibility_date(ctx: Ctx, value: Any, today: dt.date) -> None:
    if not isinstance(value, str):
        return
    loc, path = ("compatibility_date",), "compatibility_date"
    parsed = None
    if _ISO_DATE.fullmatch(value):
        with contextlib.suppress(ValueError):
            parsed = dt.date.fromisoformat(value)
    if parsed is None:
        dashes = "–" in value or "—" in value
        ctx.add(
            "EM331",
            loc,
            path,
            f"compatibility_date {value!r} is not a real date written YYYY-MM-DD",
            hint="use ASCII hyphens (-), not en or em dashes" if dashes else 'e.g. "2025-01-01"',
        )
    elif parsed > today:
        ctx.add(
            "EM332",
            loc,
            path,
            f"compatibility_date {value} is in the future (today is "
            f"{today.isoformat()}); Cloudflare refuses it at deploy",
            hint=f'use today\'s date or earlier: compatibility_date = "{today.isoformat()}"',
        )


def _check_routes(ctx: Ctx, raw: Mapping[str, Any], origin: Mapping[str, Loc] | None) -> None:
    if "route" in raw and "routes" in raw:
        levels = (
            {"env" if origin[k][0] == "env" else "top" for k in ("route", "routes")}
            if origin
            else {""}
        )
        if len(levels) == 1:
            ctx.add(
                "EM316",
                ("route",),
                "route",
                "both `route` and `routes` are set; wrangler refuses that",
                hint="move the `route` pattern into the `routes` list",
            )
        elif origin and origin["route"][0] == "env":
            ctx.add(
                "EM339",
                ("route",),
                "route",
                "this environment's `route` is ignored: it inherits `routes` from the top level, "
                "and wrangler deploys `routes` when both are present",
                hint="write the pattern as `routes = [...]` in this environment",
            )
    routes = raw.get("routes")
    if "routes" in raw and not isinstance(routes, list):
        ctx.add("EM311", ("routes",), "routes", f"routes must be a list, not {kind_of(routes)}")
    entries: list[tuple[Loc, Any]] = []
    if isinstance(routes, list):
        entries += [(("routes", i), r) for i, r in enumerate(routes)]
    if "route" in raw:
        entries.append((("route",), raw["route"]))
    for loc, route in entries:
        _check_route(ctx, loc, str(loc[0]), route)


def _check_route(ctx: Ctx, loc: Loc, path: str, route: Any) -> None:
    if isinstance(route, str):
        if not route:
            ctx.add("EM317", loc, path, "a route pattern is empty", hint="delete it")
        return
    if not isinstance(route, dict):
        ctx.add(
            "EM317",
            loc,
            path,
            f"a route must be a pattern string or a table, not {kind_of(route)}",
            hint='e.g. { pattern = "example.com/*", zone_name = "example.com" }',
        )
        return
    pattern = route.get("pattern")
    problems = []
    if not isinstance(pattern, str) or not pattern:
        problems.append("it has no `pattern` string")
    unknown = sorted(set(route) - _ROUTE_KEYS)
    if unknown:
        problems.append(f"unknown keys {', '.join(unknown)}")
    if "zone_id" in route and "zone_name" in route:
        problems.append("it has both zone_id and zone_name")
    if not any(k in route for k in ("zone_id", "zone_name", "custom_domain")):
        problems.append("it needs zone_id, zone_name or custom_domain = true")
    wrong = [k for k in ("zone_id", "zone_name") if k in route and not isinstance(route[k], str)]
    wrong += [
        k
        for k in ("custom_domain", "enabled", "previews_enabled")
        if k in route and not isinstance(route[k], bool)
    ]
    if wrong:
        problems.append(f"wrong type of {', '.join(wrong)}")
    shown = f"route {pattern!r}" if isinstance(pattern, str) and pattern else "a route"
    if problems:
        ctx.add(
            "EM317",
            loc,
            path,
            f"{shown} is malformed: {'; '.join(problems)}",
            hint="a route is { pattern, zone_id | zone_name } or { pattern, custom_domain = true }",
        )
    if route.get("custom_domain") is True and isinstance(pattern, str):
        what = [
            w for c, w in (("*", "a wildcard (*)"), ("/", "a path or scheme (/)")) if c in pattern
        ]
        if what:
            ctx.add(
                "EM337",
                loc,
                path,
                f"custom domain {pattern!r} contains {' and '.join(what)}; Cloudflare refuses it",
                hint="a custom domain is a bare hostname such as api.example.com; "
                "use a zone route for wildcards and paths",
            )


def _check_migrations(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    """EM326 (a migration without a tag), EM325 (a Durable Object class no migration creates)."""
    migrations = raw.get("migrations")
    created: set[str] = set()
    for index, migration in enumerate(migrations if isinstance(migrations, list) else []):
        if not isinstance(migration, dict):
            continue
        if migration.get("tag") == "":
            ctx.add(
                "EM326",
                ("migrations", index, "tag"),
                f"migrations[{index}].tag",
                f"migration #{index + 1} has an empty `tag`",
                hint='give every migration a unique tag, e.g. tag = "v1"',
            )
        for key in ("new_classes", "new_sqlite_classes"):
            classes = migration.get(key)
            created |= (
                {c for c in classes if isinstance(c, str)} if isinstance(classes, list) else set()
            )
        for key in ("renamed_classes", "transferred_classes"):
            moves = migration.get(key)
            created |= (
                {m["to"] for m in moves if isinstance(m, dict) and isinstance(m.get("to"), str)}
                if isinstance(moves, list)
                else set()
            )
    created |= live_classes(raw)  # newer wrangler: `exports` declares classes, not migrations
    for loc, entry, path, _ in entries("durable_objects.bindings", raw):
        if not isinstance(entry, dict) or "script_name" in entry or "environment" in entry:
            continue  # a class of another Worker is migrated there (environment: EM319)
        class_name = entry.get("class_name")
        if isinstance(class_name, str) and class_name not in created:
            ctx.add(
                "EM325",
                loc,
                path,
                f"Durable Object class {class_name!r} has no migration that creates it",
                hint=f'add [[migrations]] tag = "v1" new_sqlite_classes = ["{class_name}"]'
                if not created
                else f'add a migration with new_sqlite_classes = ["{class_name}"]',
            )


def _check_settings(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    """EM322 (head_sampling_rate); the shape of `placement` is the schema's."""
    observability = raw.get("observability")
    if isinstance(observability, dict):
        for loc in (
            ("head_sampling_rate",),
            ("logs", "head_sampling_rate"),
            ("traces", "head_sampling_rate"),
        ):
            node: Any = observability
            for part in loc:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, int | float) and not isinstance(node, bool) and not 0 <= node <= 1:
                path = ctx.where(("observability", *loc))
                ctx.add(
                    "EM322",
                    ("observability", *loc),
                    path,
                    f"{path} is {node}; it must be between 0 and 1",
                    hint="1 keeps every request, 0.1 one in ten",
                )
