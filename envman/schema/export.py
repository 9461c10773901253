"""JSON Schemas of envman's files for editors (taplo, VS Code): what `envman schema export` writes."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from envman.bindings import MODELLED
from envman.config import WorkerConfig
from envman.project import Project
from envman.schema.model import Schema, _SchemaFile
from envman.schema.rules import plain

_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def export_json_schemas(schema: Schema | None) -> dict[str, str]:
    """JSON Schema files for editors (taplo, VS Code), by file name; deterministic text.

    envman.schema.json (envman.toml), environment.schema.json (an environment file,
    wrangler-shaped), vars-schema.schema.json (schemas/vars.toml) and, with a schema,
    vars.schema.json (the `vars` table, also embedded in environment.schema.json).
    """
    project = Project.model_json_schema(by_alias=True)
    project.update(title="envman.toml", description="envman project settings.")
    vars_file = _SchemaFile.model_json_schema()
    vars_file["description"] = "Typed vars and secrets of a Worker (envman)."
    documents: dict[str, dict[str, Any]] = {
        "envman.schema.json": project,
        "vars-schema.schema.json": vars_file,
    }
    vars_schema = vars_json_schema(schema) if schema is not None and schema.present else None
    if vars_schema is not None:
        documents["vars.schema.json"] = vars_schema
    documents["environment.schema.json"] = environment_json_schema(vars_schema)
    return {name: _dump({"$schema": _DRAFT, **doc}) for name, doc in sorted(documents.items())}


def _dump(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def vars_json_schema(schema: Schema) -> dict[str, Any]:
    """JSON Schema of `vars`: each declared var's type and the rules every environment shares.

    Rules overridden in some environment are left out (an editor cannot know which
    environment a file is for), and so is `required` (a file may rely on base.toml).
    Patterns are anchored, as JSON Schema patterns search.
    """
    if schema.model is not None:
        document = schema.model.model_json_schema(by_alias=True)
        document.pop("required", None)
        document["additionalProperties"] = True
        return document
    properties: dict[str, Any] = {}
    for name, spec in schema.vars.items():
        overridden = {k for keys in spec.env_overrides.values() for k in keys}
        prop: dict[str, Any] = {"title": name}
        prop.update(
            {
                "string": {"type": "string"},
                "integer": {"type": "integer"},
                "number": {"type": "number"},
                "boolean": {"type": "boolean"},
                "url": {"type": "string", "format": "uri", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://"},
                "enum": {"type": "string"},
                "json": {},
            }[spec.type]
        )
        if spec.description:
            prop["description"] = spec.description
        for key, keyword in (
            ("min", "minimum"),
            ("max", "maximum"),
            ("min_length", "minLength"),
            ("max_length", "maxLength"),
            ("allowed", "enum"),
        ):
            hidden = key == "allowed" and spec.sensitive  # the options would hint at the value
            if getattr(spec, key) is not None and key not in overridden and not hidden:
                prop[keyword] = plain(getattr(spec, key))
        if spec.pattern is not None and "pattern" not in overridden:
            prop["allOf"] = [{"pattern": f"^(?:{spec.pattern})$"}]
        if spec.default is not None and not spec.sensitive and "default" not in overridden:
            prop["default"] = spec.default
        properties[name] = prop
    for name in schema.secrets:
        properties[name] = {
            "not": {},
            "description": f"{name} is a secret: list it in "
            "secrets.required and set it with `wrangler secret put`.",
        }
    return {
        "title": "vars",
        "type": "object",
        "description": f"Vars declared in {schema.source}.",
        "properties": properties,
        "additionalProperties": True,
    }


def environment_json_schema(vars_schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """JSON Schema of an environment file, from WorkerConfig, in wrangler's file shape.

    WorkerConfig keys bindings by name; files write lists of tables
    (`[[kv_namespaces]] binding = "CACHE"`), which is what this schema describes.
    """
    document: dict[str, Any] = _without_null(WorkerConfig.model_json_schema())
    defs: dict[str, Any] = document["$defs"]
    props: dict[str, Any] = document["properties"]

    def listed(prop: Mapping[str, Any], key: str) -> dict[str, Any]:
        item = prop["additionalProperties"]
        entry = defs[item["$ref"].rsplit("/", 1)[-1]]
        entry["properties"] = {key: {"type": "string", "title": key}, **entry["properties"]}
        entry["required"] = sorted({key, *entry.get("required", ())})
        return {"type": "array", "items": item, "title": prop.get("title", key)}

    for kind in MODELLED:
        if kind.single:
            continue
        *parents, last = kind.path.split(".")
        holder = defs["Queues"]["properties"] if parents else props
        entries = listed(holder[last], kind.naming)
        if len(kind.wrangler) > len(kind.path.split(".")):  # durable_objects.bindings
            title = holder[last].get("title", last)
            entries = {"type": "object", "title": title, "properties": {kind.wrangler[-1]: entries}}
        holder[last] = entries
    route = {"anyOf": [{"type": "string"}, {"$ref": "#/$defs/Route"}]}
    props["routes"] = {"type": "array", "items": route, "title": "Routes"}
    props["route"] = {**route, "title": "Route"}
    if vars_schema is not None:
        vars_doc = dict(vars_schema)
        for name, sub in vars_doc.pop("$defs", {}).items():
            defs[f"vars.{name}"] = sub
        props["vars"] = dict(_rebase(vars_doc, "#/$defs/", "#/$defs/vars."))
    document.update(
        title="environment file",
        description="environments/ENV.toml: wrangler's keys for one environment.",
    )
    return document


def _without_null(node: Any) -> Any:
    """Drop the `None` alternative pydantic adds to optional fields: files cannot write null."""
    if isinstance(node, list):
        return [_without_null(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _without_null(v) for k, v in node.items() if not (k == "default" and v is None)}
    options = node.get("anyOf")
    if isinstance(options, list) and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        node.pop("anyOf")
        if len(rest) == 1:
            node = {**rest[0], **node}
        else:
            node["anyOf"] = rest
    return node


def _rebase(node: Any, old: str, new: str) -> Any:
    if isinstance(node, list):
        return [_rebase(v, old, new) for v in node]
    if isinstance(node, dict):
        return {
            k: (
                new + v.removeprefix(old)
                if k == "$ref" and isinstance(v, str) and v.startswith(old)
                else _rebase(v, old, new)
            )
            for k, v in node.items()
        }
    return node
