"""Writes declared settings back to a live Worker through the SDK, for `envman reconcile --push`.

Only what the API changes without a code upload: the settings PATCH (multipart part
`settings`: bindings, vars, compatibility date/flags, usage model, limits, placement,
observability, logpush, tail consumers; every binding that is not changed is sent as
`inherit`, so secrets and bindings envman cannot read or does not model are kept), the
cron schedules (PUT), the workers.dev subdomain (POST) and the zone routes and custom
domains of the Worker. Writes are never retried (a retried POST can duplicate); the
first failure stops the push and is raised as a LiveStateError naming what was done.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from envman.errors import LiveStateError
from envman.live.client import OMIT, Tally
from envman.live.normalise import ReadFailure, expect_field
from envman.live.routes import RouteReader, host_of, zone_for_host
from envman.live.transport import make_client

if TYPE_CHECKING:
    from envman.settings import Settings


@dataclass(frozen=True)
class Push:
    """Everything to write to one Worker; None (or empty) for what stays as it is."""

    script: str
    settings: dict[str, Any] | None = None
    crons: tuple[str, ...] | None = None
    subdomain: tuple[bool, bool | None] | None = None
    """(workers.dev enabled, preview URLs enabled or None for the API's default)."""
    routes: tuple[dict[str, Any], ...] | None = None
    """The declared routes (zone routes and custom domains) the Worker must have exactly."""
    message: str = "envman reconcile --push"


@dataclass
class Pushed:
    """What a push did: one line per write, and its requests."""

    done: list[str] = field(default_factory=list)
    requests: int = 0


def push_sync(push: Push, *, settings: Settings, token: str, account_id: str) -> Pushed:
    """Write `push` to the live Worker; a LiveStateError (exit 3) on the first failure."""
    return asyncio.run(_push(push, settings=settings, token=token, account_id=account_id))


async def _push(push: Push, *, settings: Settings, token: str, account_id: str) -> Pushed:
    settings = settings.model_copy(update={"max_retries": 0})
    pushed = Pushed()
    async with make_client(settings, token) as client:
        run = _Writer(
            client,
            settings,
            account_id,
            deadline=time.monotonic() + settings.timeout,
            clock=time.monotonic,
            sleep=asyncio.sleep,
        )
        try:
            await run.write(push, pushed)
        except ReadFailure as failure:
            done = "; ".join(pushed.done) or "nothing"
            raise LiveStateError(
                f"push to {push.script} failed: {failure}",
                hint=f"already written: {done}. Run `envman drift` to see where it stands.",
            ) from None
        finally:
            pushed.requests = run.requests
    return pushed


class _Writer(RouteReader):
    async def write(self, push: Push, pushed: Pushed) -> None:
        scripts = self.client.workers.scripts
        base = f"/accounts/{self.account}/workers/scripts/{push.script}"
        tally = Tally()
        if push.settings:
            part = {**push.settings, "annotations": {"workers/message": push.message}}
            await self.get(
                f"PATCH {base}/settings",
                partial(
                    scripts.script_and_version_settings.with_raw_response.edit,
                    push.script,
                    account_id=self.account,
                    settings=part,  # type: ignore[arg-type]
                ),
                tally,
            )
            pushed.done.append(f"settings ({', '.join(sorted(push.settings))})")
        if push.crons is not None:
            await self.get(
                f"PUT {base}/schedules",
                partial(
                    scripts.schedules.with_raw_response.update,
                    push.script,
                    account_id=self.account,
                    body=[{"cron": c} for c in push.crons],
                ),
                tally,
            )
            pushed.done.append("cron triggers")
        if push.subdomain is not None:
            enabled, previews = push.subdomain
            await self.get(
                f"POST {base}/subdomain",
                partial(
                    scripts.subdomain.with_raw_response.create,
                    push.script,
                    account_id=self.account,
                    enabled=enabled,
                    previews_enabled=OMIT if previews is None else previews,
                ),
                tally,
            )
            pushed.done.append("workers.dev")
        if push.routes is not None:
            await self._routes_to(push, pushed, tally)

    async def _routes_to(self, push: Push, pushed: Pushed, tally: Tally) -> None:
        zones: dict[str, str] = await self.shared("zones", self._account_zones)
        wanted: dict[str, set[str]] = {}
        domains: dict[str, str | None] = {}
        for route in push.routes or ():
            pattern = str(route["pattern"])
            zone_id = _zone_of(route, zones)
            if route.get("custom_domain"):
                domains[pattern] = zone_id
            elif zone_id is None:
                raise ReadFailure(f"no zone of the account for route {pattern!r}")
            else:
                wanted.setdefault(zone_id, set()).add(pattern)
        routes = self.client.workers.routes
        for zone_id, patterns in sorted(wanted.items()):
            current = await self._zone_routes(zone_id, tally)
            mine = {r["pattern"]: r for r in current if r.get("script") == push.script}
            for pattern, route in sorted(mine.items()):
                if pattern not in patterns:
                    await self.get(
                        f"DELETE /zones/{zone_id}/workers/routes",
                        partial(routes.with_raw_response.delete, str(route["id"]), zone_id=zone_id),
                        tally,
                    )
                    pushed.done.append(f"route {pattern} removed")
            for pattern in sorted(patterns - set(mine)):
                await self.get(
                    f"POST /zones/{zone_id}/workers/routes",
                    partial(
                        routes.with_raw_response.create,
                        zone_id=zone_id,
                        pattern=pattern,
                        script=push.script,
                    ),
                    tally,
                )
                pushed.done.append(f"route {pattern} added")
        await self._domains_to(push, domains, pushed, tally)

    async def _domains_to(
        self, push: Push, domains: dict[str, str | None], pushed: Pushed, tally: Tally
    ) -> None:
        api = self.client.workers.domains
        current = {
            str(d["hostname"]): str(expect_field(d, "id", str, "domains"))
            for d in await self._domains(tally)
            if d.get("service") == push.script
        }
        for hostname, domain_id in sorted(current.items()):
            if hostname not in domains:
                await self.get(
                    "DELETE /workers/domains",
                    partial(api.with_raw_response.delete, domain_id, account_id=self.account),
                    tally,
                )
                pushed.done.append(f"custom domain {hostname} removed")
        for hostname, zone_id in sorted(domains.items()):
            if hostname in current:
                continue
            await self.get(
                "PUT /workers/domains",
                partial(
                    api.with_raw_response.update,
                    account_id=self.account,
                    hostname=hostname,
                    service=push.script,
                    zone_id=zone_id or OMIT,
                ),
                tally,
            )
            pushed.done.append(f"custom domain {hostname} added")


def _zone_of(route: dict[str, Any], zones: dict[str, str]) -> str | None:
    if route.get("zone_id"):
        return str(route["zone_id"])
    if route.get("zone_name"):
        return zones.get(str(route["zone_name"]).lower())
    name = zone_for_host(host_of(str(route["pattern"])), zones)
    return zones[name] if name else None
