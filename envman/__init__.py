"""envman: keep Cloudflare Workers configuration consistent across environments."""

from __future__ import annotations

__version__ = "0.1.0"
