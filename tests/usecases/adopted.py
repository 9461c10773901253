"""The real-wrangler corpus for the adoption tests: where it is, and a project adopted from it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from envman.cli import main

REPO = Path(__file__).resolve().parents[2]


def _corpus() -> Path:
    explicit = os.environ.get("ENVMAN_SHARED_DIR")
    candidates = [Path(explicit)] if explicit else [p / "shared" for p in REPO.parents]
    for shared in candidates:
        if (shared / "corpus" / "real-wrangler").is_dir():
            return shared / "corpus" / "real-wrangler"
    return REPO.parent / "shared" / "corpus" / "real-wrangler"


CORPUS = _corpus()
"""../shared/corpus/real-wrangler beside the repository (or beside a folder above a worktree)."""


def folders() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


def wrangler_copy(folder: Path, into: Path) -> Path:
    """A project folder holding only the corpus entry's wrangler file."""
    into.mkdir(parents=True, exist_ok=True)
    for item in folder.iterdir():
        if item.name.startswith("wrangler."):
            shutil.copyfile(item, into / item.name)
    return into


def adopt(folder: Path, into: Path, *args: str) -> Path:
    """`envman init ARGS` in a copy of a corpus entry; the adopted project's folder."""
    project = wrangler_copy(folder, into)
    assert main(["--quiet", "-C", str(project), "init", *args]) == 0
    return project
