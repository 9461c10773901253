"""Live reads against a hostile or paginating API: backoff floors, retry caps, every page.

Measured before: `Retry-After: 0`, a negative value or a date in the past made envman
retry at once, 1,200 requests (the whole 5-minute budget) in 18 s; a list with
`result_info.total_pages` > 1 was read as one page, hiding a secret.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from envman.live import LiveRead, Target, read_live
from envman.live.client import MAX_PAGES
from envman.live.ratelimit import MAX_THROTTLED, THROTTLE_FLOOR
from envman.settings import load_settings
from tests.fakecf import FakeCloudflare

ACCOUNT = "acc123"


def read(fake: FakeCloudflare, target: Target) -> tuple[LiveRead, list[float]]:
    """One live read on a virtual clock: no test waits for real; the sleeps are returned."""
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    settings = load_settings(
        {},
        cloudflare_api_token=fake.token,
        cloudflare_base_url=fake.base_url,
        request_timeout=2.0,
        timeout=600.0,
    )
    result = asyncio.run(
        read_live(
            [target], settings=settings, account_id=ACCOUNT, sleep=sleep, clock=lambda: now[0]
        )
    )
    return result, slept


PAST = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)


@pytest.mark.parametrize(
    "retry_after", ["0", "-5", PAST, None], ids=["zero", "negative", "past", "absent"]
)
def test_a_bogus_retry_after_cannot_make_envman_spin(
    fake_cloudflare: FakeCloudflare, retry_after: str | None
) -> None:
    fake_cloudflare.put_script(ACCOUNT, "w", secrets=["TOKEN"])
    fake_cloudflare.rate_limit(retry_after=retry_after, path="*/w/secrets")
    result, slept = read(fake_cloudflare, Target(env="prod", script="w"))
    assert "429" in result.errors["prod"] and f"{MAX_THROTTLED + 1} times" in result.errors["prod"]
    assert fake_cloudflare.request_count("*/w/secrets") == MAX_THROTTLED + 1
    assert len(slept) == MAX_THROTTLED and min(slept) >= THROTTLE_FLOOR


def test_a_long_retry_after_is_still_honoured(fake_cloudflare: FakeCloudflare) -> None:
    fake_cloudflare.put_script(ACCOUNT, "w", secrets=["TOKEN"])
    fake_cloudflare.rate_limit(retry_after=30, path="*/w/secrets", times=1)
    result, slept = read(fake_cloudflare, Target(env="prod", script="w"))
    assert result.workers["prod"].secret_types == {"TOKEN": "secret_text"}
    assert slept == [30.0]


def test_every_page_of_secrets_routes_and_domains_is_read(fake_cloudflare: FakeCloudflare) -> None:
    fake = fake_cloudflare
    secrets = [f"SECRET_{i}" for i in range(7)]  # the last one alone on page 4
    zone = fake.add_zone("example.com")
    fake.put_script(
        ACCOUNT,
        "w",
        secrets=secrets,
        routes=[{"pattern": f"example.com/r{i}/*", "zone_id": zone} for i in range(5)],
        custom_domains=[f"d{i}.example.com" for i in range(5)],
    )
    fake.list_page_size = 2
    result, _ = read(fake, Target(env="prod", script="w", zones=(zone,)))
    worker = result.workers["prod"]
    assert sorted(worker.secret_types) == secrets
    assert worker.config is not None and worker.config.routes is not None
    patterns = sorted(r.pattern for r in worker.config.routes)
    assert patterns == sorted(
        [f"example.com/r{i}/*" for i in range(5)] + [f"d{i}.example.com" for i in range(5)]
    )
    pages = [r.query.get("page", ["1"])[0] for r in fake.requests if r.path.endswith("/secrets")]
    assert pages == ["1", "2", "3", "4"]


def body(result: Any, info: dict[str, Any]) -> str:
    return json.dumps(
        {"success": True, "errors": [], "messages": [], "result": result, "result_info": info}
    )


def test_pages_where_none_are_expected_fail_closed(fake_cloudflare: FakeCloudflare) -> None:
    fake_cloudflare.put_script(ACCOUNT, "w")
    fake_cloudflare.malformed(
        path="*/w/schedules", body=body({"schedules": []}, {"page": 1, "total_pages": 2})
    )
    result, _ = read(
        fake_cloudflare, Target(env="prod", script="w", reads=frozenset({"schedules"}))
    )
    assert "page 1 of 2" in result.errors["prod"]


def test_a_list_shorter_than_its_total_count_fails_closed(fake_cloudflare: FakeCloudflare) -> None:
    fake_cloudflare.put_script(ACCOUNT, "w")
    fake_cloudflare.malformed(
        path="*/w/secrets",
        body=body(
            [{"name": "A", "type": "secret_text"}], {"page": 1, "total_pages": 1, "total_count": 2}
        ),
    )
    result, _ = read(fake_cloudflare, Target(env="prod", script="w"))
    assert "listed 1 of 2 items" in result.errors["prod"]


def test_endless_pages_fail_closed(fake_cloudflare: FakeCloudflare) -> None:
    fake_cloudflare.put_script(ACCOUNT, "w")
    fake_cloudflare.malformed(
        path="*/w/secrets", body=body([], {"page": 1, "total_pages": MAX_PAGES + 5})
    )
    result, _ = read(fake_cloudflare, Target(env="prod", script="w"))
    assert f"more than {MAX_PAGES} pages" in result.errors["prod"]
    assert fake_cloudflare.request_count("*/w/secrets") == MAX_PAGES
