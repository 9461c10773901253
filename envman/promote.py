"""Plans a promotion between two environments: a pure function of their configs.

What is promoted, and what never is (docs/reference/promotion.md):

| path | promoted? |
|---|---|
| compatibility_date, compatibility_flags, main, usage_model, placement, limits, observability, logpush, triggers.crons | yes, whole value |
| vars.NAME | yes, unless the schema gives the var `scope = "environment"` |
| secrets.required | yes (names only; values never move) |
| a binding present in both | its non-resource keys (e.g. a Durable Object's class_name, a service's entrypoint) |
| a binding only in the source | yes, with the target's own resource id from `--map BINDING=ID` or the target file; blocked otherwise |
| a binding only in the target | removed |
| ai, browser, version_metadata | yes |
| name, account_id, routes, workers_dev, preview_urls, tail_consumers, queues.consumers | never: environment-specific |
| resource ids: KV id, D1 database_id/name, R2 bucket_name, queue names, service names, Hyperdrive id, Vectorize index, dataset | never |

`envman.toml` `[promotion] environment_specific = ["triggers.crons", "vars.X_*"]` adds
path patterns that are never promoted.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from envman.compare import normalise
from envman.models import WorkerConfig

WHOLE_FIELDS = (
    "compatibility_date",
    "compatibility_flags",
    "main",
    "usage_model",
    "placement",
    "limits",
    "observability",
    "logpush",
    "triggers",
    "ai",
    "browser",
    "version_metadata",
)
ENVIRONMENT_FIELDS = (
    "name",
    "account_id",
    "routes",
    "workers_dev",
    "preview_urls",
    "tail_consumers",
)

RESOURCE_KEYS: dict[str, tuple[str, ...]] = {
    "kv_namespaces": ("id", "preview_id"),
    "d1_databases": ("database_id", "database_name", "preview_database_id"),
    "r2_buckets": ("bucket_name", "preview_bucket_name", "jurisdiction"),
    "durable_objects": ("script_name", "environment"),
    "services": ("service", "environment"),
    "analytics_engine_datasets": ("dataset",),
    "hyperdrive": ("id", "localConnectionString"),
    "vectorize": ("index_name",),
    "queues.producers": ("queue",),
}
"""Keys of a binding that name this environment's own resource: never copied."""

MAP_KEY: dict[str, str] = {
    "kv_namespaces": "id",
    "d1_databases": "database_id",
    "r2_buckets": "bucket_name",
    "services": "service",
    "analytics_engine_datasets": "dataset",
    "hyperdrive": "id",
    "vectorize": "index_name",
    "queues.producers": "queue",
}
"""The key `--map BINDING=ID` fills for a binding new in the target."""


@dataclass(frozen=True)
class Step:
    """One change to the target: `path` from `before` to `after` (None = absent)."""

    path: str
    before: Any
    after: Any
    blocked: str | None = None

    @property
    def action(self) -> str:
        if self.before is None:
            return "add"
        if self.after is None:
            return "remove"
        return "change"


@dataclass(frozen=True)
class Plan:
    """Every step that makes TARGET like SOURCE, and the differences left alone by design."""

    source: str
    target: str
    steps: tuple[Step, ...]
    environment_specific: tuple[Step, ...] = ()
    fingerprint: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def blocked(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.blocked)


def plan(
    source_env: str,
    target_env: str,
    source: WorkerConfig,
    target: WorkerConfig,
    *,
    scope_of: Callable[[str], str],
    only: Sequence[str] = (),
    mapping: Mapping[str, str] | None = None,
    environment_specific: Sequence[str] = (),
) -> Plan:
    """The steps that promote `source` into `target`; no I/O, no side effects."""
    mapping = dict(mapping or {})
    steps: list[Step] = []
    fixed: list[Step] = []

    def keep(step: Step, specific: bool) -> None:
        if specific or any(fnmatch.fnmatchcase(step.path, p) for p in environment_specific):
            fixed.append(step)
        elif not only or any(_selects(pattern, step.path) for pattern in only):
            steps.append(step)

    src = normalise(source)
    dst = normalise(target)
    for name in WHOLE_FIELDS:
        before, after = _whole(target, name), _whole(source, name)
        if src.get(name) != dst.get(name) and (before is not None or after is not None):
            keep(
                Step(
                    path="triggers.crons" if name == "triggers" else name,
                    before=before,
                    after=after,
                ),
                False,
            )
    for name in ENVIRONMENT_FIELDS:
        before, after = _whole(target, name), _whole(source, name)
        if src.get(name) != dst.get(name):
            keep(Step(path=name, before=before, after=after), True)
    for var in sorted({*(source.vars or {}), *(target.vars or {})}):
        before = (target.vars or {}).get(var)
        after = (source.vars or {}).get(var)
        if before != after or type(before) is not type(after):
            keep(Step(f"vars.{var}", before, after), scope_of(var) == "environment")
    source_secrets = sorted(source.secrets.required or ()) if source.secrets else []
    target_secrets = sorted(target.secrets.required or ()) if target.secrets else []
    if source_secrets != target_secrets:
        keep(Step("secrets.required", target_secrets or None, source_secrets or None), False)
    for kind, source_entries, target_entries in _binding_kinds(source, target):
        for name in sorted({*source_entries, *target_entries}):
            step = _binding_step(
                kind, name, source_entries.get(name), target_entries.get(name), mapping
            )
            if step is not None:
                keep(step, False)
            elif name in source_entries and name in target_entries:
                ours = _resources(kind, target_entries[name])
                theirs = _resources(kind, source_entries[name])
                if ours != theirs:
                    fixed.append(Step(f"{kind}.{name}", ours, theirs))
    consumers_before = _dump(target.queues.consumers) if target.queues else None
    consumers_after = _dump(source.queues.consumers) if source.queues else None
    if consumers_before != consumers_after:
        fixed.append(Step("queues.consumers", consumers_before, consumers_after))
    return Plan(
        source=source_env,
        target=target_env,
        steps=tuple(sorted(steps, key=lambda s: s.path)),
        environment_specific=tuple(sorted(fixed, key=lambda s: s.path)),
    )


