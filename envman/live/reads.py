"""Reads live Worker state from Cloudflare through the official SDK, bounded and rate-limited.

One run reads many environments concurrently; a failure fails its environment only.
Requests, their limits and retries are `envman.live.client`'s; the limiter and the
backoff and Retry-After rules are pure and live in `envman.live.ratelimit`.

Every body is read as raw JSON and checked (`success` true, `result` present): the SDK
coerces unknown binding types (quirk 3), cannot parse versions (quirk 1) or the
deployments list (quirk 2), and turns `success: false` into `None` (quirk 4).
`envman.live_normalise` turns each checked result into a WorkerConfig.

Requests per Worker: settings, secrets, schedules, subdomain, deployments (5 at most; a
drift check skips what the environment does not declare), plus one per version when the
active deployment splits traffic. Once per run, shared by all Workers that declare
routes: the account's zones (`GET /zones?account.id=`, every page), each zone's routes
and the account's custom domains.

A field whose live side could not be read is in `LiveWorker.unread` with the reason,
never absent-as-empty: routes of a zone the token cannot see are unknown, not `[]`.
A route without `zone_id`/`zone_name` is read from the zone wrangler deploys it to: the
account zone whose name is the longest suffix of the route's host.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from envman.errors import LiveStateError
from envman.live.client import Raw, Tally
from envman.live.normalise import (
    ReadFailure,
    expect,
    expect_field,
    parse_crons,
    parse_secrets,
    settings_config,
    version_config,
)
from envman.live.ratelimit import Clock, Sleep
from envman.live.routes import RouteReader
from envman.live.targets import READ_FIELDS, LiveRead, Target, expected_requests
from envman.live.transport import make_client
from envman.models import LiveWorker

if TYPE_CHECKING:
    from envman.settings import Settings


async def read_live(
    targets: Sequence[Target],
    *,
    settings: Settings,
    account_id: str,
    progress: Callable[[str], None] | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
) -> LiveRead:
    """Read the live Worker of every target, concurrently, within `settings.timeout`.

    `progress(message)` is called as each Worker is read; when `progress` also has a
    `requests(done, expected)` method, that is called after each request.

    Raises LiveStateError only when nothing can be read (no token, no account, a token
    Cloudflare refuses: the run stops at the first refusal); anything that fails one
    environment is in `LiveRead.errors`, never silently absent.
    """
    envs = [target.env for target in targets]
    if len(set(envs)) != len(envs):
        raise ValueError(f"one target per environment, got {envs}")
    token = (
        settings.cloudflare_api_token.get_secret_value() if settings.cloudflare_api_token else ""
    )
    if not token:
        raise LiveStateError(
            "no Cloudflare API token: cannot read live state",
            hint="set CLOUDFLARE_API_TOKEN to an API token with Workers Scripts:Read "
            "(and Zone:Read for routes)",
        )
    if not account_id:
        raise LiveStateError(
            "no Cloudflare account id: cannot read live state",
            hint="set CLOUDFLARE_ACCOUNT_ID or account_id in envman.toml",
        )
    start = clock()
    if not targets:
        return LiveRead(workers={}, errors={}, requests=0, elapsed=0.0)
    async with make_client(settings, token) as client:
        run = _Reader(
            client,
            settings,
            account_id,
            deadline=start + settings.timeout,
            clock=clock,
            sleep=sleep,
        )
        tick = getattr(progress, "requests", None)
        if callable(tick):
            expected = expected_requests(targets)
            run.on_request = lambda done: tick(done, max(done, expected))
        tasks = {t.env: asyncio.create_task(run.read(t, progress)) for t in targets}
        try:
            pending: set[asyncio.Task[Any]] = set(tasks.values())
            while pending and not run.stopped:
                left = start + settings.timeout - clock()
                if left <= 0:
                    break
                done, pending = await asyncio.wait(
                    pending, timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
                if not done:  # the run's timeout passed
                    break
        finally:
            for task in (*tasks.values(), *run.shared_tasks()):
                task.cancel()
            await asyncio.gather(*tasks.values(), *run.shared_tasks(), return_exceptions=True)
    if run.stopped:
        # one message, not one per environment: no other request could have succeeded
        raise LiveStateError(
            f"Cloudflare refused the API token: {run.stopped}",
            hint="check CLOUDFLARE_API_TOKEN: an API token with Workers Scripts:Read "
            "(and Zone:Read for routes) on this account",
        )
    workers: dict[str, LiveWorker] = {}
    errors: dict[str, str] = {}
    unsupported: dict[str, list[str]] = {}
    for env, task in tasks.items():
        if task.cancelled():
            errors[env] = f"not read within the run timeout of {settings.timeout:g} s"
            continue
        outcome = task.result()  # a bug (not a ReadFailure) propagates: exit 4
        if isinstance(outcome, str):
            errors[env] = outcome
            continue
        worker, odd = outcome
        workers[env] = worker
        if odd:
            unsupported[env] = odd
    return LiveRead(
        workers=workers,
        errors=errors,
        requests=run.requests,
        elapsed=clock() - start,
        unsupported=unsupported,
    )


def read_live_sync(
    targets: Sequence[Target],
    *,
    settings: Settings,
    account_id: str,
    progress: Callable[[str], None] | None = None,
) -> LiveRead:
    """`read_live` in a fresh event loop; the run is bounded by `settings.timeout`."""
    return asyncio.run(
        read_live(targets, settings=settings, account_id=account_id, progress=progress)
    )


class _Reader(RouteReader):
    """One live read: the Worker-level reads on top of the run's requests."""

    # ------------------------------------------------------------------ one Worker

    async def read(
        self, target: Target, progress: Callable[[str], None] | None
    ) -> tuple[LiveWorker, list[str]] | str:
        """One environment: its LiveWorker and unsupported bindings, or the failure reason."""
        tally = Tally()
        try:
            outcome = await self._read(target, tally)
        except ReadFailure as failure:
            if progress:
                progress(f"{target.env}: failed: {failure}")
            return str(failure)
        if progress:
            progress(f"{target.env}: read {target.script} ({tally.requests} requests)")
        return outcome

    async def _read(self, target: Target, tally: Tally) -> tuple[LiveWorker, list[str]]:
        script, account = target.script, self.account
        base = f"GET /accounts/{account}/workers/scripts/{script}"
        what = f"{base}/settings"
        settings = await self.get(
            what,
            self.api("accounts", account, "workers", "scripts", script, "settings"),
            tally,
            missing_ok=True,
        )
        if settings is None:
            return LiveWorker(
                env=target.env, script=script, exists=False, requests=tally.requests
            ), []
        expect(settings, dict, what)
        optional: dict[str, Callable[[], Awaitable[Raw]]] = {
            "schedules": self.api("accounts", account, "workers", "scripts", script, "schedules"),
            "subdomain": self.api("accounts", account, "workers", "scripts", script, "subdomain"),
        }
        calls = {
            name: self.get(f"{base}/{name}", call, tally)
            for name, call in optional.items()
            if name in target.reads
        }
        if "secrets" in target.reads:
            calls["secrets"] = self.get_pages(
                f"{base}/secrets",
                lambda page: self.api(
                    "accounts", account, "workers", "scripts", script, "secrets", query=page
                )(),
                tally,
            )
        calls["deployment"] = self._deployment(script, base, tally)
        if "routes" in target.reads:
            calls["routes"] = self._routes(target)
        if "migrations" in target.reads:
            calls["migrations"] = self.shared("scripts", self._migration_tags)
        if not {"logpush", "observability", "tail_consumers"} & settings.keys():
            # Older API shape without them in settings: one more request.
            calls["script_settings"] = self.get(
                f"{base}/script-settings",
                self.api("accounts", account, "workers", "scripts", script, "script-settings"),
                tally,
            )
        results = await _all(calls)
        for key in ("logpush", "observability", "tail_consumers"):
            if key not in settings and key in (results.get("script_settings") or {}):
                settings[key] = results["script_settings"][key]
        unsupported: list[str] = []
        unread = {
            field: "not requested"
            for read, fields in READ_FIELDS.items()
            if read not in target.reads
            for field in fields
        }
        routes, why = results.get("routes", (None, None))
        if why is not None:
            unread["routes"] = why
        tags = results.get("migrations")
        if isinstance(tags, str):
            unread["migrations"] = tags
        secrets = (
            parse_secrets(results["secrets"], f"{base}/secrets") if "secrets" in results else None
        )
        config = settings_config(
            script,
            account,
            settings,
            what,
            unsupported,
            secrets=secrets,
            crons=parse_crons(results["schedules"], f"{base}/schedules")
            if "schedules" in results
            else None,
            subdomain=expect(results["subdomain"], dict, f"{base}/subdomain")
            if "subdomain" in results
            else None,
            routes=routes,
            migration_tag=tags.get(script, "") if isinstance(tags, dict) else None,
        )
        deployment, versions = results["deployment"]
        version_configs = {
            version_id: version_config(script, result, f"{base}/versions/{version_id}", unsupported)
            for version_id, result in versions.items()
        }
        worker = LiveWorker(
            env=target.env,
            script=script,
            exists=True,
            config=config,
            secret_types={s["name"]: s["type"] for s in secrets or ()},
            deployment=deployment,
            versions=version_configs,
            unsupported=tuple(sorted(set(unsupported))),
            unread=unread,
            requests=tally.requests,
        )
        return worker, list(worker.unsupported)

    async def _migration_tags(self, tally: Tally) -> dict[str, str] | str:
        """Each script's applied Durable Object migration tag ("" for none), or why unread."""
        what = f"GET /accounts/{self.account}/workers/scripts"
        try:
            scripts = await self.get_pages(
                what,
                lambda page: self.api("accounts", self.account, "workers", "scripts", query=page)(),
                tally,
            )
        except ReadFailure as failure:
            return f"migration tags not read: {failure}"
        return {
            str(expect_field(s, "id", str, what)): str(s.get("migration_tag") or "")
            for s in scripts
        }

    async def _deployment(
        self, script: str, base: str, tally: Tally
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """The active deployment, and the raw version of each when traffic is split."""
        what = f"{base}/deployments"
        deployments = await self.get_pages(
            what,
            # raw: the SDK's deployments.list() iterates to nothing (quirk 2)
            lambda page: self.api(
                "accounts", self.account, "workers", "scripts", script, "deployments", query=page
            )(),
            tally,
            key="deployments",
        )
        if not deployments:
            return None, {}
        # the newest deployment is the active one
        active = max(deployments, key=lambda d: str(expect(d, dict, what).get("created_on", "")))
        shares = expect(active.get("versions"), list, what)
        deployment = {
            k: active[k] for k in ("id", "created_on", "source", "strategy") if k in active
        }
        deployment["versions"] = [
            {
                "version_id": expect_field(v, "version_id", str, what),
                "percentage": v.get("percentage"),
            }
            for v in shares
        ]
        if len(shares) < 2:
            return deployment, {}

        def version(version_id: str) -> Callable[[], Awaitable[Raw]]:
            # raw: versions.get() cannot build its schema (quirk 1)
            return self.api(
                "accounts", self.account, "workers", "scripts", script, "versions", version_id
            )

        ids = [v["version_id"] for v in deployment["versions"]]
        fetched = await _all({i: self.get(f"{base}/versions/{i}", version(i), tally) for i in ids})
        return deployment, fetched


async def _all(calls: Mapping[str, Awaitable[Any]]) -> dict[str, Any]:
    """Await every call concurrently; the first failure cancels the rest and is raised."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = {key: group.create_task(_coro(call)) for key, call in calls.items()}
    except BaseExceptionGroup as group:
        failures = group.subgroup(ReadFailure)
        if failures is not None and failures.exceptions:
            first = failures.exceptions[0]
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            raise first from None
        raise
    return {key: task.result() for key, task in tasks.items()}


async def _coro(awaitable: Awaitable[Any]) -> Any:
    return await awaitable
