"""wrangler's container rules: names, images, rollouts, instance types, SSH keys, constraints."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from envman.wrangler.findings import Ctx, kind_of
from envman.wrangler.rules_durable import containers_of

_STEPS = (5, 10, 20, 25, 50, 100)
_INSTANCE_TYPES = ("lite", "basic", "standard-1", "standard-2", "standard-3", "standard-4")
_RENAMED = {"dev": "lite", "standard": "standard-1"}
_SCHEDULING = ("regional", "moon", "default")
_JURISDICTIONS = ("eu", "fedramp")
_REGIONS = ("ENAM", "WNAM", "EEUR", "WEUR", "APAC", "SAM", "ME", "OC", "AFR")
_CONFIGURATION_KEYS = frozenset(("image", "secrets", "labels", "disk", "vcpu", "memory_mib"))
"""What wrangler reads from the deprecated `containers[].configuration` (its schema has none)."""
_DEPRECATED = {
    "configuration": 'use the top-level "containers" fields instead',
    "instances": 'use "max_instances" instead',
    "durable_objects": 'use "class_name" instead',
    "wrangler_ssh": 'use "ssh" instead',
}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_containers(ctx: Ctx, raw: Mapping[str, Any], root: Path | None) -> None:
    """EM347 (invalid container), EM348 (deprecated), EM349 (duplicate names or classes)."""
    cloudchamber = raw.get("cloudchamber")
    if (
        isinstance(cloudchamber, dict)
        and "instance_type" in cloudchamber
        and ("memory" in cloudchamber or "vcpu" in cloudchamber)
    ):
        ctx.add(
            "EM347",
            ("cloudchamber", "instance_type"),
            "cloudchamber.instance_type",
            'cloudchamber cannot set "memory" or "vcpu" together with "instance_type"',
            hint="keep the instance_type preset, or memory and vcpu without it",
        )
    names: dict[str, int] = {}
    classes: dict[str, int] = {}
    for index, container, name in containers_of(raw):
        loc, path = ("containers", index), f"containers[{index}]"
        _check_one(ctx, raw, loc, path, container, root)
        if name is not None:
            if name in names:
                ctx.add(
                    "EM349",
                    (*loc, "name"),
                    f"{path}.name",
                    f'"containers" has more than '
                    f"one container named {name!r}; container names must be unique",
                )
            names.setdefault(name, index)
        class_name = container.get("class_name")
        if isinstance(class_name, str):
            if class_name in classes:
                ctx.add(
                    "EM349",
                    (*loc, "class_name"),
                    f"{path}.class_name",
                    "more than one "
                    f"container is attached to the Durable Object {class_name!r}; a "
                    "Durable Object can have only one container",
                )
            classes.setdefault(class_name, index)


def _check_one(ctx: Ctx, raw: Mapping[str, Any], loc: tuple[str | int, ...], path: str,
               c: dict[str, Any], root: Path | None) -> None:  # fmt: skip
    def bad(key: str | tuple[str | int, ...], message: str, hint: str | None = None) -> None:
        at = (*loc, *((key,) if isinstance(key, str) else key))
        ctx.add("EM347", at, ctx.where(at), message, hint=hint)

    for key, instead in _DEPRECATED.items():
        if key in c:
            ctx.add("EM348", (*loc, key), f"{path}.{key}", f"containers.{key} is deprecated; "
                    f"{instead}")  # fmt: skip
    if "name" not in c and "class_name" not in c:
        bad("name", '"containers.name" is required when "containers.class_name" is not defined')
    elif "name" not in c and not isinstance(raw.get("name"), str):
        bad("name", 'a container needs "name", or a Worker "name" and "class_name" to derive '
            "one from")  # fmt: skip
    configuration = c.get("configuration")
    if "configuration" in c and not isinstance(configuration, dict):
        bad("configuration", '"containers.configuration" should be a table')
        configuration = None
    for key in sorted(set(configuration or ()) - _CONFIGURATION_KEYS):
        ctx.add("EM310", (*loc, "configuration", key), f"{path}.configuration.{key}",
                f"unknown key `{key}` in `{path}.configuration`; wrangler only warns and "
                "ignores it")  # fmt: skip
    image = c.get("image") or (configuration or {}).get("image")
    if not image:
        bad("image", '"containers.image" must be defined for each container: the path to a '
            "Dockerfile or an image registry reference")  # fmt: skip
    elif isinstance(image, str) and root is not None:
        problem = image_problem(image, root)
        if problem:
            bad("image", problem)
    if (
        "instance_type" in c
        and configuration
        and any(k in configuration for k in ("disk", "vcpu", "memory_mib"))
    ):
        bad("configuration", 'custom limits in "containers.configuration" cannot be combined '
            'with a preset "instance_type"')  # fmt: skip
    unsafe = c.get("unsafe")
    if (unsafe and not isinstance(unsafe, dict)) or isinstance(unsafe, list):
        ctx.add("EM311", (*loc, "unsafe"), f"{path}.unsafe", f"{path}.unsafe must be a table, "
                f"not {kind_of(unsafe)}")  # fmt: skip
    _check_rollout(bad, c)
    if _number(c.get("max_instances")) and c["max_instances"] < 0:
        bad("max_instances", f"containers.max_instances must be positive, not {c['max_instances']}")
    policy = c.get("scheduling_policy")
    if isinstance(policy, str) and policy not in _SCHEDULING:
        bad("scheduling_policy", f"containers.scheduling_policy {policy!r} is not one of "
            f"{', '.join(_SCHEDULING)}")  # fmt: skip
    kind = c.get("instance_type")
    if isinstance(kind, str):
        if kind in _RENAMED:
            ctx.add("EM348", (*loc, "instance_type"), f"{path}.instance_type", f'instance_type '
                    f'"{kind}" was renamed to "{_RENAMED[kind]}" and will be removed',
                    hint=f'instance_type = "{_RENAMED[kind]}"')  # fmt: skip
        elif kind not in _INSTANCE_TYPES:
            bad("instance_type", f"containers.instance_type {kind!r} is not one of "
                f"{', '.join(_INSTANCE_TYPES)}")  # fmt: skip
    _check_ssh(bad, c)
    _check_constraints(ctx, bad, loc, path, c.get("constraints"))


def image_problem(image: str, root: Path) -> str | None:
    """Why wrangler would refuse `image` as a Dockerfile path or registry reference, or None."""
    candidate = root / image
    if candidate.is_dir():
        return f"{image} is a directory; give the path to the Dockerfile"
    if candidate.exists():
        return None
    prefix = f"the image {image!r} is neither an existing Dockerfile nor a registry reference"
    try:
        urlsplit(f"https://{image}")
    except ValueError as error:
        return f"{prefix}: {error}"
    if ":" not in image.split("/")[-1]:
        return f"{prefix}: a registry reference needs at least a tag, e.g. docker.io/httpd:1"
    if "://" in image:
        return f"{prefix}: leave out the protocol (docker.io/httpd:1, not https://…)"
    return None


def _check_rollout(bad: Any, c: dict[str, Any]) -> None:
    step = c.get("rollout_step_percentage")
    if _number(step) and step not in _STEPS:
        bad("rollout_step_percentage", "containers.rollout_step_percentage must be one of "
            f"{', '.join(map(str, _STEPS))}, not {step}")  # fmt: skip
    elif isinstance(step, list):
        numbers = [s for s in step if _number(s)]
        if len(numbers) < len(step):
            bad("rollout_step_percentage", "containers.rollout_step_percentage steps must be "
                "numbers")  # fmt: skip
        if any(b < a for a, b in itertools.pairwise(numbers)):
            bad("rollout_step_percentage", "containers.rollout_step_percentage steps must be "
                "in ascending order")  # fmt: skip
        if numbers and numbers[-1] != 100:
            bad("rollout_step_percentage", "the final step of containers.rollout_step_percentage "
                f"must be 100, not {numbers[-1]}")  # fmt: skip
        if any(not 10 <= s <= 100 for s in numbers):
            bad("rollout_step_percentage", "containers.rollout_step_percentage steps must be "
                "between 10 and 100")  # fmt: skip
        maximum: Any = c.get("max_instances")
        if _number(maximum) and len(step) > maximum:
            bad("rollout_step_percentage", f"containers.rollout_step_percentage cannot have "
                f"more steps ({len(step)}) than max_instances ({maximum})")  # fmt: skip
    grace: Any = c.get("rollout_active_grace_period")
    if "rollout_active_grace_period" in c and not (_number(grace) and grace >= 0):
        bad("rollout_active_grace_period", "containers.rollout_active_grace_period must be a "
            f"positive number, not {kind_of(grace)}")  # fmt: skip
    rollout_kind = c.get("rollout_kind")
    if "rollout_kind" in c and rollout_kind not in ("full_auto", "full_manual", "none"):
        bad("rollout_kind", "containers.rollout_kind must be one of full_auto, full_manual, "
            f"none, not {kind_of(rollout_kind)}")  # fmt: skip


def _check_ssh(bad: Any, c: dict[str, Any]) -> None:
    for key in ("ssh", "wrangler_ssh"):
        ssh = c.get(key)
        if not isinstance(ssh, dict):
            continue
        if not isinstance(ssh.get("enabled"), bool):
            bad((key, "enabled") if "enabled" in ssh else key,
                f"containers.{key}.enabled must be true or false")  # fmt: skip
        port: Any = ssh.get("port")
        if "port" in ssh and not (_number(port) and 1 <= port <= 65535):
            bad((key, "port"), f"containers.{key}.port must be a number from 1 to 65535")
    for key in ("authorized_keys", "trusted_user_ca_keys"):
        keys = c.get(key)
        for index, entry in enumerate(keys if isinstance(keys, list) else []):
            if not isinstance(entry, dict):
                continue
            if key == "authorized_keys" and not isinstance(entry.get("name"), str):
                bad((key, index, "name") if "name" in entry else (key, index),
                    f"containers.{key}[{index}].name must be a string")  # fmt: skip
            public = entry.get("public_key")
            if isinstance(public, str) and not public.lower().startswith("ssh-ed25519"):
                bad((key, index, "public_key"), f"containers.{key}[{index}].public_key is not "
                    "an ED25519 key; wrangler supports only those")  # fmt: skip


def _check_constraints(ctx: Ctx, bad: Any, loc: tuple[str | int, ...], path: str,
                       constraints: Any) -> None:  # fmt: skip
    if not isinstance(constraints, dict):
        return
    if "tier" in constraints:
        ctx.add("EM348", (*loc, "constraints", "tier"), f"{path}.constraints.tier",
                'constraints.tier is deprecated in favour of constraints.tiers')  # fmt: skip
        if "tiers" in constraints:
            bad("constraints", "containers.constraints.tier and containers.constraints.tiers "
                "cannot both be set")  # fmt: skip
    tiers = constraints.get("tiers")
    if "tiers" in constraints and not (isinstance(tiers, list) and all(_number(t) for t in tiers)):
        bad(("constraints", "tiers"), "containers.constraints.tiers must be a list of numbers")
    jurisdiction = constraints.get("jurisdiction")
    if jurisdiction and jurisdiction not in _JURISDICTIONS:
        bad(("constraints", "jurisdiction"), 'containers.constraints.jurisdiction must be "eu" '
            'or "fedramp"')  # fmt: skip
    regions = constraints.get("regions")
    for index, region in enumerate(regions if isinstance(regions, list) else []):
        if not isinstance(region, str) or region.upper() not in _REGIONS:
            bad(("constraints", "regions", index), "containers.constraints.regions has the "
                f"invalid region {region!r}; valid: {', '.join(_REGIONS)}")  # fmt: skip
