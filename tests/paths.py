"""Where the tests find the repository, their case folders and the inputs shared beside it.

The shared inputs (the real-wrangler corpus, wrangler's config schema, the Cloudflare
OpenAPI subset) live in a ``shared`` folder beside the repository, or beside a folder
above it (a git worktree lives deeper than the main checkout); ``ENVMAN_SHARED_DIR``
names it explicitly. Tests that need them skip without.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
CASES = TESTS / "cases"


def _shared() -> Path:
    explicit = os.environ.get("ENVMAN_SHARED_DIR")
    if explicit:
        return Path(explicit)
    for parent in REPO.parents:
        if (parent / "shared").is_dir():
            return parent / "shared"
    return REPO.parent / "shared"


SHARED = _shared()
CORPUS = SHARED / "corpus" / "real-wrangler"
