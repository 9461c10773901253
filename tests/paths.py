"""Where the tests find the repository, their case folders and the inputs shared beside it.

The shared inputs (the real-wrangler corpus, wrangler's config schema, the Cloudflare
OpenAPI subset) live in ``../shared`` next to the repository; a checkout elsewhere (a git
worktree, say) points ``ENVMAN_TEST_SHARED`` at them. Tests that need them skip without.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
CASES = TESTS / "cases"
SHARED = Path(os.environ.get("ENVMAN_TEST_SHARED") or REPO.parent / "shared")
CORPUS = SHARED / "corpus" / "real-wrangler"
