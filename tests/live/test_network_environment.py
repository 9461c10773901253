"""Live reads honour the network settings of the environment as httpx does, as
docs/security.md promises: the proxy it names and the CA bundle to verify with.

Measured before: the small connection pools (envman.live.transport.Spread) were given to
httpx as its transport, and httpx then ignores HTTP_PROXY, HTTPS_PROXY, ALL_PROXY and
NO_PROXY: behind a proxy every live read went direct, and failed where only the proxy
reaches Cloudflare. Their TLS context was certifi's bundle whatever SSL_CERT_FILE or
SSL_CERT_DIR said, so a TLS-inspecting proxy's CA could not be trusted.
"""

from __future__ import annotations

import http.client
import importlib.util
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import certifi
import pytest

from envman.live import transport
from tests.bundled import cloudflare_environ
from tests.fakecf.server import FakeCloudflare
from tests.inprocess import Envman


class Proxy(ThreadingHTTPServer):
    """A forward proxy for plain HTTP: relays each request to the host its URL names and
    keeps the URLs it relayed."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Relay)
        self.relayed: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Relay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Proxy

    def do_GET(self) -> None:
        target = urlsplit(self.path)  # a proxy is sent the whole URL
        self.server.relayed.append(self.path)
        upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        upstream.request(
            "GET", target.path + (f"?{target.query}" if target.query else ""), headers=headers
        )
        answer = upstream.getresponse()
        body = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy()
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def drift(envman: Envman, project: Path, fake: FakeCloudflare, **proxies: str) -> tuple[int, str]:
    env = cloudflare_environ(fake, ENVMAN_MAX_RETRIES="1", **proxies)
    result = envman("drift", "-f", "json", cwd=project, env=env)
    return result.code, result.out + result.err


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "ALL_PROXY", "http_proxy"])
def test_reads_go_through_the_proxy_the_environment_names(
    project: Path, deployed: FakeCloudflare, envman: Envman, proxy: Proxy, variable: str
) -> None:
    direct = drift(envman, project, deployed)
    assert direct[0] == 0, direct[1]
    assert drift(envman, project, deployed, **{variable: proxy.url}) == direct
    assert proxy.relayed, "no request went through the proxy"
    assert all(url.startswith(deployed.base_url) for url in proxy.relayed)


def test_no_proxy_sends_its_hosts_direct(
    project: Path, deployed: FakeCloudflare, envman: Envman, proxy: Proxy
) -> None:
    direct = drift(envman, project, deployed)
    through = drift(envman, project, deployed, HTTP_PROXY=proxy.url, NO_PROXY="127.0.0.1")
    assert (through, proxy.relayed) == (direct, [])


def test_a_proxy_that_cannot_be_reached_leaves_live_state_unknown(
    project: Path, deployed: FakeCloudflare, envman: Envman
) -> None:
    with socket.socket() as held:  # bound, never listening: connections are refused, and
        held.bind(("127.0.0.1", 0))  # no other test's server can take the port meanwhile
        dead = f"http://127.0.0.1:{held.getsockname()[1]}"
        code, output = drift(envman, project, deployed, HTTP_PROXY=dead)
    assert code == 3, output
    findings = json.loads(output)["findings"]
    assert {f["code"] for f in findings} == {"EM406"}  # live state unknown, never "no drift"
    assert {f["env"] for f in findings} == {"development", "staging", "production"}
    assert all("connection failed" in f["message"] for f in findings)


@pytest.mark.parametrize(
    "url",
    [
        "socks5://envman:pr0xy-pw@127.0.0.1:1",
        "ftp://envman:pr0xy-pw@127.0.0.1:1",
        "http://envman:pr0xy-pw@[::1",
    ],
    ids=["socks-without-socksio", "unknown-scheme", "invalid-url"],
)
def test_a_proxy_httpx_cannot_use_is_a_clear_error_without_its_password(
    project: Path, deployed: FakeCloudflare, envman: Envman, url: str
) -> None:
    if url.startswith("socks") and importlib.util.find_spec("socksio"):
        pytest.skip("socksio is installed: httpx can use a SOCKS proxy")
    code, output = drift(envman, project, deployed, ALL_PROXY=url)
    assert code == 3, output
    assert "ALL_PROXY" in output and "pr0xy-pw" not in output


# --------------------------------------------------------------------------- CA bundles


def first_certificate() -> str:
    """One PEM certificate (the first of certifi's bundle)."""
    text = Path(certifi.where()).read_text(encoding="ascii")
    end = "-----END CERTIFICATE-----"
    start = text.index("-----BEGIN CERTIFICATE-----")
    return text[start : text.index(end, start) + len(end)] + "\n"


def test_the_ca_bundle_is_the_one_ssl_cert_file_names(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text(first_certificate(), encoding="ascii")
    assert len(transport._tls(str(bundle), None).get_ca_certs()) == 1
    assert len(transport._tls(None, None).get_ca_certs()) > 1  # certifi's


@pytest.mark.parametrize("content", [None, "not a certificate\n"], ids=["missing", "not-pem"])
def test_a_ca_bundle_that_cannot_be_loaded_leaves_live_state_unknown(
    project: Path, deployed: FakeCloudflare, envman: Envman, tmp_path: Path, content: str | None
) -> None:
    bundle = tmp_path / "ca.pem"
    if content is not None:
        bundle.write_text(content, encoding="ascii")
    code, output = drift(envman, project, deployed, SSL_CERT_FILE=str(bundle))
    assert code == 3, output
    assert "SSL_CERT_FILE" in output and "Traceback" not in output
