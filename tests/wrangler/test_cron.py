"""Tests for envman.cron: the expressions Cloudflare's cron parser accepts and refuses."""

from __future__ import annotations

import pytest

from envman.wrangler.cron import cron_problem

VALID_CRONS = [
    "* * * * *",
    "*/30 * * * *",
    "0 17 * * sun",
    "0 17 * * 1",
    "10 7 * * mon-fri",
    "10 7 * * 2-6",
    "0 15 1 * *",
    "0 18 * * 6L",
    "0 18 * * friL",
    "59 23 LW * *",
    "0 0 L-3 * *",
    "0 0 L-3W * *",
    "0 0 15W * *",
    "0 9 * * MON#2",
    "0 9 * * 2#5",
    "0 0 * * L",
    "0,30 22-2 */2 JAN-MAR,dec 7",
    "5/15 1-23/2 1-31/5 1/3 1-7/2",
    "0 0 1,*/5 * *",
    "0   3  *  *   *",
]
INVALID_CRONS = {
    "0 0 * * 0": "day-of-week",
    "* * * *": "4 fields",
    "0 * * * * *": "no seconds",
    "60 * * * *": "minute",
    "0 24 * * *": "hour",
    "0 0 0 * *": "day-of-month",
    "0 0 32 * *": "day-of-month",
    "0 0 * 13 *": "month",
    "0 0 * JANUARY *": "month",
    "0 0 * * 8": "day-of-week",
    "*/0 * * * *": "step",
    "*/60 * * * *": "step",
    "0 0 ? * MON": "day-of-month",
    "0 0 * * ?": "day-of-week",
    "0 0 L,5 * *": "day-of-month",
    "0 0 L-31 * *": "day-of-month",
    "0 0 5W,6 * *": "day-of-month",
    "0 0 * * MON#6": "day-of-week",
    "0 0 * * 2#1,3": "day-of-week",
    "*,5 * * * *": "minute",
    "*-5 * * * *": "minute",
    "1,,2 * * * *": "minute",
    "a * * * *": "minute",
    "": "0 fields",
}


@pytest.mark.parametrize("cron", VALID_CRONS)
def test_crons_cloudflare_accepts(cron: str) -> None:
    assert cron_problem(cron) is None


@pytest.mark.parametrize(("cron", "why"), INVALID_CRONS.items())
def test_crons_cloudflare_refuses(cron: str, why: str) -> None:
    problem = cron_problem(cron)
    assert problem is not None and why in problem
