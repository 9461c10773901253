"""The binding rules of one environment: well-formed entries, valid and unique names."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from envman.bindings import KINDS
from envman.models import Source
from envman.parse import Loc
from envman.wrangler.findings import Ctx, entry_label
from envman.wrangler.keys import BINDINGS
from envman.wrangler.schema import check_table, environment_keys

_R2_BUCKET = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")


def entries(kind: str, raw: Mapping[str, Any]) -> Iterator[tuple[Loc, Any, str, str]]:
    """(loc, entry, path, name) of each entry of binding `kind` in `raw`; name "" if it has none."""
    parts = kind.split(".")
    container: Any = raw
    for part in parts:
        container = container.get(part) if isinstance(container, dict) else None
    prefix = "durable_objects" if kind == "durable_objects.bindings" else kind
    naming = BINDINGS[kind][0]
    if isinstance(container, list):
        for index, entry in enumerate(container):
            label = entry_label(entry, index, naming)
            name = label if isinstance(label, str) and not label.startswith("#") else ""
            yield (*parts, index), entry, f"{prefix}.{label}", name
    elif isinstance(container, dict) and kind in _SINGLE:
        single = container.get(naming)
        yield tuple(parts), container, kind, single if isinstance(single, str) else ""


_SINGLE = frozenset(".".join(k.wrangler) for k in KINDS if k.single)
"""The kinds written as one table (`[ai] binding = "AI"`) rather than a list of them."""


def check_bindings(ctx: Ctx, raw: Mapping[str, Any]) -> None:
    """EM319 (entries), EM320 (bucket names), EM333 (names), EM318 (duplicate names).

    The shape of each entry (types, required keys, unknown keys) is the schema's
    (schema_findings); these are the rules wrangler adds to it.
    """
    names: list[tuple[Loc, str, str]] = []  # (loc, path, name)
    variables = raw.get("vars")
    if isinstance(variables, dict):
        names += [(("vars", k), f"vars.{k}", k) for k in variables]
        _check_misplaced_vars(ctx, variables)
    secrets = raw.get("secrets")
    required = secrets.get("required") if isinstance(secrets, dict) else None
    if isinstance(required, list):
        names += [
            (("secrets", "required", i), "secrets.required", s)
            for i, s in enumerate(required)
            if isinstance(s, str)
        ]
    if isinstance(raw.get("durable_objects"), list):
        ctx.add(
            "EM319",
            ("durable_objects",),
            "durable_objects",
            "durable_objects must be a table with a `bindings` list, not a list",
            hint="write [[durable_objects.bindings]] entries (name, class_name)",
        )
    for kind, keys in BINDINGS.items():
        for loc, entry, path, _ in entries(kind, raw):
            if not isinstance(entry, dict):
                continue  # EM311, from the schema
            _check_entry(ctx, kind, loc, path, entry)
            if isinstance(entry.get(keys[0]), str):
                names.append(((*loc, keys[0]), path, entry[keys[0]]))
    assets = raw.get("assets")
    if isinstance(assets, dict) and isinstance(assets.get("binding"), str):
        names.append((("assets", "binding"), "assets.binding", assets["binding"]))
    for blobs in ("wasm_modules", "text_blobs", "data_blobs"):
        if isinstance(raw.get(blobs), dict):
            names += [((blobs, k), f"{blobs}.{k}", k) for k in raw[blobs]]
    plain = [name for _, _, name in names]
    if len(set(plain)) == len(plain) and all(map(_js_identifier, plain)):
        return  # nothing to report: no name needs locating (500 vars, 500 Sources)
    seen: dict[str, str] = {}
    for loc, path, name in sorted(names, key=lambda item: _position(ctx.locate(item[0]))):
        if not _js_identifier(name):
            ctx.add(
                "EM333",
                loc,
                path,
                f"binding name {name!r} is not a valid JavaScript identifier",
                hint="use letters, digits, _ and $, not starting with a digit, e.g. MY_CACHE",
            )
        if name in seen:
            ctx.add(
                "EM318",
                loc,
                path,
                f"binding name {name!r} is used twice: {seen[name]} and {path}",
                hint="binding names must be unique across all kinds; rename one",
            )
        seen.setdefault(name, path)


def _check_entry(ctx: Ctx, kind: str, loc: Loc, path: str, entry: Mapping[str, Any]) -> None:
    def empty(key: str, hint: str | None = None) -> None:
        ctx.add(
            "EM319",
            (*loc, key),
            f"{path}.{key}",
            f"{path}.{key} is empty",
            hint=hint
            or f"set the real {key}, or delete `{key}` to let wrangler provision the resource",
        )

    if kind == "kv_namespaces" and entry.get("id") == "":
        empty("id")
    elif kind == "analytics_engine_datasets" and entry.get("dataset") == "":
        empty("dataset", "set the dataset name, or delete `dataset` to write to one named after "
              "the binding")  # fmt: skip
    elif kind == "mtls_certificates" and entry.get("certificate_id") == "":
        empty("certificate_id", "set the id of the uploaded certificate (wrangler mtls-certificate "
              "list)")  # fmt: skip
    elif kind == "queues.producers" and entry.get("queue") == "":
        empty("queue")
    elif kind == "d1_databases" and entry.get("database_id") == "":
        empty("database_id")
    elif (
        kind == "durable_objects.bindings" and "environment" in entry and "script_name" not in entry
    ):
        ctx.add(
            "EM319",
            loc,
            path,
            f"{path} has `environment` but no `script_name`",
            hint="add the script_name of the Worker that exports the class, or drop environment",
        )
    elif kind == "r2_buckets":
        for key in ("bucket_name", "preview_bucket_name"):
            value = entry.get(key)
            if isinstance(value, str) and not _R2_BUCKET.fullmatch(value):
                ctx.add(
                    "EM320",
                    (*loc, key),
                    f"{path}.{key}",
                    f"R2 bucket name {value!r} is invalid",
                    hint="3 to 63 lowercase letters, digits and hyphens; no hyphen first or last",
                )


def _check_misplaced_vars(ctx: Ctx, variables: Mapping[str, Any]) -> None:
    settings = {k: v for k, v in variables.items() if k == k.lower() and k in environment_keys()}
    if not settings:
        return
    wrong = {p.loc[0] for p in check_table(settings, top=False) if p.kind in ("type", "value")}
    for key in settings:
        if key in wrong:
            continue
        ctx.add(
            "EM338",
            ("vars", key),
            f"vars.{key}",
            f"vars.{key} is a var named like the wrangler setting `{key}`; as a var it "
            "configures nothing",
            hint=f"in TOML every key after a [vars] header is a var: move `{key}` above the "
            "[vars] header if it is meant as the setting",
        )


def _position(source: Source | None) -> tuple[int, int]:
    """Where a source is in its file, for reporting the later of two things; unknown first."""
    if source is None or source.line is None:
        return (0, 0)
    return (source.line, source.column or 0)


def _js_identifier(name: str) -> bool:
    # JavaScript identifiers: letters (Unicode ID_Start), _, $ then digits too; Python's rule
    # for identifiers is the same Unicode one, once $ is allowed.
    return bool(name) and name.replace("$", "_").isidentifier()
