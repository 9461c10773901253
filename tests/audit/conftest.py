"""Fixtures of the audit tests: where the log goes."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def audit_log(tmp_path: Path) -> Path:
    return tmp_path / ".envman" / "audit.jsonl"
