"""Reads the routes and custom domains of Workers: zones listed once per run, shared lookups.

A route without `zone_id`/`zone_name` is read from the zone wrangler deploys it to: the
account zone whose name is the longest suffix of the route's host. Zones come from one
listing of the account's zones (`GET /zones?account.id=`, every page) per run.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from envman.live.client import Requester, Tally
from envman.live.normalise import ReadFailure, expect_field

if TYPE_CHECKING:
    from envman.live.targets import Target

_ZONE_ID = re.compile(r"^[0-9a-f]{32}$")


class RouteReader(Requester):
    """The route reads of a live read, on top of its requests."""

    async def _routes(self, target: Target) -> tuple[list[dict[str, Any]] | None, str | None]:
        """Zone routes pointing at this script, then its custom domains; or why not read.

        A zone that cannot be found (or a lookup that fails) leaves the routes unread: the
        reason is returned, and the routes are unknown, never reported as empty.
        """
        routes: list[dict[str, Any]] = []
        try:
            wanted: dict[str, dict[str, str]] = {}
            for zone in target.zones:
                if _ZONE_ID.match(zone):
                    wanted[zone] = {"zone_id": zone}
                else:
                    wanted[await self._zone_named(zone)] = {"zone_name": zone}
            for host in target.hosts:
                zone_id, name = await self._zone_of_host(host)
                wanted.setdefault(zone_id, {"zone_name": name})
            for zone_id, where in wanted.items():
                zone_routes = partial(self._zone_routes, zone_id)
                for route in await self.shared(("routes", zone_id), zone_routes):
                    if route.get("script") == target.script:
                        routes.append({"pattern": route["pattern"], **where})
            domains = await self.shared("domains", self._domains)
        except ReadFailure as failure:
            return None, f"routes not read: {failure}"
        for domain in domains:
            if domain.get("service") == target.script:
                routes.append({"pattern": domain["hostname"], "custom_domain": True})
        return sorted(routes, key=lambda r: (r["pattern"], bool(r.get("custom_domain")))), None

    async def _account_zones(self, tally: Tally) -> dict[str, str]:
        """Every zone of the account the token can read, name -> id (one listing per run)."""
        what = f"GET /zones?account.id={self.account}"
        zones = await self.get_pages(
            what,
            lambda page: self.api(
                "zones", query={"account.id": self.account, "per_page": 50, **page}
            )(),
            tally,
        )
        return {
            str(expect_field(z, "name", str, what)).lower(): expect_field(z, "id", str, what)
            for z in zones
        }

    async def _zone_named(self, name: str) -> str:
        zones: dict[str, str] = await self.shared("zones", self._account_zones)
        zone_id = zones.get(name.lower())
        if zone_id is None:
            raise ReadFailure(
                f"zone {name!r} is not among the account's zones "
                "(does the token have Zone:Read on it?)"
            )
        return zone_id

    async def _zone_of_host(self, host: str) -> tuple[str, str]:
        """The zone wrangler deploys a zone-less route to: the longest zone name suffixing `host`."""
        zones: dict[str, str] = await self.shared("zones", self._account_zones)
        name = zone_for_host(host, zones)
        if name is None:
            raise ReadFailure(
                f"no zone of the account matches host {host!r} "
                "(does the token have Zone:Read on it?)"
            )
        return zones[name], name

    async def _zone_routes(self, zone_id: str, tally: Tally) -> list[dict[str, Any]]:
        what = f"GET /zones/{zone_id}/workers/routes"
        routes: list[dict[str, Any]] = await self.get_pages(
            what,
            lambda page: self.api("zones", zone_id, "workers", "routes", query=page)(),
            tally,
        )
        for route in routes:
            expect_field(route, "pattern", str, what)
        return routes

    async def _domains(self, tally: Tally) -> list[dict[str, Any]]:
        what = f"GET /accounts/{self.account}/workers/domains"
        domains: list[dict[str, Any]] = await self.get_pages(
            what,
            lambda page: self.api("accounts", self.account, "workers", "domains", query=page)(),
            tally,
        )
        for domain in domains:
            expect_field(domain, "hostname", str, what)
        return domains


def host_of(pattern: str) -> str:
    """The host of a route pattern as wrangler reads it (`*.example.com/api/*` -> `example.com`)."""
    host = pattern.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    return host.lstrip("*").lstrip(".").lower()


def zone_for_host(host: str, zones: Mapping[str, str]) -> str | None:
    """The longest zone name in `zones` that is `host` or a suffix of it at a label boundary."""
    host = host.lower()
    matches = [name for name in zones if host == name or host.endswith("." + name)]
    return max(matches, key=len) if matches else None
