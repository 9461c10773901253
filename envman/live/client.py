"""Requests to Cloudflare through the official SDK: one client, bounded, rate-limited, checked.

Every HTTP request of a run goes through one `asyncio.Semaphore(settings.concurrency)` and
one sliding-window `RateLimiter` (`settings.rate_limit_requests` per
`settings.rate_limit_period`; Cloudflare allows 1,200 per 5 minutes per token). The SDK's
own retries are off (it ignores a Retry-After above 60 s, NOTES.md quirk 6): 429 honours
Retry-After up to 300 s for every request of the run, never waiting less than a floor and
giving up after MAX_THROTTLED answers; 5xx / timeouts / connection errors retry with
exponential backoff and jitter, other 4xx fail at once. Every body is read as raw JSON
and checked (`success` true, `result` present): the SDK turns `success: false` into
`None` (quirk 4). A list that says it has more pages (`result_info.total_pages`) is
followed page by page (`get_pages`) or, where envman does not expect pages, refused:
reading page 1 as the whole list once hid a secret.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote

import cloudflare
import httpx

from envman.live.normalise import ReadFailure
from envman.live.ratelimit import (
    MAX_RETRY_AFTER,
    MAX_THROTTLED,
    Clock,
    RateLimiter,
    Sleep,
    backoff,
    retry_after,
    throttle_wait,
)

if TYPE_CHECKING:
    from envman.settings import Settings

SCRIPT_NOT_FOUND = 10007
"""Cloudflare's error code for "workers.api.error.script_not_found"."""
OMIT = cloudflare.omit
"""The SDK's "leave this argument out" marker, for writers outside this module."""
MAX_PAGES = 100
"""Pages of one list envman reads at most before it gives up (never a partial list)."""

Page = dict[str, Any]
"""The query of one page: `{}` for the first, `{"page": n, "per_page": k}` after it."""


class Raw(Protocol):
    @property
    def http_response(self) -> httpx.Response: ...


@dataclass(frozen=True)
class Answer:
    """One raw answer of `Requester.api` (the shape of the SDK's `with_raw_response`)."""

    http_response: httpx.Response


@dataclass
class Tally:
    """HTTP requests made on behalf of one Worker, retries included."""

    requests: int = 0


