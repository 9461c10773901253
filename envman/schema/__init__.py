"""The typed schema of a Worker's vars and secrets (schemas/vars.toml or a pydantic model)."""

from __future__ import annotations

from envman.schema.credentials import credential_findings
from envman.schema.export import export_json_schemas
from envman.schema.file import load_schema, schema_from_document
from envman.schema.model import Schema, SecretSpec, VarSpec, VarType, empty_schema
from envman.schema.python import load_python_schema
from envman.schema.rules import REDACTED

__all__ = [
    "REDACTED",
    "Schema",
    "SecretSpec",
    "VarSpec",
    "VarType",
    "credential_findings",
    "empty_schema",
    "export_json_schemas",
    "load_python_schema",
    "load_schema",
    "schema_from_document",
]
