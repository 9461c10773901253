"""Shared fixtures: a clean process environment for every test, and the bundled project."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def clean_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """No test sees the user's Cloudflare or envman variables, or their HOME."""
    for name in list(os.environ):
        if name.startswith(("CLOUDFLARE_", "ENVMAN_", "GITHUB_")) or name in {
            "NO_COLOR",
            "FORCE_COLOR",
        }:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("COLUMNS", "120")
    from envman.redaction import SECRETS

    SECRETS.clear()  # secrets registered by one test never mask another's output
    yield


@pytest.fixture
def repo_root() -> Path:
    return REPO


BUNDLED = ("envman.toml", "wrangler.toml", "environments", "schemas", "src", "examples")


def copy_project(destination: Path) -> Path:
    """A copy of the bundled dashboard-worker project (the repository's own config)."""
    for name in BUNDLED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy(source, destination / name)
    return destination


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The bundled project, copied into tmp_path."""
    return copy_project(tmp_path)


from tests.fakecf.fixtures import (  # noqa: E402, F401 - fixtures for every test module
    faithful_cloudflare,
    fake_cloudflare,
)