class Requester:
    """The requests of one live read: the client, the shared limits, and the per-run lookups."""

    def __init__(
        self,
        client: cloudflare.AsyncCloudflare,
        settings: Settings,
        account_id: str,
        *,
        deadline: float,
        clock: Clock,
        sleep: Sleep,
    ) -> None:
        self.client = client
        self.account = account_id
        self.requests = 0
        self.stopped: str | None = None
        self.completed = 0
        self.on_request: Callable[[int], None] | None = None
        """Called with the run's count of answered requests after each (for a progress bar)."""
        """Why the whole run stopped early: the token was refused (see `_refused_token`)."""
        self._settings = settings
        self._deadline = deadline
        self._clock = clock
        self._sleep = sleep
        self._semaphore = asyncio.Semaphore(settings.concurrency)
        self._limiter = RateLimiter(
            settings.rate_limit_requests, settings.rate_limit_period, clock=clock, sleep=sleep
        )
        self._shared: dict[Hashable, asyncio.Task[Any]] = {}

    def shared_tasks(self) -> list[asyncio.Task[Any]]:
        return list(self._shared.values())

    def api(self, *segments: str, query: Page | None = None) -> Callable[[], Awaitable[Raw]]:
        """A GET of `/segment/...` through the SDK client's own request path (auth, base URL,
        timeouts, the SDK's errors), answered raw.

        Each segment is percent-encoded, and an empty, "." or ".." segment is refused
        (ReadFailure): a Worker or zone name from a file never changes the path. Reads use
        this rather than the typed resources (`client.workers...`): importing those loads
        the SDK's whole workers tree (about 0.5 s, a third of a drift run's CPU), and
        envman reads every body as raw JSON anyway (quirks 1-4).
        """
        for segment in segments:
            # quote() keeps "." and "..", and httpx resolves them: the request would go to
            # another endpoint (the SDK's own paths refuse them too).
            if segment in ("", ".", ".."):
                raise ReadFailure(
                    f"{segment!r} cannot be an account id or a Worker name in an API path"
                )
        path = "/" + "/".join(quote(segment, safe="") for segment in segments)
        params = dict(query or {})

        async def call() -> Raw:
            response = await self.client.get(
                path, cast_to=httpx.Response, options={"params": params}
            )
            return Answer(response)

        return call

    # ------------------------------------------------------------------ one request

    async def get(
        self,
        what: str,
        call: Callable[[], Awaitable[Raw]],
        tally: Tally,
        *,
        missing_ok: bool = False,
    ) -> Any:
        """The `result` of one GET, with limits, retries and fail-closed checks.

        Returns None only when `missing_ok` and Cloudflare says "script not found" (404
        with code 10007): a 404 with another code, e.g. 7003 for a malformed account id,
        is an error, never "the Worker does not exist". A result that says it is one page
        of several is an error too: use `get_pages` where Cloudflare paginates.
        """
        body = await self._get(what, call, tally, missing_ok=missing_ok)
        if body is None:
            return None
        pages = _total_pages(body, what)
        if pages > 1:
            raise ReadFailure(
                f"{what} answered page 1 of {pages}; envman does not expect pages here and "
                "will not read part of a list as all of it"
            )
        return body["result"]

    async def first_page(
        self,
        what: str,
        call: Callable[[], Awaitable[Raw]],
        tally: Tally,
        *,
        key: str | None = None,
    ) -> tuple[list[Any], bool]:
        """The items of the first page of a list (newest first where asked), and whether more
        pages exist: for histories, where the newest entries are all that is wanted."""
        body = await self._get(what, call, tally, missing_ok=False)
        assert body is not None
        result = body["result"]
        chunk = result.get(key) if key is not None and isinstance(result, dict) else result
        if not isinstance(chunk, list):
            raise ReadFailure(f"malformed response from {what}: expected a list")
        return chunk, _total_pages(body, what) > 1

    async def get_pages(
        self,
        what: str,
        call: Callable[[Page], Awaitable[Raw]],
        tally: Tally,
        *,
        key: str | None = None,
    ) -> list[Any]:
        """Every item of a list Cloudflare may split into pages, following `result_info`.

        `call(page)` makes the request with `page` as extra query parameters. With `key`
        the items are `result[key]` (deployments), else `result` itself. Fails closed:
        more than MAX_PAGES pages, or fewer items than `result_info.total_count` says.
        """
        items: list[Any] = []
        page: Page = {}
        number = total = 1
        while True:
            label = what if number == 1 else f"{what} (page {number} of {total})"
            body = await self._get(label, partial(call, page), tally, missing_ok=False)
            assert body is not None
            result = body["result"]
            chunk = result.get(key) if key is not None and isinstance(result, dict) else result
            if not isinstance(chunk, list):
                raise ReadFailure(f"malformed response from {label}: expected a list")
            items += chunk
            total = _total_pages(body, what)
            if number >= total:
                break
            number += 1
            if number > MAX_PAGES:
                raise ReadFailure(f"{what} has more than {MAX_PAGES} pages; not read")
            info = body.get("result_info") or {}
            page = {
                "page": number,
                **({"per_page": info["per_page"]} if "per_page" in info else {}),
            }
        expected = (body.get("result_info") or {}).get("total_count")
        if isinstance(expected, int) and not isinstance(expected, bool) and len(items) < expected:
            raise ReadFailure(
                f"{what} listed {len(items)} of {expected} items across {total} pages"
            )
        return items

    async def _get(
        self,
        what: str,
        call: Callable[[], Awaitable[Raw]],
        tally: Tally,
        *,
        missing_ok: bool,
    ) -> dict[str, Any] | None:
        """The checked envelope of one GET (None for a missing script when `missing_ok`)."""
        failures = throttles = 0
        throttled = 0.0
        while True:
            problem = ""
            response: httpx.Response | None = None
            async with self._semaphore:
                if self.stopped:
                    raise ReadFailure(f"not read: {self.stopped}")
                await self._limiter.acquire(self._deadline)
                tally.requests += 1
                self.requests += 1
                try:
                    raw = await call()
                except cloudflare.APIStatusError as e:
                    response = e.response
                except cloudflare.APITimeoutError:
                    problem = f"timed out after {self._settings.request_timeout:g} s"
                except cloudflare.APIConnectionError as e:
                    cause = e.__cause__ or e
                    problem = f"connection failed ({str(cause) or type(cause).__name__})"
                else:
                    self._requested()
                    return _envelope(raw.http_response, what)
                self._requested()
            status = response.status_code if response is not None else 0
            if status == 404 and missing_ok and SCRIPT_NOT_FOUND in _codes(response):
                return None
            if response is not None and status == 429:
                throttles += 1
                if throttles > MAX_THROTTLED:
                    raise ReadFailure(
                        f"rate limited: {what} answered HTTP 429 {throttles} times in a row"
                    )
                wait = throttle_wait(retry_after(response.headers.get("retry-after")), throttles)
                throttled += wait
                if throttled > MAX_RETRY_AFTER or self._clock() + wait > self._deadline:
                    raise ReadFailure(
                        f"rate limited past the budget: {what} answered HTTP 429 "
                        f"with Retry-After {wait:.0f} s"
                    )
                self._limiter.pause_until(self._clock() + wait)  # the limit is per token
                continue
            if response is not None and status < 500:
                reason = _refusal(status, what, response)
                if _refused_token(status, what):
                    self.stopped = self.stopped or reason
                raise ReadFailure(reason)
            failures += 1
            problem = problem or f"HTTP {status}{_messages(response)}"
            delay = backoff(failures)
            if failures > self._settings.max_retries or self._clock() + delay > self._deadline:
                raise ReadFailure(f"{what} failed: {problem} (gave up after {failures} attempts)")
            await self._sleep(delay)

    def _requested(self) -> None:
        self.completed += 1
        if self.on_request is not None:
            self.on_request(self.completed)

    async def shared(self, key: Hashable, fetch: Callable[[Tally], Awaitable[Any]]) -> Any:
        """A lookup made once per run for every Worker (zone ids, zone routes, custom domains).

        Its requests count in the run's total, not in any one Worker's.
        """
        if key not in self._shared:
            self._shared[key] = asyncio.ensure_future(fetch(Tally()))
        # shield: a cancelled caller must not cancel a lookup other Workers await
        return await asyncio.shield(self._shared[key])