def _selects(pattern: str, path: str) -> bool:
    return fnmatch.fnmatchcase(path, pattern) or path.startswith(pattern + ".")


def _whole(config: WorkerConfig, name: str) -> Any:
    value = getattr(config, name)
    if value is None:
        return None
    dumped = config.model_dump(mode="json", exclude_none=True, include={name}).get(name)
    if name == "triggers":
        return (dumped or {}).get("crons")
    return dumped


def _dump(value: Any) -> Any:
    if value is None:
        return None
    return {k: v.model_dump(mode="json", exclude_none=True) for k, v in value.items()}


def _binding_kinds(
    source: WorkerConfig, target: WorkerConfig
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    kinds = []
    for kind in RESOURCE_KEYS:
        if kind == "queues.producers":
            s = _dump(source.queues.producers) if source.queues else None
            t = _dump(target.queues.producers) if target.queues else None
        else:
            s, t = _dump(getattr(source, kind)), _dump(getattr(target, kind))
        kinds.append((kind, s or {}, t or {}))
    return kinds


def _resources(kind: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k in RESOURCE_KEYS[kind]}


def _portable(kind: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if k not in RESOURCE_KEYS[kind]}


def _binding_step(
    kind: str,
    name: str,
    source: Mapping[str, Any] | None,
    target: Mapping[str, Any] | None,
    mapping: Mapping[str, str],
) -> Step | None:
    path = f"{kind}.{name}"
    if source is None:
        return Step(path, dict(target or {}), None)
    if target is not None:
        after = {**_resources(kind, target), **_portable(kind, source)}
        return None if after == dict(target) else Step(path, dict(target), after)
    after = _portable(kind, source)
    key = MAP_KEY.get(kind)
    if key is None:
        return Step(path, None, after)
    if name in mapping:
        return Step(path, None, {**after, key: mapping[name]})
    return Step(
        path,
        None,
        after,
        blocked=f"{name} is new in the target and needs its own {key}: "
        f"--map {name}=<{key}>, or declare it in the target's file",
    )


def fingerprint(texts: Mapping[str, str], options: Mapping[str, Any]) -> str:
    """SHA-256 over the input files' text and the plan options: a plan is only valid for these."""
    digest = hashlib.sha256()
    for name in sorted(texts):
        digest.update(name.encode() + b"\0" + texts[name].encode() + b"\0")
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return digest.hexdigest()


# --------------------------------------------------------------------------- edits

DELETE_TOKEN = "@del"


def _edit_path(path: str) -> tuple[str, ...]:
    if path.startswith("queues.producers."):
        return ("queues", "producers", path.removeprefix("queues.producers."))
    head, _, rest = path.partition(".")
    return (head, rest) if rest else (head,)


def _binding_kind(path: str) -> str | None:
    for kind in RESOURCE_KEYS:
        if path.startswith(kind + "."):
            return kind
    return None


def _get(data: Mapping[str, Any], loc: Sequence[str]) -> Any:
    node: Any = data
    for part in loc:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _list_loc(kind: str) -> tuple[str, ...]:
    if kind == "queues.producers":
        return ("queues", "producers")
    if kind == "durable_objects":
        return ("durable_objects", "bindings")
    return (kind,)


def env_file_edits(
    steps: Sequence[Step],
    *,
    own: Mapping[str, Any],
    base: Mapping[str, Any] | None,
    result: WorkerConfig,
) -> list[tuple[tuple[str, ...], Any]]:
    """(path, value) edits of the target's own environment file for `steps`.

    A value to remove that the base layer still provides is set to "@del"; a binding
    list that only the base declares is written whole into the target's file (arrays
    replace, so adding one entry would otherwise drop the base's others).
    `value` is None for "delete this key".
    """
    base = base or {}
    edits: list[tuple[tuple[str, ...], Any]] = []
    whole_lists: set[str] = set()
    for step in steps:
        if step.blocked:
            continue
        kind = _binding_kind(step.path)
        if kind is not None and _get(own, _list_loc(kind)) is None and _get(base, _list_loc(kind)):
            whole_lists.add(kind)
            continue
        loc = ("triggers", "crons") if step.path == "triggers.crons" else _edit_path(step.path)
        if step.after is None:
            inherited = kind is None and _get(base, loc) is not None
            edits.append((loc, DELETE_TOKEN if inherited else None))
        else:
            edits.append((loc, step.after))
    for kind in sorted(whole_lists):
        entries = (
            _dump(getattr(result, kind))
            if kind != "queues.producers"
            else (_dump(result.queues.producers) if result.queues else None)
        )
        for name, entry in (entries or {}).items():
            edits.append(
                (
                    (
                        *_list_loc(kind)[:1],
                        *(("producers",) if kind == "queues.producers" else ()),
                        name,
                    ),
                    entry,
                )
            )
    return edits


def wrangler_edits(steps: Sequence[Step]) -> list[tuple[tuple[str, ...], Any]]:
    """(path, value) edits of `[env.TARGET]` in the wrangler file; None deletes."""
    edits: list[tuple[tuple[str, ...], Any]] = []
    for step in steps:
        if step.blocked:
            continue
        loc = ("triggers", "crons") if step.path == "triggers.crons" else _edit_path(step.path)
        edits.append((loc, step.after))
    return edits
