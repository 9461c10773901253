"""Cloudflare's cron grammar (a port of cloudflare/saffron): why it would refuse an expression."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The grammar of Cloudflare's own cron parser, cloudflare/saffron (saffron/src/parse.rs),
# which Cron Triggers use; it matches the table in Cloudflare's docs
# (developers.cloudflare.com/workers/configuration/cron-triggers/#supported-cron-expressions):
# five fields; minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC,
# day-of-week 1-7 (1 = Sunday) or SUN-SAT, names case-insensitive. Lists (,), ranges (-,
# wrapping allowed: 22-2), steps (/, 1 up to the field's span); `L`, `LW`, `L-n`, `L-nW`
# and `nW` in day-of-month, `L`, `nL` and `n#k` in day-of-week, each alone in its field.
# Day-of-week 0 is refused ("invalid cron string", workers-sdk#8674); `?` is not accepted.
# Not ported: saffron refuses whitespace before the first or after the last field; whether
# the API trims it first is unknown, so it is not reported.


class _CronError(ValueError):
    """A cron field Cloudflare would not parse; the message says why."""


@dataclass(frozen=True)
class _CronField:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()

    def value(self, text: str, *, star: bool = False) -> int:
        if star and text == "*":
            return self.low
        if re.fullmatch(r"[0-9]+", text):
            number = int(text)
            if self.low <= number <= self.high:
                return number
            if self.name == "day-of-week" and number == 0:
                raise _CronError(
                    "0 is not a weekday here: Cloudflare numbers them 1 (Sunday) to 7 "
                    "(Saturday); write SUN or 1 for Sunday"
                )
            raise _CronError(f"{number} is outside {self.low}-{self.high}")
        if text.upper() in self.names:
            return self.names.index(text.upper()) + self.low
        raise _CronError(f"{text!r} is not a {self.name} value")

    def step(self, text: str) -> None:
        span = self.high - self.low
        if not re.fullmatch(r"[0-9]+", text) or not 1 <= int(text) <= span:
            raise _CronError(f"the step after / must be a number from 1 to {span}, not {text!r}")

    def item(self, text: str, *, star: bool) -> None:
        match = re.fullmatch(r"([^/-]+)(?:-([^/-]+))?(?:/([^/-]+))?", text)
        if match is None:
            raise _CronError(f"{text!r} is not a value, a range a-b or a step a/n or a-b/n")
        self.value(match[1], star=star)
        if match[2] is not None:
            self.value(match[2])
        if match[3] is not None:
            self.step(match[3])


_CRON = (
    _CronField("minute", 0, 59),
    _CronField("hour", 0, 23),
    _CronField("day-of-month", 1, 31),
    _CronField(
        "month",
        1,
        12,
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
    ),
    _CronField("day-of-week", 1, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)


def cron_problem(expression: str) -> str | None:
    """Why Cloudflare would refuse the cron `expression`, or None when it would accept it."""
    fields = expression.split()
    if len(fields) != len(_CRON):
        extra = "; there is no seconds or year field" if len(fields) in (6, 7) else ""
        return (
            f"it has {len(fields)} fields, Cloudflare takes 5 "
            f"(minute hour day-of-month month day-of-week){extra}"
        )
    for spec, text in zip(_CRON, fields, strict=True):
        try:
            _cron_field(spec, text)
        except _CronError as e:
            return f"{spec.name} field {text!r}: {e}"
    return None


def _cron_field(spec: _CronField, text: str) -> None:
    if spec.name == "day-of-month" and text.startswith("L"):
        match = re.fullmatch(r"L(?:W|-([0-9]+)W?)?", text)
        if match is None or (match[1] is not None and not 1 <= int(match[1]) <= 30):
            raise _CronError(
                "`L` takes only W, -n or -nW after it (n from 1 to 30), alone in the field"
            )
        return
    if spec.name == "day-of-week" and text.startswith("L"):
        if text != "L":
            raise _CronError(
                "`L` alone means Saturday; write nL (e.g. 6L) for the last weekday n of the month"
            )
        return
    first, *rest = text.split(",")
    if "" in (first, *rest):
        raise _CronError("a list has an empty item")
    if first == "*" and rest:
        raise _CronError("`*` cannot be combined with other values")
    if first.startswith("*/"):
        spec.step(first[2:])
    elif first.startswith("*") and first != "*":
        raise _CronError(f"{first!r} is not `*` or a step `*/n`")
    elif first != "*" and not _cron_special(spec, first, alone=not rest):
        spec.item(first, star=False)
    for item in rest:
        spec.item(item, star=True)


def _cron_special(spec: _CronField, text: str, *, alone: bool) -> bool:
    """Check `nW` (day-of-month), `nL` and `n#k` (day-of-week); False when `text` is none."""
    if spec.name == "day-of-month" and text.endswith("W"):
        special = "nW"
        spec.value(text[:-1])
    elif spec.name == "day-of-week" and (text.upper().endswith("L") or "#" in text):
        special = "nL" if "#" not in text else "n#k"
        value, _, nth = text.partition("#")
        spec.value(value[:-1] if special == "nL" else value)
        if special == "n#k" and not re.fullmatch(r"[1-5]", nth):
            raise _CronError(f"the k of n#k is the week of the month, 1-5, not {nth!r}")
    else:
        return False
    if not alone:
        raise _CronError(f"{special} must be alone in its field")
    return True
