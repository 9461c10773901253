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

from envman.bindings import MODELLED, BindingKind, kind_of
from envman.compare import normalise
from envman.config import WorkerConfig

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
    *(k.field for k in MODELLED if k.single),
)
ENVIRONMENT_FIELDS = (
    "name",
    "account_id",
    "routes",
    "workers_dev",
    "preview_urls",
    "tail_consumers",
)

_PROMOTED_KINDS: tuple[BindingKind, ...] = tuple(k for k in MODELLED if k.binding and not k.single)
"""Binding kinds promoted entry by entry; a kind's `resources` are never copied (see bindings)."""
_UNPLANNED = tuple(
    name
    for name in WorkerConfig.model_fields
    if name not in {*WHOLE_FIELDS, *ENVIRONMENT_FIELDS, "vars", "secrets", "queues"}
    and name not in {k.path.split(".")[0] for k in _PROMOTED_KINDS}
)
"""Fields `plan` never looks at (assets, containers, migrations): compared whole by `differences`."""


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
    held_back: tuple[tuple[Step, str], ...] = ()
    """Promotable steps whose value names the source stage, with what it names: not
    copied unless named with --only."""

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
    # A promotion adds the secrets the source's code needs and never drops one the target
    # requires: secrets are set per environment, and a missing one breaks the Worker.
    target_secrets = sorted(target.secrets.required or ()) if target.secrets else []
    source_secrets = sorted(source.secrets.required or ()) if source.secrets else []
    wanted = sorted({*source_secrets, *target_secrets})
    if wanted != target_secrets:
        keep(Step("secrets.required", target_secrets or None, wanted), False)
    for kind, source_entries, target_entries in _binding_kinds(source, target):
        for name in sorted({*source_entries, *target_entries}):
            step = _binding_step(
                kind, name, source_entries.get(name), target_entries.get(name), mapping
            )
            if step is not None:
                keep(step, False)
            elif name in source_entries and name in target_entries:
                ours = kind.resources_of(target_entries[name])
                theirs = kind.resources_of(source_entries[name])
                if ours != theirs:
                    fixed.append(Step(f"{kind.path}.{name}", ours, theirs))
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


def differences(before: WorkerConfig, after: WorkerConfig) -> tuple[Step, ...]:
    """Every path where `after` differs from `before`, promotable or not, with whole values.

    What a rollback that restores files byte for byte shows as its plan: computed from the
    texts it will write, so the plan is exactly what is written.
    """
    found = plan("", "", after, before, scope_of=lambda _name: "promotable")
    steps: dict[str, Step] = {}
    for step in (*found.steps, *found.environment_specific):
        kind = binding_kind(step.path)
        if kind is not None:  # the whole entry, resource ids included
            name = step.path[len(kind.path) + 1 :]
            step = Step(
                step.path,
                (_dump(kind.entries(before)) or {}).get(name),
                (_dump(kind.entries(after)) or {}).get(name),
            )
        steps[step.path] = step
    new, old = normalise(after), normalise(before)
    for name in _UNPLANNED:
        if new.get(name) != old.get(name):
            steps[name] = Step(name, _whole(before, name), _whole(after, name))
    return tuple(sorted(steps.values(), key=lambda s: s.path))


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
) -> list[tuple[BindingKind, dict[str, Any], dict[str, Any]]]:
    return [
        (kind, _dump(kind.entries(source)) or {}, _dump(kind.entries(target)) or {})
        for kind in _PROMOTED_KINDS
    ]


def _binding_step(
    kind: BindingKind,
    name: str,
    source: Mapping[str, Any] | None,
    target: Mapping[str, Any] | None,
    mapping: Mapping[str, str],
) -> Step | None:
    path = f"{kind.path}.{name}"
    if source is None:
        return Step(path, dict(target or {}), None)
    if target is not None:
        after = {**kind.resources_of(target), **kind.portable(source)}
        return None if after == dict(target) else Step(path, dict(target), after)
    after = kind.portable(source)
    key = kind.map_key
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
    kind = binding_kind(path)
    if kind is not None:
        return (*kind.path.split("."), path[len(kind.path) + 1 :])
    head, _, rest = path.partition(".")
    return (head, rest) if rest else (head,)


def binding_kind(path: str) -> BindingKind | None:
    """The promoted binding kind a step's path names an entry of (`kv_namespaces.CACHE`)."""
    kind = kind_of(path)
    return kind if kind is not None and kind in _PROMOTED_KINDS else None


def _get(data: Mapping[str, Any], loc: Sequence[str]) -> Any:
    node: Any = data
    for part in loc:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


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
    whole_lists: dict[str, BindingKind] = {}
    for step in steps:
        if step.blocked:
            continue
        kind = binding_kind(step.path)
        if kind is not None and _get(own, kind.wrangler) is None and _get(base, kind.wrangler):
            whole_lists[kind.path] = kind
            continue
        loc = ("triggers", "crons") if step.path == "triggers.crons" else _edit_path(step.path)
        if step.after is None:
            inherited = kind is None and _get(base, loc) is not None
            edits.append((loc, DELETE_TOKEN if inherited else None))
        else:
            edits.append((loc, step.after))
    for _, kind in sorted(whole_lists.items()):
        for name, entry in (_dump(kind.entries(result)) or {}).items():
            edits.append(((*kind.path.split("."), name), entry))
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
