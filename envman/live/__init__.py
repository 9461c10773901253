"""Live Worker state read from Cloudflare through the official SDK, bounded and rate-limited.

Importing this package imports the Cloudflare SDK (about 0.2 s): callers import it inside
the code path that reads live state, never at module level on the path of `validate`.
"""

from __future__ import annotations

import sys

# httpx imports its own command line (click, rich, pygments: ~0.1 s) whenever they are
# installed; envman never runs it, so that one import is made to fail (a None entry in
# sys.modules) and httpx keeps the stub it defines for a missing command line.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from envman.live.attribution import Answers, Question, attribute_sync
from envman.live.reads import read_live, read_live_sync
from envman.live.routes import host_of
from envman.live.targets import LiveRead, Target
from envman.live.writes import Push, Pushed, push_sync

__all__ = [
    "Answers",
    "LiveRead",
    "Push",
    "Pushed",
    "Question",
    "Target",
    "attribute_sync",
    "host_of",
    "push_sync",
    "read_live",
    "read_live_sync",
]
