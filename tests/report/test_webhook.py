"""`--notify` posts only to public http(s) webhooks, never follows a redirect, and a failed
webhook is a warning unless `--notify-required`.

Measured before: `--notify` posted to link-local and metadata addresses without a word
and followed a redirect; a failing webhook turned a drift result into exit 3.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from envman.cli import main
from envman.errors import NotifyError
from envman.report import webhook


class Hook:
    """A local webhook: records bodies; answers `status` (and `location` for a redirect)."""

    def __init__(self, status: int = 200, location: str | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                hook.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/services/T000/B000/s3cr3tpath"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    made = Hook()
    yield made
    made.close()


def drift(project: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    snapshot = str(project / "examples" / "live-snapshot.json")
    code = main(["-C", str(project), "-q", "drift", "--live-from", snapshot, "-f", "json", *args])
    _, err = capsys.readouterr()
    return code, err


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/",
        "http://10.0.0.8/hook",
        "http://localhost:9/hook",
        "http://[::1]:9/hook",
        "http://[::ffff:127.0.0.1]:9/hook",
        "http://0.0.0.0:9/hook",
    ],
)
def test_private_targets_are_refused_without_a_connection(
    project: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    code, err = drift(project, capsys, "--notify", url)
    assert code == 1  # the drift result stands
    assert "warning: notification not sent: refused to post to" in err
    assert "private, loopback, link-local or reserved" in err
    code, err = drift(project, capsys, "--notify", url, "--notify-required")
    assert code == 3 and "refused to post to" in err


def test_a_loopback_hook_needs_the_flag(
    project: Path, capsys: pytest.CaptureFixture[str], hook: Hook
) -> None:
    code, err = drift(project, capsys, "--notify", hook.url)
    assert (code, hook.bodies) == (1, [])
    assert "--notify-allow-private" in err
    code, err = drift(project, capsys, "--notify", hook.url, "--notify-allow-private")
    assert (code, err) == (1, "")
    assert hook.bodies[0]["text"].startswith("envman: drift in dashboard-worker")


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.com/x", "gopher://x", "example.com/hook", "https://"],
)
def test_only_http_urls_with_a_host_are_accepted(
    project: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    code, err = drift(project, capsys, "--notify", url)
    assert code == 2 and "--notify:" in err


def test_a_redirect_is_not_followed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = Hook()
    redirect = Hook(status=302, location=target.url)
    try:
        code, err = drift(project, capsys, "--notify", redirect.url, "--notify-allow-private")
        assert code == 1 and "answered a redirect (HTTP 302)" in err
        assert len(redirect.bodies) == 1 and target.bodies == []
    finally:
        target.close()
        redirect.close()


def test_a_failing_webhook_is_a_warning_unless_required(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = Hook(status=500)
    try:
        code, err = drift(project, capsys, "--notify", failing.url, "--notify-allow-private")
        assert code == 1 and "warning: notification not sent" in err and "HTTP 500" in err
        code, err = drift(
            project, capsys, "--notify", failing.url, "--notify-allow-private", "--notify-required"
        )
        assert code == 3 and "error:" in err
        assert "s3cr3tpath" not in err  # a webhook's path is its secret
    finally:
        failing.close()


def test_the_webhook_module_checks_before_connecting() -> None:
    with pytest.raises(NotifyError, match=r"169\.254\.169\.254"):
        webhook.post("http://169.254.169.254/x", b"{}", timeout=0.5)
    assert (
        webhook.parse("https://hooks.slack.com/services/T/B/x").shown == "https://hooks.slack.com"
    )
