"""Plans fixing drift the adopting way: declared-config edits that make drifted paths equal live.

Pure: given the declared and the live WorkerConfig and the drifted finding paths, it
returns `(path, before, after)` edits of the declared config. Live values are written
in their shortest form: every key the normalisation catalogue would fill back in (a
service's `production` environment, observability's logs and traces defaults…) is
left out, so an adopted file reads like a hand-written one and still compares equal.
Keys the live side does not have (a KV `preview_id`, a D1 `database_name`) are kept.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from envman.bindings import MODELLED, BindingKind, kind_of
from envman.compare.normalisation import fold
from envman.config import WorkerConfig

Edit = tuple[str, Any, Any]
"""(path, before, after) of the declared config; None is absent."""

ADOPTABLE = (
    "compatibility_date",
    "compatibility_flags",
    "usage_model",
    "placement",
    "limits",
    "observability",
    "logpush",
    "tail_consumers",
    "workers_dev",
    "preview_urls",
    "routes",
    "triggers",
)
"""Whole-value fields adopt writes (bindings, vars and secrets go entry by entry)."""


def adoptable(path: str) -> bool:
    """Whether adopting can write the live value of `path` (not, e.g., a migration history)."""
    head = path.split(".")[0]
    return head in ("vars", "secrets", *ADOPTABLE) or kind_of(path) is not None or _single(head)


def adopt_edits(
    declared: WorkerConfig, live: WorkerConfig, paths: Sequence[str], *, script: str
) -> list[Edit]:
    """The edits that make each of `paths` (drift finding paths) in `declared` equal `live`."""
    mine = declared.model_dump(mode="json", exclude_none=True)
    theirs = live.model_dump(mode="json", exclude_none=True)
    edits: dict[str, Edit] = {}
    secrets: set[str] = set()
    for path in paths:
        head, _, rest = path.partition(".")
        kind = kind_of(path)
        if head == "secrets":
            secrets.add(rest)
        elif head == "vars":
            edits[path] = (
                path,
                (mine.get("vars") or {}).get(rest),
                (theirs.get("vars") or {}).get(rest),
            )
        elif kind is not None:
            edits[path] = _binding(kind, path[len(kind.path) + 1 :], declared, live, script)
        elif head == "triggers":
            before = (mine.get("triggers") or {}).get("crons")
            crons = list((theirs.get("triggers") or {}).get("crons") or [])
            edits["triggers.crons"] = ("triggers.crons", before, crons)
        elif head == "routes":
            edits[head] = (head, mine.get(head), _routes(declared, theirs.get(head) or []))
        elif head in ADOPTABLE or _single(head):
            value = theirs.get(head)
            short = shortest(head, value, script=script) if value is not None else None
            edits[head] = (head, mine.get(head), short)
    if secrets:
        before = list((mine.get("secrets") or {}).get("required") or [])
        live_names = set((theirs.get("secrets") or {}).get("required") or [])
        after = [n for n in before if n not in secrets or n in live_names]
        after += sorted(n for n in secrets if n in live_names and n not in after)
        edits["secrets.required"] = ("secrets.required", before, after)
    return [e for _, e in sorted(edits.items()) if e[1] != e[2]]


def _single(head: str) -> bool:
    return any(k.single and k.field == head for k in MODELLED)


def _binding(
    kind: BindingKind, name: str, declared: WorkerConfig, live: WorkerConfig, script: str
) -> Edit:
    path = f"{kind.path}.{name}"
    mine = _entry(kind.entries(declared).get(name))
    theirs = _entry(kind.entries(live).get(name))
    if theirs is None:
        return (path, mine, None)
    compared = {*kind.live_keys, *kind.required, *kind.resources} - set(kind.local_only)
    if kind.model is not None:
        compared |= set(kind.model.model_fields) - set(kind.local_only)
    kept = {k: v for k, v in (mine or {}).items() if k not in compared}
    field = kind.path.split(".")[0]
    short = shortest(field, {name: theirs}, script=script, nested=kind.nested)
    return (path, mine, {**kept, **short[name]})


def _entry(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    return dict(value.model_dump(mode="json", exclude_none=True))


def _routes(declared: WorkerConfig, live: list[dict[str, Any]]) -> list[Any]:
    """Live routes, each written as declared when the declared file has it (same pattern)."""
    mine = {
        (r.pattern, bool(r.custom_domain)): r.model_dump(mode="json", exclude_none=True)
        for r in declared.routes or ()
    }
    result: list[Any] = []
    for route in live:
        key = (route["pattern"], bool(route.get("custom_domain")))
        if key in mine:
            result.append(mine[key])
        elif route.get("custom_domain"):
            result.append({"pattern": route["pattern"], "custom_domain": True})
        else:
            where = {k: route[k] for k in ("zone_name", "zone_id") if route.get(k)}
            result.append({"pattern": route["pattern"], **where})
    return result


def shortest(field: str, value: Any, *, script: str, nested: bool = False) -> Any:
    """`value` without every key whose absence folds back to the same value (defaults)."""
    whole = {"producers": value} if nested else value
    target = fold(field, whole, script=script)
    result = copy.deepcopy(whole)

    def prune(node: dict[str, Any], trail: tuple[str, ...]) -> None:
        for key in list(node):
            if not trail and field in _KEYED:  # never drop a whole binding or var
                if isinstance(node[key], dict):
                    prune(node[key], (key,))
                continue
            saved = node.pop(key)
            if fold(field, result, script=script) == target:
                continue
            node[key] = saved
            if isinstance(saved, dict):
                prune(saved, (*trail, key))

    if isinstance(result, dict):
        prune(result, ())
    return result["producers"] if nested else result


_KEYED = frozenset(k.field for k in MODELLED if not k.single)
