"""Fault injection for the fake Cloudflare API.

A :class:`Fault` matches requests by path (a glob string matched with ``fnmatch`` against
the path below ``/client/v4``, e.g. ``"*/settings"``, or a compiled regex, searched) and
optionally by method, and fires for the next ``times`` matching requests (``None``: for
ever). Kinds:

``latency``        sleep ``seconds`` before answering (per request, in the handler thread,
                   so concurrent requests overlap); several latency faults add up.
``status``         answer ``status`` (429, 500, 502, 503, ...) with Cloudflare's error
                   envelope (or ``body``), plus ``Retry-After`` when ``retry_after`` is set.
``timeout``        hang for ``seconds`` (default 30, longer than any sane client timeout;
                   interrupted at once when the server stops), then close without answering.
``malformed``      200 with a body that is not valid JSON (``body`` overrides it).
``success_false``  200 with ``{"success": false, "errors": [...], "result": null}``.
``null_result``    200 with ``{"success": true, "result": null}``.
``drop``           close the connection without sending anything.

Faults fire before authentication. Non-latency faults answer instead of the real
endpoint (the request is not processed); the first matching non-latency fault wins.
"""

from __future__ import annotations

import fnmatch
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

FaultKind = Literal[
    "latency", "status", "timeout", "malformed", "success_false", "null_result", "drop"
]
FAULT_KINDS: tuple[str, ...] = (
    "latency",
    "status",
    "timeout",
    "malformed",
    "success_false",
    "null_result",
    "drop",
)
PathMatcher = str | re.Pattern[str] | None


def path_matches(pattern: PathMatcher, path: str) -> bool:
    """Glob strings use ``fnmatch`` (``*`` crosses ``/``); compiled regexes use ``search``."""
    if pattern is None:
        return True
    if isinstance(pattern, re.Pattern):
        return pattern.search(path) is not None
    return fnmatch.fnmatchcase(path, pattern)


@dataclass
class Fault:
    """One injected fault; ``hits`` counts how often it fired."""

    kind: FaultKind
    path: PathMatcher = None
    method: str | None = None
    times: int | None = None
    seconds: float = 0.0
    status: int = 500
    retry_after: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    code: int | None = None
    message: str | None = None
    body: bytes | None = None
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if self.method is not None:
            self.method = self.method.upper()

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def matches(self, method: str, path: str) -> bool:
        return (
            not self.exhausted
            and (self.method is None or self.method == method)
            and path_matches(self.path, path)
        )

    def error_code(self) -> int:
        if self.code is not None:
            return self.code
        if self.kind == "status" and self.status == 429:
            return 971  # what the real API sends when rate limited
        return 10013

    def error_message(self) -> str:
        if self.message is not None:
            return self.message
        if self.kind == "status" and self.status == 429:
            return "Please wait and consider throttling your request speed"
        return "An unknown error has occurred. If this error persists, please file a report."

    def response_headers(self) -> dict[str, str]:
        out = dict(self.headers)
        if self.retry_after is not None:
            out["Retry-After"] = self.retry_after
        return out


@dataclass(frozen=True)
class FaultPlan:
    """What to do with one request: total latency, then maybe one answering fault."""

    latency: float
    fault: Fault | None


class FaultSet:
    """The active faults, consumed atomically by the handler threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.latency = 0.0

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self.latency = 0.0

    @property
    def active(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def plan(self, method: str, path: str) -> FaultPlan:
        with self._lock:
            latency = self.latency
            answer: Fault | None = None
            for fault in self._faults:
                if not fault.matches(method, path):
                    continue
                if fault.kind == "latency":
                    fault.hits += 1
                    latency += fault.seconds
                elif answer is None:
                    fault.hits += 1
                    answer = fault
            self._faults = [f for f in self._faults if not f.exhausted]
            return FaultPlan(latency, answer)


def make_fault(
    kind: FaultKind,
    *,
    path: PathMatcher = None,
    method: str | None = None,
    times: int | None = None,
    seconds: float | None = None,
    status: int = 500,
    retry_after: float | str | None = None,
    headers: Mapping[str, str] | None = None,
    code: int | None = None,
    message: str | None = None,
    body: bytes | str | None = None,
) -> Fault:
    """Build a :class:`Fault` with per-kind defaults (``timeout`` hangs 30 s)."""
    if seconds is None:
        seconds = 30.0 if kind == "timeout" else 0.0
    if isinstance(retry_after, float) and retry_after.is_integer():
        retry_after = int(retry_after)
    return Fault(
        kind=kind,
        path=path,
        method=method,
        times=times,
        seconds=seconds,
        status=status,
        retry_after=None if retry_after is None else str(retry_after),
        headers=dict(headers or {}),
        code=code,
        message=message,
        body=body.encode() if isinstance(body, str) else body,
    )
