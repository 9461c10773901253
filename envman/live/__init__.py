"""Live Worker state read from Cloudflare through the official SDK, bounded and rate-limited.

Importing this package imports the Cloudflare SDK (about 0.2 s): callers import it inside
the code path that reads live state, never at module level on the path of `validate`.
"""

from __future__ import annotations

from envman.live.reads import LiveRead, Target, read_live, read_live_sync
from envman.live.routes import host_of

__all__ = ["LiveRead", "Target", "host_of", "read_live", "read_live_sync"]
