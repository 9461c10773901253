"""What a live read is asked for and what it returns: targets, optional reads, results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from envman.models import LiveWorker

READS = frozenset({"secrets", "schedules", "subdomain", "routes", "migrations"})
"""The optional reads of a Worker; settings and the active deployment are always read."""

READ_FIELDS = {
    "secrets": ("secrets",),
    "schedules": ("triggers",),
    "subdomain": ("workers_dev", "preview_urls"),
    "routes": ("routes",),
    "migrations": ("migrations",),
}
"""The WorkerConfig fields each optional read fills."""


@dataclass(frozen=True)
class Target:
    """One environment's Worker to read; `zones` are the zone names or ids its routes name,
    `hosts` the hosts of its routes that name no zone.

    `reads` names the optional reads to make (settings and the active deployment are
    always read): a drift check skips what the environment does not declare, since an
    unmanaged field is not compared; a snapshot reads everything.
    """

    env: str
    script: str
    zones: tuple[str, ...] = ()
    reads: frozenset[str] = READS
    hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class LiveRead:
    """The result of one live read.

    `workers` holds every environment that was read (a missing Worker has
    `exists=False`); `errors` every environment that could not be read, with the reason.
    Each environment is in exactly one of them. `unsupported` lists, per environment,
    the bindings envman cannot model as `"<type> <name>"` (e.g. `"workflow ORDERS"`), to
    be reported as unexpected (the same as `LiveWorker.unsupported`). `requests` counts
    every HTTP request of the run (retries and shared lookups included); `elapsed` is in
    seconds.
    """

    workers: dict[str, LiveWorker]
    errors: dict[str, str]
    requests: int
    elapsed: float
    unsupported: dict[str, list[str]] = field(default_factory=dict)


def expected_requests(targets: Sequence[Target]) -> int:
    """About how many requests reading `targets` takes (retries and pages not foreseen).

    Per Worker: settings, the deployments and each of its own optional reads (secrets,
    schedules, subdomain); once per run: the custom domains and a zone id and a route list
    per zone named (when routes are read), and the scripts list (when migrations are).
    """
    own = {"secrets", "schedules", "subdomain"}
    per_worker = sum(2 + len(own & set(target.reads)) for target in targets)
    routes = [target for target in targets if "routes" in target.reads]
    zones = {zone for target in routes for zone in target.zones}
    per_run = (1 + 2 * len(zones) if routes else 0) + any(
        "migrations" in target.reads for target in targets
    )
    return per_worker + per_run
