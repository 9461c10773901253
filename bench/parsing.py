"""Micro-benchmarks of envman's located parsers on ~1 MB inputs, in this process.

- `envman.parse.parse_jsonc` on a 1 MB wrangler.jsonc (comments, trailing commas), with
  `json.loads` of the same data (no comments) for scale;
- `envman.parse.read_toml` (tomllib + the tree-sitter scan: data, positions, spans) on a 1 MB
  wrangler.toml, with `tomllib.loads` alone for scale.
"""

from __future__ import annotations

import json
import statistics
import tomllib
from typing import Any

from bench.common import (
    Context,
    Row,
    Skip,
    fmt_seconds,
    time_inprocess,
    toml_key,
    toml_value,
    var_name,
    var_value,
)

TARGET_BYTES = 1_000_000


def _config(n_envs: int, n_vars: int) -> dict[str, Any]:
    return {
        "name": "bench",
        "main": "src/index.ts",
        "compatibility_date": "2025-06-01",
        "env": {
            f"env{e:03d}": {
                "name": f"bench-env{e:03d}",
                "vars": {var_name(i): var_value(i, e % 2) for i in range(n_vars)},
                "kv_namespaces": [{"binding": "CACHE", "id": f"{e:032x}"}],
            }
            for e in range(n_envs)
        },
    }


def jsonc_text(data: dict[str, Any]) -> str:
    """`data` as JSONC: a comment before every environment and var table, trailing commas."""
    lines = ["// generated wrangler.jsonc for the envman benchmarks", "{"]
    for key, value in data.items():
        if key != "env":
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)},")
    lines.append('  "env": {')
    for env, config in data["env"].items():
        lines.append(f"    /* environment {env} */")
        lines.append(f"    {json.dumps(env)}: {{")
        lines.append(f'      "name": {json.dumps(config["name"])},')
        lines.append('      "vars": {  // typed vars')
        for name, value in config["vars"].items():
            lines.append(f"        {json.dumps(name)}: {json.dumps(value)},")
        lines.append("      },")
        lines.append(f'      "kv_namespaces": {json.dumps(config["kv_namespaces"])},')
        lines.append("    },")
    lines.append("  },")
    lines.append("}")
    return "\n".join(lines) + "\n"


def toml_text(data: dict[str, Any]) -> str:
    lines = ["# generated wrangler.toml for the envman benchmarks"]
    for key, value in data.items():
        if key != "env":
            lines.append(f"{key} = {toml_value(value)}")
    for env, config in data["env"].items():
        lines += [
            "",
            f"# environment {env}",
            f"[env.{env}]",
            f"name = {toml_value(config['name'])}",
        ]
        lines += ["", f"[env.{env}.vars]"]
        lines += [f"{toml_key(k)} = {toml_value(v)}  # var" for k, v in config["vars"].items()]
        for entry in config["kv_namespaces"]:
            lines += ["", f"[[env.{env}.kv_namespaces]]"]
            lines += [f"{k} = {toml_value(v)}" for k, v in entry.items()]
    return "\n".join(lines) + "\n"


def _sized(render: Any) -> tuple[str, dict[str, Any]]:
    """Grow the number of environments until the text is about 1 MB."""
    n_vars = 200
    probe = render(_config(1, n_vars))
    n_envs = max(1, round(TARGET_BYTES / len(probe.encode())))
    data = _config(n_envs, n_vars)
    return render(data), data


def run(ctx: Context) -> list[Row]:
    try:
        from envman.parse import read_toml
        from envman.parse.jsonc import parse as parse_jsonc
    except ImportError as e:
        raise Skip(f"envman is not importable by the runner ({e})") from e
    rows = []

    text, data = _sized(jsonc_text)
    if parse_jsonc(text, "bench.jsonc").data != data:
        raise Skip("envman.parse.jsonc.parse read the generated JSONC differently (generator bug?)")
    plain = json.dumps(data, indent=2)
    times = time_inprocess(lambda: parse_jsonc(text, "bench.jsonc"), ctx.runs)
    base = statistics.median(time_inprocess(lambda: json.loads(plain), ctx.runs))
    rows.append(
        Row(
            name=f"`envman.parse.parse_jsonc` ({len(text) / 1e6:.2f} MB JSONC)",
            seconds=times,
            notes=[
                "in-process, located (positions + spans)",
                f"json.loads of the same data: {fmt_seconds(base)} "
                f"({statistics.median(times) / base:.0f}x)",
            ],
        )
    )

    text, data = _sized(toml_text)
    times = time_inprocess(lambda: read_toml(text, "bench.toml"), ctx.runs)
    base = statistics.median(time_inprocess(lambda: tomllib.loads(text), ctx.runs))
    rows.append(
        Row(
            name=f"`envman.parse.read_toml` ({len(text) / 1e6:.2f} MB TOML)",
            seconds=times,
            notes=[
                "in-process: tomllib + the tree-sitter scan (what an edit reads; messages scan lazily)",
                f"tomllib.loads alone: {fmt_seconds(base)} "
                f"(positions add {(statistics.median(times) - base) / base:.0%})",
            ],
        )
    )
    return rows
