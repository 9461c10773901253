"""wrangler's rules for the Worker itself: entry point, site, triggers, placement, observability."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from envman.wrangler.findings import Ctx, kind_of
from envman.wrangler.rules_bindings import items

_MODULE_TYPES = ("ESModule", "CommonJS", "CompiledWasm", "Text", "Data")
_TARGETED = ("region", "host", "hostname")


def check_worker_rules(ctx: Ctx, raw: Mapping[str, Any], root: Path | None, top: bool) -> None:
    """EM358-EM364: the Worker-level rules of wrangler's config validation."""
    main = raw.get("main")
    if isinstance(main, str) and main:
        flags = raw.get("compatibility_flags")
        if main.endswith(".py") and not (isinstance(flags, list) and "python_workers" in flags):
            ctx.add("EM358", ("main",), "main", "the python_workers compatibility flag is "
                    "required to use Python", hint='add "python_workers" to compatibility_flags')  # fmt: skip
        if root is not None and not (root / main).is_file():
            ctx.add("EM359", ("main",), "main", f"the entry point {main!r} does not exist; "
                    "wrangler deploy fails", hint="fix the path, or build the Worker first")  # fmt: skip
    site = raw.get("site")
    if top and isinstance(site, dict) and not site.get("entry-point") and not main:
        ctx.add("EM356", ("site",), "site", "[site] without `main` or site.entry-point: wrangler "
                'falls back to the deprecated default entry point "workers-site"',
                hint='set main = "workers-site/index.js" (or your Worker\'s entry point)')  # fmt: skip
    if top and isinstance(site, dict) and "entry-point" in site:
        ctx.add("EM356", ("site", "entry-point"), "site.entry-point", "site.entry-point is "
                "deprecated", hint="delete it and set the top-level `main` instead")  # fmt: skip
        if isinstance(main, str):
            ctx.add("EM360", ("site", "entry-point"), "site.entry-point", "both `main` and "
                    "site.entry-point are set; wrangler refuses that")  # fmt: skip
    _check_triggers(ctx, raw)
    _check_placement(ctx, raw)
    _check_observability(ctx, raw)
    for index, rule in items(raw, "rules"):
        if rule.get("type") not in _MODULE_TYPES:
            ctx.add("EM361", ("rules", index, "type"), f"rules[{index}].type", f"rules[{index}]"
                    f".type must be one of {', '.join(_MODULE_TYPES)}, not "
                    f"{kind_of(rule.get('type'))}")  # fmt: skip
    _check_previews(ctx, raw)


def _check_triggers(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    for index, event in items(raw, "triggers", "events"):
        path = f"triggers.events[{index}]"
        targets = event.get("targets")
        if not isinstance(targets, list) or not targets:
            ctx.add("EM362", ("triggers", "events", index), path, f"{path}.targets must be a "
                    f"non-empty list of workflow targets, not {kind_of(targets)}"
                    + (" (empty)" if targets == [] else ""))  # fmt: skip
        for j, target in enumerate(targets if isinstance(targets, list) else []):
            name = target.get("workflow_name") if isinstance(target, dict) else None
            if (
                not isinstance(target, dict)
                or target.get("type") != "workflow"
                or not (isinstance(name, str) and name)
            ):
                ctx.add("EM362", ("triggers", "events", index, "targets", j),
                        f"{path}.targets[{j}]", f"{path}.targets[{j}] must be a workflow target "
                        'with type = "workflow" and a non-empty workflow_name')  # fmt: skip
        event_filter = event.get("filter")
        if isinstance(event_filter, dict) and any(
            k not in ("namespace", "repo_name") or not isinstance(v, str)
            for k, v in event_filter.items()
        ):
            ctx.add("EM362", ("triggers", "events", index, "filter"), f"{path}.filter",
                    f'{path}.filter may only hold string "namespace" and "repo_name"')  # fmt: skip


def _check_placement(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    placement = raw.get("placement")
    if not isinstance(placement, dict):
        return
    targeted = [k for k in _TARGETED if k in placement]
    if "hint" in placement and targeted:
        ctx.add("EM321", ("placement",), "placement", 'placement cannot have both "hint" '
                '(smart) and "region"/"host"/"hostname" (targeted)')  # fmt: skip
    if len(targeted) > 1:
        ctx.add("EM321", ("placement",), "placement", f"placement fields {', '.join(targeted)} "
                "are mutually exclusive; give only one")  # fmt: skip
    if placement.get("hint") and placement.get("mode", "smart") != "smart":
        ctx.add("EM321", ("placement", "hint"), "placement.hint", 'placement.hint can only be '
                'set when placement.mode is "smart"')  # fmt: skip


def _check_observability(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    for prefix in ((), ("previews",)):
        node: Any = raw
        for part in prefix:
            node = node.get(part) if isinstance(node, dict) else None
        observability = node.get("observability") if isinstance(node, dict) else None
        if not isinstance(observability, dict) or not observability:
            continue
        logs, traces = observability.get("logs"), observability.get("traces")
        if not (
            "enabled" in observability
            or (isinstance(logs, dict) and "enabled" in logs)
            or (isinstance(traces, dict) and "enabled" in traces)
        ):
            where = ".".join((*prefix, "observability"))
            ctx.add("EM363", (*prefix, "observability"), where, f"{where} sets none of enabled, "
                    "logs.enabled and traces.enabled; wrangler requires one",
                    hint="add enabled = true")  # fmt: skip


def _check_previews(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    classes: set[str] = set()
    for index, container in items(raw, "previews", "containers"):
        path = f"previews.containers[{index}]"
        if "name" in container:
            ctx.add("EM364", ("previews", "containers", index, "name"), f"{path}.name",
                    f"{path}.name cannot be set; preview container names are generated")  # fmt: skip
        class_name = container.get("class_name")
        if isinstance(class_name, str) and class_name in classes:
            ctx.add("EM364", ("previews", "containers", index, "class_name"),
                    f"{path}.class_name", "previews.containers declares more than one container "
                    f"for the Durable Object class {class_name!r}")  # fmt: skip
        if isinstance(class_name, str):
            classes.add(class_name)
        if not container.get("image"):
            ctx.add("EM347", ("previews", "containers", index), path, f'{path}.image must be '
                    "defined: the path to a Dockerfile or an image registry reference")  # fmt: skip
