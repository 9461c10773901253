"""The picture of a project's environments: every setting × every environment, for
`envman report --html`: values, promotable or environment-specific, drift per cell."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from envman import release
from envman.config import WorkerConfig
from envman.models import Finding
from envman.usecases.live import LiveOptions, drift
from envman.usecases.promote import diff
from envman.usecases.validate import validate
from envman.workspace import Workspace, declared

ABSENT: Any = None
"""A cell of an environment that does not set the row's setting."""


@dataclass(frozen=True)
class Cell:
    """One environment's value of one setting, and its drift finding when live was read."""

    value: Any
    differs: bool
    """Whether the value differs from the first environment's (the pipeline's start)."""
    drift: Finding | None = None


@dataclass(frozen=True)
class Row:
    path: str
    kind: str
    """"promotable", "environment-specific" or "same" (equal in every environment)."""
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Overview:
    project: str
    envs: tuple[str, ...]
    rows: tuple[Row, ...]
    findings: tuple[Finding, ...]
    """validate's findings, then drift's when live state was read."""
    live: str | None = None
    """Where live state came from (a snapshot file, or "Cloudflare"); None when not read."""
    unknown: dict[str, str] = field(default_factory=dict)


def overview(
    ws: Workspace, envs: Sequence[str] = (), *, live: LiveOptions | None = None
) -> Overview:
    """Every setting of the selected environments side by side (sensitive values redacted).

    A row is promotable when a promotion from some environment to another would copy it,
    environment-specific when it differs but is never promoted, "same" when every
    environment agrees. With `live`, drift is read too and each drifted cell carries its
    finding.
    """
    selected = ws.select(envs)
    values = {env: _values(ws, declared(ws, env).config) for env in selected}
    kinds: dict[str, str] = {}
    first = selected[0]
    for other in selected[1:]:
        for item in diff(ws, first, other).findings:
            if item.code == "EM500" or item.path not in kinds:
                kinds[item.path] = "promotable" if item.code == "EM500" else "environment-specific"
    report = validate(ws, selected)
    findings = list(report.findings)
    drifted: dict[tuple[str, str], Finding] = {}
    unknown: dict[str, str] = {}
    if live is not None:
        found = drift(ws, selected, options=live)
        findings += found.findings
        unknown = dict(found.unknown)
        for item in found.active:
            if item.env is not None and item.kind is not None:
                drifted[(item.env, item.path)] = item
    paths = sorted({p for v in values.values() for p in v} | {p for _, p in drifted})
    rows = []
    for path in paths:
        base = values[first].get(path, ABSENT)
        cells = {
            env: Cell(
                value=values[env].get(path, ABSENT),
                differs=values[env].get(path, ABSENT) != base,
                drift=drifted.get((env, path)),
            )
            for env in selected
        }
        differs = any(c.differs for c in cells.values())
        kind = kinds.get(path) or ("environment-specific" if differs else "same")
        rows.append(Row(path=path, kind=kind, cells=cells))
    return Overview(
        project=ws.root.name,
        envs=selected,
        rows=tuple(rows),
        findings=tuple(sorted(_plain_findings(findings), key=Finding.sort_key)),
        live=None if live is None else str(live.live_from or "Cloudflare"),
        unknown=unknown,
    )


def _values(ws: Workspace, config: WorkerConfig) -> dict[str, Any]:
    """The config's settings by the paths promotion uses (`vars.X`, `kv_namespaces.CACHE`)."""
    steps = release.differences(WorkerConfig(), config)
    return {
        step.path: ws.schema.redact(step.path, step.after)
        if step.path.startswith("vars.")
        else step.after
        for step in steps
        if step.after is not None
    }


def _plain_findings(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.suppressed is None]
