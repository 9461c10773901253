"""A sliding-window rate limiter and the backoff and Retry-After rules of live reads."""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from envman.live.normalise import ReadFailure

MAX_RETRY_AFTER = 300.0
"""The longest total Retry-After wait envman accepts for one request (DESIGN.md, Drift)."""
BACKOFF_BASE = 0.25
BACKOFF_CAP = 8.0
BACKOFF_FLOOR = 0.25
"""No retry of a failed request comes sooner than this, whatever the jitter."""
THROTTLE_FLOOR = 1.0
"""No retry after a 429 comes sooner than this: `Retry-After: 0`, a negative value or a date
in the past once made envman retry at once, 1,200 requests (the whole 5-minute budget)
in 18 s."""
MAX_THROTTLED = 6
"""429 answers one request may get before envman gives up on it (with the floor and the
exponential backoff, about 20 s of waiting at the least)."""

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


class RateLimiter:
    """At most `limit` requests in any window of `period` seconds, shared by a whole run.

    A sliding window (not a token bucket) because Cloudflare counts requests per window:
    a bucket would allow twice the limit across a window boundary. `pause_until` makes
    every caller wait, for a Retry-After that applies to the whole token.
    """

    def __init__(self, limit: int, period: float, *, clock: Clock, sleep: Sleep) -> None:
        self._limit = limit
        self._period = period
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause_until(self, when: float) -> None:
        self._paused_until = max(self._paused_until, when)

    async def acquire(self, deadline: float) -> None:
        """Wait for a slot; fail when the wait would outlast `deadline`."""
        async with self._lock:  # FIFO: waiters are served in order
            while True:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self._period:
                    self._sent.popleft()
                wait = self._paused_until - now
                if len(self._sent) >= self._limit:
                    wait = max(wait, self._sent[0] + self._period - now)
                if wait <= 0:
                    self._sent.append(now)
                    return
                if now + wait > deadline:
                    raise ReadFailure(
                        f"rate limited past the budget: the next request could go in {wait:.0f} s,"
                        " after the run timeout"
                    )
                await self._sleep(wait)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def backoff(attempt: int) -> float:
    """Exponential backoff with ±50 % jitter: 0.25 s, 0.5 s, 1 s, … capped at 8 s, never
    under BACKOFF_FLOOR."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** (attempt - 1)) * random.uniform(0.5, 1.5)
    return max(BACKOFF_FLOOR, delay)


def throttle_wait(given: float | None, attempt: int) -> float:
    """How long to wait after the `attempt`-th 429 of a request, Retry-After `given` (s).

    The server's value is honoured when it is longer; never less than THROTTLE_FLOOR and
    the exponential backoff, so a bogus `Retry-After: 0` cannot make envman spin.
    """
    return max(given or 0.0, THROTTLE_FLOOR, backoff(attempt))
