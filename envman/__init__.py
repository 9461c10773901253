"""envman: keep Cloudflare Workers configuration consistent across environments."""

from __future__ import annotations

__version__ = "0.1.0"

HOMEPAGE = "https://github.com/envman-dev/envman"
"""The project's home: `[project.urls]` of pyproject.toml (a test keeps them equal)."""
ISSUES_URL = f"{HOMEPAGE}/issues"
"""Where bugs are reported (the internal-error message says so)."""
DOCS_URL = f"{HOMEPAGE}/blob/main/docs"
"""The documentation, as rendered by the repository host."""


def finding_help_url(code: str) -> str:
    """The finding-codes reference for `code`: its range's section (EM101 -> #em1xx)."""
    return f"{DOCS_URL}/reference/finding-codes.md#{code[:3].lower()}xx"
