"""Located parsing of TOML and JSONC: each file's data plus where every key path is written."""

from __future__ import annotations

from envman.parse.document import (
    Document,
    Loc,
    document_loc,
    load_document,
    parse_jsonc,
    parse_toml,
)

__all__ = ["Document", "Loc", "document_loc", "load_document", "parse_jsonc", "parse_toml"]
