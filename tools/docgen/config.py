"""Generates docs/reference/configuration.md from the models of envman.toml and WorkerConfig."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Iterator
from datetime import date
from typing import Any

from envman import bindings, config, project
from envman.schema import model as schema
from envman.workspace import loading
from tools.docgen.markdown import docstring_body, header, page, table


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and hasattr(tp, "model_fields")


def _non_none(tp: Any) -> list[Any]:
    """The members of a union other than None (a one-item list for a plain type)."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        return [arg for arg in typing.get_args(tp) if arg is not type(None)]
    return [tp]


_SCALARS: dict[Any, str] = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    date: "date (`YYYY-MM-DD`)",
    Any: "any value",
}


def _type_name(tp: Any) -> str:
    """A TOML-flavoured name of a field's type."""
    members = _non_none(tp)
    if len(members) > 1:
        return " or ".join(_type_name(m) for m in members)
    tp = members[0]
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a!r}`" for a in args)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        inner = args[0]
        return "array of tables" if _is_model(inner) else f"array of {_type_name(inner)}s"
    if origin is dict:
        return "table"
    if _is_model(tp):
        return "table"
    return str(tp)


def _toml_value(value: Any) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{'true' if value else 'false'}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, tuple | list):
        return "`[" + ", ".join(_toml_value(v).strip("`") for v in value) + "]`"
    return f"`{value}`"


def _constraints(field: Any) -> list[str]:
    notes = []
    for item in field.metadata:
        if getattr(item, "min_length", None):
            notes.append(f"At least {item.min_length}.")
    return notes


def _accepts_field_name(model: type[Any]) -> bool:
    model_config = model.model_config
    return bool(model_config.get("populate_by_name") or model_config.get("validate_by_name"))


def _model_sections(model: type[Any], path: str, array: bool = False) -> Iterator[list[str]]:
    """Sections documenting `model` at TOML `path` ("" for the top level), then its sub-tables."""
    title = "Top level" if not path else (f"`[[{path}]]`" if array else f"`[{path}]`")
    lines = [f"### {title}", "", inspect.cleandoc(model.__doc__ or ""), ""]
    rows = []
    nested: list[tuple[type[Any], str, bool]] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        shown = f"`{key}`"
        if field.alias and _accepts_field_name(model):
            shown += f" (or `{name}`)"
        inner = _non_none(field.annotation)[0]
        args = typing.get_args(inner)
        sub_path = f"{path}.{key}" if path else key
        if _is_model(inner):
            nested.append((inner, sub_path, False))
            kind = f"table, see `[{sub_path}]`"
        elif typing.get_origin(inner) is tuple and args and _is_model(args[0]):
            nested.append((args[0], sub_path, True))
            kind = f"array of tables, see `[[{sub_path}]]`"
        else:
            kind = _type_name(field.annotation)
        if field.is_required():
            default = "**required**"
        else:
            value = field.get_default(call_default_factory=True)
            default = "(its table's defaults)" if _is_model(type(value)) else _toml_value(value)
        description = " ".join([field.description or "", *_constraints(field)]).strip()
        rows.append([shown, kind, default, description])
    lines += table(["key", "type", "default", "description"], rows)
    yield lines
    for sub_model, sub_path, sub_array in nested:
        yield from _model_sections(sub_model, sub_path, sub_array)


def _binding_keys(model: type[Any], entry_key: str | None = None) -> str:
    """The keys of one binding entry: `binding` (string, names the entry), `id` (string), …"""
    parts = [f"`{entry_key}` (string, names the entry)"] if entry_key else []
    for name, field in model.model_fields.items():
        key = field.alias or name
        required = "" if not field.is_required() else ", required"
        parts.append(f"`{key}` ({_type_name(field.annotation)}{required})")
    return ", ".join(parts)


def _worker_rows() -> list[list[str]]:
    """One row per WorkerConfig field, in the shape the key has in the TOML file."""
    rows = []
    for name, field in config.WorkerConfig.model_fields.items():
        inner = _non_none(field.annotation)[0]
        origin, args = typing.get_origin(inner), typing.get_args(inner)
        description = field.description or ""
        kinds = [k for k in bindings.MODELLED if k.field == name]
        if kinds and kinds[0].single:
            shape = f"`[{name}]` table"
            keys = _binding_keys(inner)
        elif kinds:
            shape = " and ".join(f"`[[{'.'.join(k.wrangler)}]]`" for k in kinds)
            shape += " arrays of tables" if len(kinds) > 1 else " array of tables"
            parts = [
                (f"{k.path.split('.')[-1]}: " if len(kinds) > 1 else "")
                + _binding_keys(k.model or object, k.naming)
                for k in kinds
            ]
            keys = "; ".join(parts)
        elif name == "routes":
            shape = "array of strings (patterns) or of inline tables"
            keys = _binding_keys(args[0]) + "; a single `route = ...` is read as `routes = [...]`"
        elif name == "vars":
            shape = "`[vars]` table"
            keys = "`NAME = value`: string, number, boolean, array or table; typed by `schemas/vars.toml`"
        elif origin is tuple and args and _is_model(args[0]):
            shape = f"`[[{name}]]` array of tables"
            keys = _binding_keys(args[0])
        elif _is_model(inner):
            shape = f"`[{name}]` table"
            keys = _binding_keys(inner)
        else:
            shape = _type_name(field.annotation)
            keys = ""
        if description:
            keys = f"{description} {keys}".strip()
        rows.append([f"`{name}`", shape, keys])
    return rows


def configuration() -> str:
    """docs/reference/configuration.md: envman.toml, environment files, schemas/vars.toml."""
    lines = [
        header(
            "envman/project.py", "envman/config.py", "envman/workspace/loading.py", "envman/schema/"
        ),
        "# Configuration reference",
        "",
        "A project has up to three kinds of files besides the wrangler file:",
        "[`envman.toml`](#envmantoml), the [environment files](#environment-files) and the",
        "[vars schema](#schemasvarstoml). All three are TOML.",
        "",
        "## envman.toml",
        "",
        "Unknown keys are errors (with a “did you mean” hint). Environment names match",
        f"`{project._ENV_NAME.pattern}` and are unique; every `protected` environment must be",
        "listed in `environments`.",
        "",
    ]
    for section in _model_sections(project.Project, ""):
        lines += [*section, ""]
    lines += [
        "## Environment files",
        "",
        "`environments/<env>.toml` declares one environment; the optional",
        f"`environments/{loading.BASE_LAYER}.toml` holds shared defaults.",
        "",
        "**Field names are wrangler's own**: an environment file reads like the body of an",
        "`[env.<name>]` section of `wrangler.toml`, written at the top level, with bindings",
        "as wrangler's lists of tables. Only the keys below are accepted (an unknown key is",
        "EM100, a wrong type EM101). Inside a binding entry, keys not listed here are kept as",
        "written, since wrangler owns that schema. Every key is optional: a key an environment",
        "does not set is not compared.",
        "",
        *table(["key", "TOML shape", "keys inside"], _worker_rows()),
        "",
        "### Layering",
        "",
        docstring_body(loading),
        "",
        "## schemas/vars.toml",
        "",
        docstring_body(schema),
    ]
    return page(lines)
