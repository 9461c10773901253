"""The typed schema of a Worker's vars and secrets (schemas/vars.toml or a pydantic model)."""

from __future__ import annotations

from envman.schema.credentials import credential_findings
from envman.schema.export import export_json_schemas
from envman.schema.file import load_schema, schema_from_document
from envman.schema.infer import (
    InferredSecret,
    InferredVar,
    Stage,
    infer_secrets,
    infer_type,
    infer_vars,
    is_stage_word,
    secret_looking,
    stage_aliases,
    stage_rank,
)
from envman.schema.model import Schema, empty_schema
from envman.schema.python import load_python_schema
from envman.schema.rules import REDACTED
from envman.schema.specs import SecretSpec, VarSpec, VarType

__all__ = [
    "REDACTED",
    "InferredSecret",
    "InferredVar",
    "Schema",
    "SecretSpec",
    "Stage",
    "VarSpec",
    "VarType",
    "credential_findings",
    "empty_schema",
    "export_json_schemas",
    "infer_secrets",
    "infer_type",
    "infer_vars",
    "is_stage_word",
    "load_python_schema",
    "load_schema",
    "schema_from_document",
    "secret_looking",
    "stage_aliases",
    "stage_rank",
]
