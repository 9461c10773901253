"""Fixtures of the live reader's tests: a clock that only moves when the reader sleeps."""

from __future__ import annotations

import pytest

from tests.live.clock import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
