"""Schemas for the tests: built from data or written to a file, and their findings as tuples."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from envman.models import Finding
from envman.parse import Document
from envman.schema import (
    Schema,
    schema_from_document,
)


def schema_of(data: dict[str, Any]) -> Schema:
    return schema_from_document(Document(path="schemas/vars.toml", text="", data=data))


def check(
    schema: Schema, env: str, values: dict[str, Any], secrets: list[str] | None = None
) -> list[Finding]:
    return schema.check_env(env, values, secrets, lambda loc: None)


def codes(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.code, f.path) for f in findings]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path
