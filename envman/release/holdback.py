"""Holding back what names the source stage: a promotable value that holds the source's
environment name, Worker name, route hosts or resource ids is not copied unless named."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from envman.bindings import KINDS
from envman.config import WorkerConfig
from envman.release.planning import Plan, Step


def hold_back(plan: Plan, source: str, config: WorkerConfig, only: Sequence[str]) -> Plan:
    """`plan` with the steps whose new value names `source` moved to `held_back`, unless
    `--only` names the step's path exactly or the target's value names it already."""
    names = identity(source, config)
    kept: list[Step] = []
    held: list[tuple[Step, str]] = []
    for step in plan.steps:
        named = names_in(step.after, names)
        if named and step.path not in only and names_in(step.before, [named]) is None:
            held.append((step, named))
        else:
            kept.append(step)
    return replace(plan, steps=tuple(kept), held_back=tuple(held))


def identity(env: str, config: WorkerConfig) -> list[str]:
    """What names a stage in a value: its environment name, its Worker's name, the hosts
    of its routes and its resources' ids and names (longest first)."""
    found = {env}
    if config.name:
        found.add(config.name)
    data = config.model_dump(exclude_none=True)
    for route in data.get("routes") or ():
        pattern = str(route.get("pattern", "") if isinstance(route, dict) else route)
        host = pattern.split("/", 1)[0].removeprefix("*.").removeprefix("*")
        if "." in host:
            found.add(host)
    for kind in KINDS:
        for entry in kind.entries(data).values():
            found |= {
                str(value)
                for value in kind.resources_of(entry).values()
                if isinstance(value, str) and len(value) >= 6
            }
    return sorted((n for n in found if len(n) >= 3), key=len, reverse=True)


def names_in(value: Any, names: Sequence[str]) -> str | None:
    """The first of `names` that `value` (any of its strings) holds as a whole word."""
    for text in _strings(value):
        for name in names:
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", text, re.I):
                return name
    return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []
