"""Schema `pattern`s compiled by RE2, so that matching takes linear time whatever the value.

Python's `re` backtracks: `pattern = '(a+)+$'` against forty `a`s and a `b` takes
minutes, and a schema file is input envman must survive. RE2 (google-re2) guarantees
time linear in the value and refuses what it cannot do so: backreferences (`\\1`),
lookaround (`(?=…)`, `(?<!…)`), and a few Python-only escapes (`\\Z`: use `\\z` or `$`).
Imported only when a schema has a pattern (about 10 ms).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol


class Pattern(Protocol):
    """The part of a compiled RE2 pattern envman uses."""

    @property
    def pattern(self) -> str: ...

    def fullmatch(self, text: str) -> Any: ...


class PatternError(ValueError):
    """A pattern RE2 cannot compile; the message says why, for the schema's EM117."""


@lru_cache(maxsize=256)
def compile_pattern(text: str) -> Pattern:
    """`text` compiled by RE2, or PatternError naming what RE2 does not support."""
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would print to stderr itself
    try:
        compiled: Pattern = re2.compile(text, options)
    except re2.error as e:
        reason = e.args[0] if e.args else e
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        raise PatternError(
            f"{reason} (patterns run on RE2, in linear time: no backreferences or lookaround)"
        ) from e
    return compiled
