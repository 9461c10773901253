"""Normalises two WorkerConfigs and compares them into differences (deepdiff for detail).

Defaults are folded by the catalogue of `envman.compare.normalisation` (one place, the
same on both sides). A field the expected side leaves unset (`None`) is not compared: a
source that does not manage something makes no noise about it. Bindings compare by
binding name, secrets as a set of names (never values).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from envman.bindings import MODELLED
from envman.compare.normalisation import fold
from envman.config import WorkerConfig
from envman.terms import Kind

KEYED_FIELDS = ("vars", "secrets", *(k.field for k in MODELLED if not k.single and not k.nested))
"""Fields compared entry by entry: a difference is reported per name (`vars.LOG_LEVEL`)."""

NESTED_KEYED = {k.field: 2 for k in MODELLED if k.nested}
"""Fields whose entries sit one level deeper (`queues.producers.JOBS`)."""


@dataclass(frozen=True)
class Difference:
    """One difference between an expected and an actual config, at finding granularity."""

    path: str
    loc: tuple[str, ...]
    kind: Kind
    expected: Any
    actual: Any


def normalise(
    config: WorkerConfig, fields: Iterable[str] | None = None, *, script: str | None = None
) -> dict[str, Any]:
    """A JSON-like dict of `config` with defaults folded and orderless lists sorted.

    Keys of a binding that envman does not model (wrangler owns that schema, and keeps
    adding keys) are left out: they are kept in the config but never compared.
    """
    data = _modelled(config.model_dump(mode="json", exclude_none=True), config)
    script = script or config.name
    result: dict[str, Any] = {}
    for field in fields if fields is not None else WorkerConfig.model_fields:
        value = data.get(field)
        result[field] = _fold(field, value, script)
    return result


def _modelled(data: dict[str, Any], config: WorkerConfig) -> dict[str, Any]:
    """`data` with only the keys envman models for each binding (vars are values, kept whole).

    A kind's keys are its model's fields, plus the keys it names live, requires or holds
    resources in (kinds whose model is the generic `Binding` declare them there).
    """
    for kind in MODELLED:
        if kind.single or kind.model is None:
            continue
        entries = kind.entries(data)
        if entries:
            fields = {*kind.model.model_fields, *kind.live_keys, *kind.required, *kind.resources}
            holder = data
            for part in kind.path.split(".")[:-1]:
                holder = holder[part]
            holder[kind.path.split(".")[-1]] = {
                name: {k: v for k, v in entry.items() if k in fields}
                for name, entry in entries.items()
            }
    return data


def _fold(field: str, value: Any, script: str | None) -> Any:
    if field == "secrets":
        names = (value or {}).get("required") or []
        return dict.fromkeys(names, "secret")
    return fold(field, value, script=script)


def compare(
    expected: WorkerConfig,
    actual: WorkerConfig | None,
    *,
    fields: Iterable[str] | None = None,
    script: str | None = None,
) -> list[Difference]:
    """Every difference between `expected` and `actual`, on the fields `expected` manages.

    Mapping fields (vars, secrets, bindings) differ per entry; every other field as a
    whole value (`compatibility_flags`, `triggers.crons`, `routes`, `placement`, …).
    Pure and cheap (no deepdiff): `validate` runs it for every environment.
    """
    managed = [
        f
        for f in (fields if fields is not None else WorkerConfig.model_fields)
        if getattr(expected, f) is not None
    ]
    script = script or expected.name or (actual.name if actual else None)
    left = normalise(expected, managed, script=script)
    right = normalise(actual or WorkerConfig(), managed, script=script)
    differences: list[Difference] = []
    for field in managed:
        depth = 1 if field in KEYED_FIELDS else NESTED_KEYED.get(field, 0)
        if field == "triggers":
            depth = 0
        differences += _walk((field,), left.get(field), right.get(field), depth)
    return sorted(differences, key=lambda d: d.path)


def _walk(loc: tuple[str, ...], left: Any, right: Any, depth: int) -> list[Difference]:
    if depth > 0:
        left = {} if left is None else left
        right = {} if right is None else right
    if left == right:
        return []
    if depth == 0 or not isinstance(left, Mapping) or not isinstance(right, Mapping):
        if loc == ("triggers",):
            loc = ("triggers", "crons")
            left = (left or {}).get("crons")
            right = (right or {}).get("crons")
        return [_difference(loc, left, right)]
    result: list[Difference] = []
    for key in sorted({*left, *right}):
        result += _walk((*loc, str(key)), left.get(key), right.get(key), depth - 1)
    return result


def _difference(loc: tuple[str, ...], expected: Any, actual: Any) -> Difference:
    if actual is None:
        kind = Kind.MISSING
    elif expected is None:
        kind = Kind.UNEXPECTED
    else:
        kind = Kind.CHANGED
    return Difference(path=".".join(loc), loc=loc, kind=kind, expected=expected, actual=actual)


def explain(difference: Difference) -> list[str]:
    """Leaf-level detail of a changed value (deepdiff), e.g. `id: 'a' -> 'b'`, for messages.

    Imported lazily: only drift and diff explain differences; validate never does.
    """
    if difference.kind is not Kind.CHANGED:
        return []
    if not isinstance(difference.expected, dict | list) or not isinstance(
        difference.actual, dict | list
    ):
        return []
    from deepdiff import DeepDiff

    diff = DeepDiff(difference.expected, difference.actual, ignore_order=True, view="tree")
    lines: list[str] = []
    for changes in diff.values():
        for change in changes:
            where = ".".join(str(p) for p in change.path(output_format="list")) or "(value)"
            before = "(unset)" if _absent(change.t1) else repr(change.t1)
            after = "(unset)" if _absent(change.t2) else repr(change.t2)
            lines.append(f"{where}: {before} -> {after}")
    return sorted(lines)


def _absent(value: Any) -> bool:
    return type(value).__name__ == "NotPresent"
