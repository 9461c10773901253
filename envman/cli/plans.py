"""Saved promotion plans: `promote --plan-out FILE` writes one, `--apply-plan FILE` reads it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from envman.errors import InputError, UsageError

if TYPE_CHECKING:
    from envman.usecases.promote import Proposal

PLAN_VERSION = 1


@dataclass(frozen=True)
class PlanOptions:
    """The options a plan was made with; applying it uses them again."""

    only: tuple[str, ...] = ()
    mapping: dict[str, str] = field(default_factory=dict)
    allow_drift: bool = False
    skip_stage: bool = False
    offline: bool = False


@dataclass(frozen=True)
class SavedPlan:
    source: str
    target: str
    fingerprint: str
    options: PlanOptions


def save_plan(path: Path, proposal: Proposal, options: PlanOptions) -> None:
    """The plan as reviewed (steps, held back, refusals), its fingerprint and its options."""
    from envman.files import write_output
    from envman.report import render_plan

    document = json.loads(render_plan(proposal.plan, refusals=proposal.refusals, fmt="json"))
    document["plan_version"] = PLAN_VERSION
    document["options"] = {
        "only": list(options.only),
        "map": dict(options.mapping),
        "allow_drift": options.allow_drift,
        "skip_stage": options.skip_stage,
        "offline": options.offline,
    }
    write_output(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def load_plan(path: Path, source: str, target: str) -> SavedPlan:
    """A saved plan, checked to be one and to be for SOURCE -> TARGET."""
    from envman.files import read_text

    where = str(path)
    try:
        document = json.loads(read_text(path))
    except json.JSONDecodeError as e:
        raise InputError(f"not a saved plan: {e.msg}", file=where, line=e.lineno) from e
    if not isinstance(document, dict) or document.get("plan_version") != PLAN_VERSION:
        raise InputError("not a plan saved by `envman promote --plan-out`", file=where)
    options = document.get("options")
    fingerprint = document.get("fingerprint")
    if not isinstance(options, dict) or not isinstance(fingerprint, str) or not fingerprint:
        raise InputError("the saved plan has no options or fingerprint", file=where)
    if (document.get("source"), document.get("target")) != (source, target):
        raise UsageError(
            f"{where} promotes {document.get('source')} -> {document.get('target')}, "
            f"not {source} -> {target}"
        )
    return SavedPlan(
        source=source,
        target=target,
        fingerprint=fingerprint,
        options=PlanOptions(
            only=tuple(_strings(options.get("only"), where, "only")),
            mapping=dict(zip(*_pairs(options.get("map"), where), strict=True)),
            allow_drift=options.get("allow_drift") is True,
            skip_stage=options.get("skip_stage") is True,
            offline=options.get("offline") is True,
        ),
    )


def _strings(value: Any, where: str, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"options.{name} must be a list of strings", file=where)
    return value


def _pairs(value: Any, where: str) -> tuple[list[str], list[str]]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InputError("options.map must map binding names to ids", file=where)
    return list(value), list(value.values())
