"""Drift notifications: message content, when they are sent, and posting to a real receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from envman.errors import NotifyError
from envman.models import Finding, Report
from envman.report.notifications import message, notify, should_send
from envman.terms import Kind, Severity
from tests.inprocess import Envman


class Receiver:
    """A local webhook receiver that records every JSON body posted to it."""

    def __init__(self, status: int = 200) -> None:
        self.bodies: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        # a short poll interval: close() (shutdown) waits for the loop to look again
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hook = Receiver()
    yield hook
    hook.close()


def drifted() -> Report:
    findings = (
        Finding(
            code="EM400",
            severity=Severity.ERROR,
            env="production",
            path="vars.RATE",
            message="vars.RATE differs",
            expected=600,
            actual=6000,
            kind=Kind.CHANGED,
        ),
        Finding(
            code="EM404",
            severity=Severity.ERROR,
            env="staging",
            path="secrets.STRIPE",
            message="required secret STRIPE is not set",
            kind=Kind.MISSING,
        ),
    )
    return Report(command="drift", envs=("staging", "production"), findings=findings)


def clean() -> Report:
    return Report(command="drift", envs=("staging", "production"))


def test_message_has_summary_and_findings() -> None:
    body = message(drifted(), project="dash")
    assert body["text"].startswith("envman: drift in dash (production, staging)")
    assert "vars.RATE" in body["text"] and "secrets.STRIPE" in body["text"]
    assert body["blocks"][0]["type"] == "header"


def test_when_policies(tmp_path: Path) -> None:
    assert should_send(drifted(), "drift", None)
    assert not should_send(clean(), "drift", None)
    assert should_send(clean(), "always", None)
    from envman.report.notifications import digest

    assert not should_send(drifted(), "change", digest(drifted()))
    assert should_send(clean(), "change", digest(drifted()))  # drift cleared is news too


def test_posts_to_a_real_receiver_and_remembers(tmp_path: Path, receiver: Receiver) -> None:
    assert notify(
        tmp_path, drifted(), url=receiver.url, when="change", project="dash", allow_private=True
    )
    assert not notify(
        tmp_path, drifted(), url=receiver.url, when="change", project="dash", allow_private=True
    )
    assert notify(
        tmp_path, clean(), url=receiver.url, when="change", project="dash", allow_private=True
    )
    assert [b["text"].splitlines()[0] for b in receiver.bodies] == [
        "envman: drift in dash (production, staging)",
        "envman: no drift in dash (2 environments)",
    ]


def test_a_failing_webhook_is_exit_3(tmp_path: Path) -> None:
    hook = Receiver(status=500)
    try:
        with pytest.raises(NotifyError) as info:
            notify(
                tmp_path, drifted(), url=hook.url, when="always", project="dash", allow_private=True
            )
        assert info.value.exit_code == 3
    finally:
        hook.close()


def test_cli_notifies_without_leaking_sensitive_values(
    project: Path, receiver: Receiver, envman: Envman
) -> None:
    tmp_path = project
    result = envman(
        "drift",
        "--live-from",
        "examples/live-snapshot.json",
        "--notify",
        receiver.url,
        "--notify-allow-private",
        cwd=tmp_path,
    )
    assert result.code == 1
    (body,) = receiver.bodies
    assert "vars.RATE_LIMIT_PER_MINUTE" in body["text"] and "secrets.STRIPE_API_KEY" in body["text"]
    again = envman(
        "drift",
        "--live-from",
        "examples/live-snapshot.json",
        "--notify",
        receiver.url,
        "--notify-allow-private",
        "--notify-on",
        "change",
        cwd=tmp_path,
    )
    assert again.code == 1 and len(receiver.bodies) == 1
