"""The fake Cloudflare API served over real HTTP on 127.0.0.1 (see ``tests.fakecf``).

:class:`FakeCloudflare` is the state (:class:`~tests.fakecf.state.FakeState`: seeding and
mutation methods), a ``ThreadingHTTPServer`` in a daemon thread, a request log and the
fault controls. The handler disables Nagle's algorithm and buffers each response into one
write: without that every request stalls ~46 ms on delayed ACKs and benchmarks measure the
fake instead of envman. HTTP/1.1 keep-alive, always with a ``Content-Length``.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import threading
import time
import traceback
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakecf import api, paging
from tests.fakecf.faults import Fault, FaultKind, FaultSet, PathMatcher, make_fault, path_matches
from tests.fakecf.state import FakeState

API_PREFIX = "/client/v4"
_SECRET_HEADERS = {"authorization", "x-auth-key", "x-auth-user-service-key"}
MALFORMED_BODY = b'{"success": true, "errors": [], "messages": [], "result": {"bindings": [{"na'


@dataclass
class RequestRecord:
    """One request as the fake saw it (credentials redacted)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    route: str | None
    started: float
    finished: float | None = None
    status: int | None = None
    fault: str | None = None
    body_size: int = 0

    @property
    def endpoint(self) -> str:
        """E.g. ``"GET /accounts/{account_id}/workers/scripts"`` (raw path if no template)."""
        return f"{self.method} {self.route or self.path}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeCloudflare) -> None:
        self.fake = fake
        self._conn_lock = threading.Lock()
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._wake_r, self._wake_w = socket.socketpair()
        super().__init__(address, _Handler)

    def serve_until(self, stopping: threading.Event) -> None:
        """``serve_forever`` without polling: :meth:`wake` ends it at once (fast ``stop()``)."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self.socket and not stopping.is_set():
                        self._accept_one()

    def _accept_one(self) -> None:
        try:
            request, client_address = self.get_request()
        except OSError:
            return
        try:
            self.process_request(request, client_address)
        except Exception:
            self.shutdown_request(request)

    def wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def server_close(self) -> None:
        super().server_close()
        self._wake_r.close()
        self._wake_w.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), daemon=True
        )
        with self._conn_lock:
            self._connections[thread] = request
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._conn_lock:
                self._connections.pop(threading.current_thread(), None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that went away mid-response is normal here (timeouts, drops); keep quiet.
        pass

    def close_connections(self, timeout: float) -> None:
        """Wake every handler blocked on a keep-alive socket and wait for it to finish."""
        with self._conn_lock:
            items = list(self._connections.items())
        for _, sock in items:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread, _ in items:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # one flush (one segment) per response
    server: _Server
    server_version = "cloudflare"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    # ------------------------------------------------------------------ plumbing
    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        html = body.lstrip()[:1] == b"<"  # e.g. an injected Cloudflare 502 page
        self.send_header("Content-Type", "text/html" if html else "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _send_json(
        self, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        self._send(status, json.dumps(payload, separators=(",", ":")).encode(), headers)

    def _abort(self) -> None:
        """Close the connection without answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # ------------------------------------------------------------------ one request
    def _dispatch(self) -> None:
        fake = self.server.fake
        body = self._read_body()
        url = urlsplit(self.path)
        path = url.path
        rel = path[len(API_PREFIX) :] if path.startswith(API_PREFIX + "/") else None
        record = fake._record(
            self.command, rel if rel is not None else path, url.query, self.headers, len(body)
        )
        try:
            if rel is None:
                self._send_json(404, api.error_envelope(7000, "No route for that URI"))
                record.status = 404
                return
            plan = fake.faults.plan(self.command, rel)
            if plan.latency > 0 and fake._stopping.wait(plan.latency):
                record.fault = "stopped"
                self._abort()
                return
            if plan.fault is not None:
                record.fault = plan.fault.kind
                record.status = self._apply_fault(plan.fault)
                return
            if not fake._authorised(self.headers):
                record.status = 401
                self._send_json(401, api.error_envelope(10000, "Authentication error"))
                return
            reply = api.handle(fake, self.command, rel, record.query, _lower(self.headers), body)
            if fake.list_page_size:
                reply = paging.paginate(reply, record.query, fake.list_page_size)
            record.status = reply.status
            self._send_json(reply.status, reply.body, reply.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            fake.server_errors.append(traceback.format_exc())
            record.status = 500
            self._send_json(500, api.error_envelope(10013, "Internal error in the fake server"))
        finally:
            record.finished = time.monotonic()

    def _apply_fault(self, fault: Fault) -> int | None:
        fake = self.server.fake
        if fault.kind == "timeout":
            fake._stopping.wait(fault.seconds)
            self._abort()
            return None
        if fault.kind == "drop":
            self._abort()
            return None
        if fault.kind == "malformed":
            self._send(
                200,
                fault.body if fault.body is not None else MALFORMED_BODY,
                fault.response_headers(),
            )
            return 200
        if fault.kind == "success_false":
            self._send_json(
                200,
                api.error_envelope(fault.error_code(), fault.error_message()),
                fault.response_headers(),
            )
            return 200
        if fault.kind == "null_result":
            self._send_json(200, api.envelope(None), fault.response_headers())
            return 200
        # status
        if fault.body is not None:
            self._send(fault.status, fault.body, fault.response_headers())
        else:
            payload = api.error_envelope(fault.error_code(), fault.error_message())
            self._send_json(fault.status, payload, fault.response_headers())
        return fault.status


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


class FakeCloudflare(FakeState):
    """A stateful fake of the Cloudflare Workers API on ``http://127.0.0.1:{port}/client/v4``.

    Use as a context manager, or ``start()`` / ``stop()``. Seed and mutate with the
    :class:`FakeState` methods; inject faults with :meth:`inject` and friends; inspect
    :attr:`requests`, :meth:`request_count`, :meth:`counts_by_endpoint`.
    """

    def __init__(
        self,
        *,
        token: str = "test-token",
        account_id: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        clock_start: datetime | None = None,
        server_defaults: bool | frozenset[str] = False,
        page_size: int | None = None,
    ) -> None:
        super().__init__(clock_start=clock_start, server_defaults=server_defaults)
        self.page_size = page_size
        self.token = token
        self._account_id = account_id
        if account_id is not None:
            self.add_account(account_id)
        self.host = host
        self.port = port
        self.faults = FaultSet()
        self.faults.latency = latency
        self.server_errors: list[str] = []
        self.list_page_size: int | None = None
        """Split list answers into pages of this many items (``tests.fakecf.paging``)."""
        self._log_lock = threading.Lock()
        self._requests: list[RequestRecord] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    @property
    def account_id(self) -> str:
        """The account given to the constructor (else the first one added)."""
        return self._account_id or self._only_account()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake server is not running")
        return f"http://{self.host}:{self.port}{API_PREFIX}"

    def start(self) -> FakeCloudflare:
        if self._server is not None:
            raise RuntimeError("already started")
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_until,
            args=(self._stopping,),
            name="fake-cloudflare",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop serving: wakes hanging/latent requests at once, closes every connection."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.wake()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        server.server_close()
        server.close_connections(timeout)

    def __enter__(self) -> FakeCloudflare:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ auth and log
    def _authorised(self, headers: Any) -> bool:
        return bool(headers.get("Authorization", "") == f"Bearer {self.token}")

    def _record(
        self, method: str, path: str, query: str, headers: Any, body_size: int
    ) -> RequestRecord:
        redacted = {
            k: ("<redacted>" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()
        }
        record = RequestRecord(
            method=method,
            path=path,
            query=parse_qs(query, keep_blank_values=True),
            headers=redacted,
            route=api.template_for(method, path),
            started=time.monotonic(),
            body_size=body_size,
        )
        with self._log_lock:
            self._requests.append(record)
        return record

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request so far (a copy), oldest first."""
        with self._log_lock:
            return list(self._requests)

    def request_count(self, path: PathMatcher = None, *, method: str | None = None) -> int:
        """Requests whose path (below ``/client/v4``) matches ``path`` (glob or regex)."""
        wanted = method.upper() if method else None
        return sum(
            1
            for r in self.requests
            if (wanted is None or r.method == wanted) and path_matches(path, r.path)
        )

    def counts_by_endpoint(self) -> dict[str, int]:
        """Request counts keyed ``"METHOD /template"`` (the OpenAPI path template)."""
        return dict(Counter(r.endpoint for r in self.requests))

    def reset_requests(self) -> None:
        with self._log_lock:
            self._requests.clear()

    # ------------------------------------------------------------------ faults
    @property
    def latency(self) -> float:
        """Latency added to every request, in seconds."""
        return self.faults.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.faults.latency = seconds

    def inject(self, kind: FaultKind, **options: Any) -> Fault:
        """Add a fault (see :mod:`tests.fakecf.faults`); returns it (``.hits`` counts firings)."""
        return self.faults.add(make_fault(kind, **options))

    def add_latency(
        self,
        seconds: float,
        *,
        path: PathMatcher = None,
        method: str | None = None,
        times: int | None = None,
    ) -> Fault:
        return self.inject("latency", seconds=seconds, path=path, method=method, times=times)

    def fail(
        self,
        status: int = 500,
        *,
        path: PathMatcher = None,
        method: str | None = None,
        times: int | None = None,
        retry_after: float | str | None = None,
        headers: Mapping[str, str] | None = None,
        code: int | None = None,
        message: str | None = None,
        body: bytes | str | None = None,
    ) -> Fault:
        """Answer with an HTTP error status (Cloudflare error envelope unless ``body``)."""
        return self.inject(
            "status",
            status=status,
            path=path,
            method=method,
            times=times,
            retry_after=retry_after,
            headers=headers,
            code=code,
            message=message,
            body=body,
        )

    def rate_limit(
        self,
        *,
        retry_after: float | str | None = 1,
        path: PathMatcher = None,
        method: str | None = None,
        times: int | None = None,
    ) -> Fault:
        """429, code 971, with ``Retry-After``."""
        return self.fail(429, retry_after=retry_after, path=path, method=method, times=times)

    def hang(
        self,
        *,
        seconds: float = 30.0,
        path: PathMatcher = None,
        method: str | None = None,
        times: int | None = None,
    ) -> Fault:
        """Never answer (for ``seconds``), so the client times out."""
        return self.inject("timeout", seconds=seconds, path=path, method=method, times=times)

    def malformed(
        self,
        *,
        path: PathMatcher = None,
        method: str | None = None,
        times: int | None = None,
        body: bytes | str | None = None,
    ) -> Fault:
        return self.inject("malformed", path=path, method=method, times=times, body=body)

    def success_false(
        self,
        *,
        path: PathMatcher = None,
        method: str | None = None,
        times: int | None = None,
        code: int | None = None,
        message: str | None = None,
    ) -> Fault:
        return self.inject(
            "success_false", path=path, method=method, times=times, code=code, message=message
        )

    def null_result(
        self, *, path: PathMatcher = None, method: str | None = None, times: int | None = None
    ) -> Fault:
        return self.inject("null_result", path=path, method=method, times=times)

    def drop_connection(
        self, *, path: PathMatcher = None, method: str | None = None, times: int | None = None
    ) -> Fault:
        return self.inject("drop", path=path, method=method, times=times)

    def clear_faults(self) -> None:
        """Remove every fault and the global latency."""
        self.faults.clear()


__all__ = ["API_PREFIX", "FakeCloudflare", "RequestRecord"]
