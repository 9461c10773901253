"""The HTTP side of live reads: one SDK client, authenticated by the token alone, over small
connection pools, through the proxy and with the CA bundle the environment names."""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import certifi
import cloudflare
import httpx

from envman.errors import LiveStateError

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
        http_client=_http_client(settings, timeout, token_only),
    )
    client.api_email = client.api_key = client.user_service_key = None
    return client


PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
CA_VARIABLES = ("SSL_CERT_FILE", "SSL_CERT_DIR")


def _http_client(
    settings: Settings, timeout: httpx.Timeout, hook: Callable[[httpx.Request], Awaitable[None]]
) -> httpx.AsyncClient:
    """httpx's client for the SDK, honouring the environment as httpx does: the proxy it
    names (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY; NO_PROXY's hosts direct) and the CA bundle
    to verify with (SSL_CERT_FILE, SSL_CERT_DIR; certifi's otherwise).

    The small pools go in where no proxy applies: given a transport, httpx ignores the
    proxy variables. A proxy or bundle that cannot be used (a SOCKS proxy without socksio,
    a URL httpx refuses, a missing or unreadable bundle) leaves live state unknown
    (LiveStateError) and names the variable, never its value: a proxy URL may hold a
    password.
    """
    try:
        tls = _tls(*(os.environ.get(name) or None for name in CA_VARIABLES))
    except OSError as e:  # ssl.SSLError is one too
        used = next(name for name in CA_VARIABLES if os.environ.get(name))  # as _tls reads
        why = getattr(e, "reason", None) or e.strerror or "not a bundle"
        raise LiveStateError(
            f"cannot read live state: the CA bundle {used} names cannot be loaded "
            f"({type(e).__name__}: {why})",
            hint="point it at a PEM file (or a folder of them) or unset it to verify with "
            "certifi's bundle",
        ) from None
    if not _proxied():
        return cloudflare.DefaultAsyncHttpxClient(
            timeout=timeout,
            verify=tls,
            event_hooks={"request": [hook]},
            transport=Spread(settings.concurrency, tls),
        )
    try:
        return cloudflare.DefaultAsyncHttpxClient(
            timeout=timeout, verify=tls, event_hooks={"request": [hook]}
        )
    except (ImportError, ValueError, httpx.InvalidURL) as e:
        named = [name for name in os.environ if name.upper() in PROXY_VARIABLES]
        why = (
            "a SOCKS proxy needs httpx's socks support (pip install 'httpx[socks]')"
            if isinstance(e, ImportError)
            else f"httpx refuses its URL ({type(e).__name__})"
        )
        raise LiveStateError(
            f"cannot read live state through the proxy that {', '.join(named) or 'the system'} "
            f"names: {why}",
            hint="fix or unset the proxy variable; NO_PROXY lists hosts to reach directly",
        ) from None


class Spread(httpx.AsyncBaseTransport):
    """Connection pools of at most POOL connections each, a request going to the least busy.

    httpcore scans every queued request against every pooled connection each time a
    request starts or ends: with one pool of 16 that scan was most of a 100-Worker drift
    run's CPU (and 32 connections were slower than 16). Small pools keep it small.
    """

    POOL = 4

    def __init__(self, concurrency: int, tls: ssl.SSLContext) -> None:
        count = max(1, -(-concurrency // self.POOL))
        size = -(-concurrency // count)
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
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


def _proxied() -> bool:
    """Whether the environment names a proxy httpx would use: it reads them from the same
    `urllib.request.getproxies()` (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY; the system's
    settings on macOS and Windows)."""
    from urllib.request import getproxies

    proxies = getproxies()
    return any(proxies.get(scheme) for scheme in ("http", "https", "all"))


@functools.cache
def _tls(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    """The TLS context httpx makes for `verify=True`: SSL_CERT_FILE's bundle, else
    SSL_CERT_DIR's, else certifi's. Made once per process and bundle, for every pool of
    every client: loading a bundle costs ~40 ms (an SSLContext is safe to share; nothing
    changes it after this)."""
    if cafile:
        return ssl.create_default_context(cafile=cafile)
    if capath:
        return ssl.create_default_context(capath=capath)
    return ssl.create_default_context(cafile=certifi.where())
