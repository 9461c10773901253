"""A user's pydantic model as the schema: `schema = "python:package.module:Model"`."""

from __future__ import annotations

import contextlib
import importlib
import sys
import types
import typing
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import AnyUrl, BaseModel, TypeAdapter, ValidationError
from pydantic_core import PydanticUndefined

from envman.errors import InputError
from envman.models import did_you_mean, field_errors, model_keys
from envman.schema.model import Schema, _SecretEntry
from envman.schema.specs import SecretSpec, VarSpec, VarType


def load_python_schema(spec: str, root: Path) -> Schema:
    """Import `python:package.module:Model` (with `root` on sys.path) and use it as the schema."""
    target = spec.removeprefix("python:")
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise InputError(
            f"schema {spec!r} is not python:package.module:Model",
            hint='write schema = "python:config.schema:Vars" in envman.toml',
        )
    sys.path.insert(0, str(root))
    try:
        importlib.invalidate_caches()
        module = importlib.import_module(module_name)
    except Exception as e:  # user code: any exception while importing it is their error
        raise InputError(f"cannot import {module_name}: {type(e).__name__}: {e}", file=spec) from e
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(str(root))
    model = getattr(module, attr, None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        models = [
            n
            for n, v in vars(module).items()
            if isinstance(v, type) and issubclass(v, BaseModel) and v is not BaseModel
        ]
        raise InputError(
            f"{module_name} has no pydantic model {attr!r}",
            file=spec,
            hint=did_you_mean(attr, models),
        )
    return schema_from_model(model, spec)


def schema_from_model(model: type[BaseModel], source: str) -> Schema:
    """The Schema of a user's pydantic model: one var per field, secrets from __envman_secrets__."""
    variables: dict[str, VarSpec] = {}
    for name, info in model.model_fields.items():
        var = (
            info.validation_alias
            if isinstance(info.validation_alias, str)
            else (info.alias or name)
        )
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        kind, allowed = _python_type(info.annotation)
        limits: dict[str, Any] = {}
        for item in info.metadata:
            for attr, key in (
                ("ge", "min"),
                ("le", "max"),
                ("min_length", "min_length"),
                ("max_length", "max_length"),
                ("pattern", "pattern"),
            ):
                if getattr(item, attr, None) is not None:
                    limits[key] = getattr(item, attr)
        default = None if info.default is PydanticUndefined else info.default
        reason = extra.get("not_secret_reason")
        if extra.get("not_secret") is True and not (isinstance(reason, str) and reason.strip()):
            raise InputError(
                f"field {name} ({var}): not_secret needs a not_secret_reason",
                file=source,
                hint='json_schema_extra={"not_secret": True, "not_secret_reason": "…"}',
            )
        variables[var] = VarSpec(
            name=var,
            type=kind,
            required=info.is_required(),
            default=default,
            description=info.description,
            allowed=allowed,
            scope="environment" if extra.get("scope") == "environment" else "promotable",
            sensitive=extra.get("sensitive") is True,
            not_secret=extra.get("not_secret") is True,
            not_secret_reason=reason if isinstance(reason, str) else None,
            **limits,
        )
    raw = getattr(model, "__envman_secrets__", {})
    try:
        entries = TypeAdapter(dict[str, _SecretEntry]).validate_python(raw)
    except ValidationError as e:
        problem = field_errors(e, known={})[0]
        where = ".".join(str(p) for p in problem.loc)
        raise InputError(
            f"__envman_secrets__ {where}: {problem.message}",
            file=source,
            hint=did_you_mean(str(problem.loc[-1]), model_keys(_SecretEntry)),
        ) from e
    secrets = {
        n: SecretSpec(
            n, s.required, s.description, None if s.environments is None else tuple(s.environments)
        )
        for n, s in entries.items()
    }
    return Schema(vars=variables, secrets=secrets, source=source, model=model)


def _python_type(annotation: Any) -> tuple[VarType, tuple[Any, ...] | None]:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) in {typing.Union, types.UnionType} and len(args) == 1:
        annotation = args[0]
    if get_origin(annotation) is Literal:
        return "enum", get_args(annotation)
    simple: dict[Any, VarType] = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if annotation in simple:
        return simple[annotation], None
    if isinstance(annotation, type) and issubclass(annotation, AnyUrl):
        return "url", None
    return "json", None
