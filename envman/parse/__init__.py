"""Located parsing of TOML and JSONC: each file's data plus where every key path is written."""

from __future__ import annotations

from envman.parse.document import (
    Document,
    Loc,
    copy_data,
    document_loc,
    load_document,
    parse_jsonc,
    parse_text,
    parse_toml,
)
from envman.parse.toml import TOML_TRAIL, read_toml, scan_toml
from envman.parse.toml_located import TomlHeader, TomlItem, TomlPair, TomlScan, TomlValue

__all__ = [
    "TOML_TRAIL",
    "Document",
    "Loc",
    "TomlHeader",
    "TomlItem",
    "TomlPair",
    "TomlScan",
    "TomlValue",
    "copy_data",
    "document_loc",
    "load_document",
    "parse_jsonc",
    "parse_text",
    "parse_toml",
    "read_toml",
    "scan_toml",
]
