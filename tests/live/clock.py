"""A monotonic clock for the live reader's tests: time moves only when someone sleeps.

`read_live` and `RateLimiter` take `clock` and `sleep`; with this one injected, a wait
is recorded instead of waited, so tests assert what was waited and in which order.
"""

from __future__ import annotations

import asyncio


class FakeClock:
    """`clock()` reads `now`; `await sleep(s)` records `s`, advances `now` and yields."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)  # still a suspension point, as a real sleep is
