"""The plain enumerations a finding is made of (severity, kind of difference), free of pydantic.

They live apart from the models so that the command line can offer `--fail-on` and the
reporters can be registered without importing pydantic: `envman --help` never does.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding is; `rank` orders them for `--fail-on`."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Kind(StrEnum):
    """How a compared value differs: changed, declared but missing, or present but unexpected."""

    CHANGED = "changed"
    MISSING = "missing"
    UNEXPECTED = "unexpected"
    UNKNOWN = "unknown"
    """The live side was not read: drift of this key is undetermined (exit 3 unless ignored)."""
