"""Posts a JSON payload to a webhook: http(s) only, public addresses only, no redirects.

`--notify URL` is data from a CI variable or a command line, and a request from a CI
runner can reach what the internet cannot: the cloud metadata service
(169.254.169.254), the runner's loopback, the private network. So the host is resolved
once, every address it resolves to must be global (`ipaddress.is_global`: not private,
loopback, link-local, shared, reserved or multicast) unless `allow_private`, and the
connection goes to the address that was checked (no second lookup that DNS could answer
differently). A redirect is not followed: it is reported as a failure. Proxy variables
are not used, since a proxy would connect to a target envman never checked.

Messages name the webhook by scheme and host only: the path of a Slack or Teams webhook
URL is its secret.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from envman.errors import NotifyError, UsageError


@dataclass(frozen=True)
class Target:
    """A checked webhook URL: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str

    @property
    def shown(self) -> str:
        """The URL without its path and query, for messages."""
        return f"{self.scheme}://{self.host}"


def parse(url: str) -> Target:
    """Split a webhook URL, or UsageError: only http and https URLs with a host are used."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise UsageError("--notify: not a valid URL") from e
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise UsageError(
            f"--notify: {scheme or 'no'} scheme; envman posts only to http(s) webhooks",
            hint="give the webhook's https:// URL",
        )
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise UsageError("--notify: the URL needs a host (and no user:password@)")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, parts.hostname, port or (443 if scheme == "https" else 80), path)


def post(url: str, body: bytes, *, timeout: float = 10.0, allow_private: bool = False) -> None:
    """POST `body` (JSON) to `url`; NotifyError when refused, unreachable or not 2xx."""
    target = parse(url)
    address = _address(target, allow_private=allow_private, timeout=timeout)
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = _PinnedHTTPS(target.host, target.port, address, timeout)
    else:
        connection = _PinnedHTTP(target.host, target.port, address, timeout)
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": "envman"},
        )
        response = connection.getresponse()
        response.read(65536)
        status = response.status
    except (OSError, http.client.HTTPException) as e:
        raise NotifyError(f"could not reach the webhook at {target.shown}: {_reason(e)}") from e
    finally:
        connection.close()
    if 300 <= status < 400:
        raise NotifyError(
            f"the webhook at {target.shown} answered a redirect (HTTP {status}); "
            "envman does not follow redirects",
            hint="use the URL the webhook redirects to",
        )
    if not 200 <= status < 300:
        raise NotifyError(f"the webhook at {target.shown} refused the notification: HTTP {status}")


def _address(target: Target, *, allow_private: bool, timeout: float) -> str:
    """The address to connect to, after checking every address the host resolves to."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except OSError as e:
        raise NotifyError(f"could not resolve the webhook host {target.host}: {_reason(e)}") from e
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise NotifyError(f"the webhook host {target.host} has no address")
    if not allow_private:
        for address in addresses:
            if not _public(address):
                raise NotifyError(
                    f"refused to post to {target.shown}: it resolves to {address}, a "
                    "private, loopback, link-local or reserved address",
                    hint="pass --notify-allow-private for a webhook inside your network",
                )
    return addresses[0]


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _reason(error: BaseException) -> str:
    reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return str(reason)


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to a checked address, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """An HTTPS connection to a checked address; the certificate is checked for the host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._address = address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)
