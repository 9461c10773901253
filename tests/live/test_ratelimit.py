"""The sliding-window rate limiter, backoff and Retry-After, on a clock that only moves
when something sleeps."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from envman.live.normalise import ReadFailure
from envman.live.ratelimit import BACKOFF_CAP, RateLimiter, backoff, retry_after
from tests.live.clock import FakeClock


def limiter(clock: FakeClock, limit: int = 10, period: float = 1.0) -> RateLimiter:
    return RateLimiter(limit, period, clock=clock, sleep=clock.sleep)


async def granted(
    limiter: RateLimiter, clock: FakeClock, count: int, deadline: float
) -> list[float]:
    """The clock's reading as each of `count` acquires, started together, is granted."""
    times: list[float] = []

    async def one() -> None:
        await limiter.acquire(deadline)
        times.append(clock())

    await asyncio.gather(*(one() for _ in range(count)))
    return times


def test_at_most_limit_requests_in_any_window(clock: FakeClock) -> None:
    times = asyncio.run(granted(limiter(clock), clock, 25, deadline=60))
    assert times == [0.0] * 10 + [1.0] * 10 + [2.0] * 5
    assert clock.sleeps == [1.0, 1.0]  # one wait per full window, never a busy loop


def test_the_window_slides_rather_than_resets(clock: FakeClock) -> None:
    """5 at 0.0 and 5 at 0.5 fill it; the next goes when the first five leave, at 1.0."""
    rate = limiter(clock)

    async def run() -> list[float]:
        first = await granted(rate, clock, 5, deadline=60)
        clock.now = 0.5
        second = await granted(rate, clock, 6, deadline=60)
        return first + second

    assert asyncio.run(run()) == [0.0] * 5 + [0.5] * 5 + [1.0]
    assert clock.sleeps == [pytest.approx(0.5)]


def test_waiters_are_served_in_arrival_order(clock: FakeClock) -> None:
    rate = limiter(clock, limit=2)
    order: list[int] = []

    async def one(index: int) -> None:
        await rate.acquire(60)
        order.append(index)

    async def run() -> None:
        await asyncio.gather(*(one(i) for i in range(7)))

    asyncio.run(run())
    assert order == list(range(7))
    assert clock.sleeps == [1.0, 1.0, 1.0]


def test_pause_until_makes_every_caller_wait(clock: FakeClock) -> None:
    """A Retry-After applies to the whole token: the next request of anyone waits."""
    rate = limiter(clock)
    rate.pause_until(7.5)
    assert asyncio.run(granted(rate, clock, 3, deadline=60)) == [7.5] * 3
    assert clock.sleeps == [7.5]


def test_a_wait_past_the_deadline_fails_instead_of_waiting(clock: FakeClock) -> None:
    rate = limiter(clock)
    rate.pause_until(600)
    with pytest.raises(ReadFailure, match="rate limited past the budget"):
        asyncio.run(granted(rate, clock, 1, deadline=15))
    assert clock.sleeps == []


@pytest.mark.parametrize("attempt", range(1, 9))
def test_backoff_doubles_from_a_quarter_second_with_jitter_and_a_cap(attempt: int) -> None:
    base = min(BACKOFF_CAP, 0.25 * 2 ** (attempt - 1))
    waits = [backoff(attempt) for _ in range(50)]
    assert all(0.5 * base <= wait <= 1.5 * base for wait in waits)
    assert len(set(waits)) > 1  # jittered


def test_retry_after_as_seconds_or_http_date() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("1.5") == 1.5
    assert retry_after(None) is None
    assert retry_after("soon") is None
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    wait = retry_after(later)
    assert wait is not None and 28 <= wait <= 30
    earlier = format_datetime(datetime.now(UTC) - timedelta(seconds=30), usegmt=True)
    assert retry_after(earlier) == 0.0