# ---------------------------------------------------------------------- response checks


def _total_pages(body: dict[str, Any], what: str) -> int:
    """How many pages `result_info` says the list has (1 when it says nothing)."""
    info = body.get("result_info")
    pages = info.get("total_pages") if isinstance(info, dict) else None
    if pages is None:
        return 1
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 0:
        raise ReadFailure(f"malformed response from {what}: result_info.total_pages {pages!r}")
    return max(pages, 1)


def _envelope(response: httpx.Response, what: str) -> dict[str, Any]:
    """A 2xx Cloudflare envelope with a `result`, failing closed on anything else (quirk 4)."""
    try:
        body = json.loads(response.content)
    except ValueError:
        raise ReadFailure(f"malformed response from {what}: not JSON") from None
    if not isinstance(body, dict):
        raise ReadFailure(f"malformed response from {what}: not a Cloudflare envelope")
    if body.get("success") is not True:
        raise ReadFailure(f"Cloudflare returned success=false for {what}{_messages(response)}")
    if body.get("result") is None:
        raise ReadFailure(f"Cloudflare returned no result for {what}")
    return body


def _errors(response: httpx.Response | None) -> list[Any]:
    """The `errors` of a Cloudflare error envelope, or [] when there is none."""
    try:
        errors = json.loads(response.content).get("errors") if response is not None else None
    except (ValueError, AttributeError):
        return []
    return errors if isinstance(errors, list) else []


def _codes(response: httpx.Response | None) -> set[Any]:
    return {e.get("code") for e in _errors(response) if isinstance(e, dict)}


def _messages(response: httpx.Response | None) -> str:
    """`: <code> <message>; …` from a Cloudflare error envelope, or nothing."""
    errors = _errors(response)
    if not errors:
        return ""
    parts = [
        f"{e.get('code', '')} {e.get('message', '')}".strip() if isinstance(e, dict) else str(e)
        for e in errors
    ]
    return ": " + "; ".join(parts)


def _refused_token(status: int, what: str) -> bool:
    """Whether no other request of the run can succeed: the token itself was refused.

    A 401 is a token Cloudflare does not accept. A 403 on a Worker's settings (the one
    request made for every Worker) is a token without Workers Scripts:Read on the
    account; a 403 elsewhere may be one zone or one resource, and fails that Worker only.
    """
    return status == 401 or (status == 403 and what.endswith("/settings"))


def _refusal(status: int, what: str, response: httpx.Response) -> str:
    """The reason for a 4xx other than 429: never retried."""
    detail = _messages(response)
    if status == 401:
        return f"authentication failed (HTTP 401){detail} on {what}; check CLOUDFLARE_API_TOKEN"
    if status == 403:
        return (
            f"authentication failed / token lacks permission (HTTP 403){detail} on {what}; "
            "the token needs Workers Scripts:Read (and Zone:Read for routes)"
        )
    if status == 404:
        return f"not found (HTTP 404){detail}: {what}"
    return f"HTTP {status}{detail} from {what}"
