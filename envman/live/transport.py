"""The HTTP side of live reads: one SDK client, authenticated by the token alone, over small
connection pools."""

from __future__ import annotations

import functools
import ssl
from typing import TYPE_CHECKING

import certifi
import cloudflare
import httpx

if TYPE_CHECKING:
    from envman.settings import Settings

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"


def make_client(settings: Settings, token: str) -> cloudflare.AsyncCloudflare:
    """An SDK client that authenticates with `token` and nothing else, without SDK retries."""

    async def token_only(request: httpx.Request) -> None:
        # The SDK falls back to CLOUDFLARE_EMAIL / CLOUDFLARE_API_KEY for a None argument
        # and then prefers them over the token (NOTES.md, "credentials trap");
        # CLOUDFLARE_CUSTOM_HEADERS can add headers too. The token is all envman sends.
        for name in ("X-Auth-Email", "X-Auth-Key", "X-Auth-User-Service-Key"):
            request.headers.pop(name, None)
        request.headers["Authorization"] = f"Bearer {token}"

    timeout = httpx.Timeout(settings.request_timeout, connect=min(5.0, settings.request_timeout))
    client = cloudflare.AsyncCloudflare(
        api_token=token,
        api_email=None,
        api_key=None,
        base_url=settings.cloudflare_base_url or DEFAULT_BASE_URL,
        max_retries=0,
        timeout=timeout,
        http_client=cloudflare.DefaultAsyncHttpxClient(
            timeout=timeout,
            event_hooks={"request": [token_only]},
            transport=Spread(settings.concurrency),
        ),
    )
    client.api_email = client.api_key = client.user_service_key = None
    return client


class Spread(httpx.AsyncBaseTransport):
    """Connection pools of at most POOL connections each, a request going to the least busy.

    httpcore scans every queued request against every pooled connection each time a
    request starts or ends: with one pool of 16 that scan was most of a 100-Worker drift
    run's CPU (and 32 connections were slower than 16). Small pools keep it small.
    """

    POOL = 4

    def __init__(self, concurrency: int) -> None:
        count = max(1, -(-concurrency // self.POOL))
        size = -(-concurrency // count)
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        tls = _tls()
        self._pools = [httpx.AsyncHTTPTransport(limits=limits, verify=tls) for _ in range(count)]
        self._busy = [0] * count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        index = min(range(len(self._pools)), key=self._busy.__getitem__)
        self._busy[index] += 1
        try:
            response = await self._pools[index].handle_async_request(request)
            await response.aread()  # envman reads every body whole; the connection is free
        finally:
            self._busy[index] -= 1
        return response

    async def aclose(self) -> None:
        for pool in self._pools:
            await pool.aclose()


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process, for every pool of every client: loading the CA bundle
    costs ~40 ms each time (an SSLContext is safe to share; nothing changes it after this)."""
    return ssl.create_default_context(cafile=certifi.where())
