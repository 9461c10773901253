"""Schema problems as findings: wrong types, values, missing and unknown keys, with wrangler's paths."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from envman.models import did_you_mean
from envman.parse import Loc
from envman.project import TOP_LEVEL
from envman.wrangler.findings import Ctx, entry_at, kind_of, labelled
from envman.wrangler.keys import BINDINGS, LEGACY, REMOVED, TOP_LEVEL_ONLY
from envman.wrangler.schema import Problem, check_table, environment_keys, top_level_keys

OWNED_ELSEWHERE = frozenset(("route", "routes"))
"""Keys whose shape check_values checks itself (EM317 says more about a malformed route)."""

_OWN_CODE = {"placement": "EM321", "migrations": "EM326"}
"""Keys whose wrong types, values and missing keys have a code of their own."""


def check_shapes(
    ctx: Ctx, raw: Mapping[str, Any], *, top: bool, skip: Collection[str] = ()
) -> None:
    """Report every schema problem of `raw` (a top level or one environment) on `ctx`.

    EM311 wrong type, EM341 value not allowed, EM342 a required key missing, EM310 an
    unknown key (wrangler warns); inside a binding entry a wrong type or missing key is
    EM319, in `placement` EM321, in `migrations` EM326. `skip` lists
    top-level keys whose problems other checks already report.
    """
    table = {k: v for k, v in raw.items() if k not in skip and k not in OWNED_ELSEWHERE}
    if not top:
        table = {k: v for k, v in table.items() if k not in TOP_LEVEL_ONLY}
    for problem in check_table(table, top=top):
        _report(ctx, raw, problem)


def _report(ctx: Ctx, raw: Mapping[str, Any], p: Problem) -> None:
    if not p.loc and p.kind == "unknown" and p.key in REMOVED:
        return  # EM323
    if p.loc == ("durable_objects",) and p.kind == "type" and isinstance(p.value, list):
        return  # EM319: a list of bindings where a table with `bindings` belongs
    if len(p.loc) >= 2 and p.loc[0] == "exports" and _durable_export(raw, p.loc[1]):
        return  # EM345: the rules of each export state say more than the schema's branches
    where = labelled(raw, p.loc)
    at = entry_at(p.loc)
    in_binding = at is not None and ".".join(at[1]) in BINDINGS
    own = _OWN_CODE.get(str(p.loc[0])) if p.loc else None
    if p.kind == "unknown":
        unknown_key(ctx, (*p.loc, p.key), f"{where}.{p.key}" if where else p.key, p.known)
    elif p.kind == "type":
        if isinstance(p.value, dt.date | dt.time):
            return  # EM336
        ctx.add(
            own or ("EM319" if in_binding else "EM311"),
            p.loc,
            where,
            f"{where} must be {p.expected}, not {kind_of(p.value)}",
            hint=_unquote_hint(p.value, p.expected),
        )
    elif p.kind == "value":
        options = re.findall(r'"([^"]*)"', p.expected)
        ctx.add(
            own or "EM341",
            p.loc,
            where,
            f"{where} is {kind_of(p.value)}; wrangler allows {p.expected}",
            hint=did_you_mean(p.value, options) if isinstance(p.value, str) else None,
        )
    else:
        ctx.add(
            own or ("EM319" if in_binding else "EM342"),
            p.loc,
            where or p.key,
            f"{where or 'the table'} has no `{p.key}`; wrangler requires it",
            hint=f"add `{p.key}`",
        )


def _durable_export(raw: Mapping[str, Any], name: Any) -> bool:
    exports = raw.get("exports")
    entry = exports.get(name) if isinstance(exports, Mapping) else None
    return isinstance(entry, Mapping) and entry.get("type") == "durable-object"


def unknown_key(ctx: Ctx, loc: Loc, where: str, known: Iterable[str]) -> None:
    """EM310: a key wrangler does not know at `loc` (it warns and ignores it)."""
    key = str(loc[-1])
    if len(loc) == 1:
        place = "at the top level" if ctx.env == TOP_LEVEL else f"in [env.{ctx.env}]"
    else:
        place = f"in `{where.rsplit('.', 1)[0]}`"
    hint = LEGACY.get(key)
    known_anywhere = key in top_level_keys() or key in environment_keys()
    if hint is None and len(loc) > 1 and known_anywhere and key != "env":
        parent = ctx.document_loc(loc)[:-1]
        header = ".".join(str(p) for p in parent if isinstance(p, str))
        hint = (
            f"`{key}` is a top-level (or [env.NAME]) key; in TOML every key written after the "
            f"[{header}] header belongs to that table: move `{key}` above that header"
            if ctx.toml
            else f"`{key}` belongs at the top level or in an environment, not inside `{header}`"
        )
    ctx.add(
        "EM310",
        loc,
        where,
        f"unknown key `{key}` {place}; wrangler only warns and ignores it",
        hint=hint or did_you_mean(key, list(known)),
    )


def _unquote_hint(value: Any, expected: str) -> str | None:
    """For `"true"` or `"8787"` where a boolean or number belongs: drop the quotes."""
    if not isinstance(value, str):
        return None
    if "true or false" in expected and value in ("true", "false"):
        return f"write {value} without quotes"
    if "number" in expected and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
        return f"write {value} without quotes"
    return None
