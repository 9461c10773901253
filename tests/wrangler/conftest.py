"""Fixtures of the wrangler tests: a wrangler file written and read back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from envman.wrangler import WranglerFile, read_wrangler


@pytest.fixture
def wrangler(tmp_path: Path) -> Callable[..., WranglerFile]:
    """Write a wrangler file (wrangler.toml unless named) and read it back."""

    def write(text: str, name: str = "wrangler.toml") -> WranglerFile:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return read_wrangler(path, name)

    return write
