"""New values written as TOML in wrangler's usual style (dumps_toml)."""

from __future__ import annotations

import tomllib

import pytest

from envman.edit import dumps_toml
from envman.errors import InputError

# --------------------------------------------------------------------------- dumps_toml


def test_dumps_toml_writes_wrangler_style() -> None:
    data = {
        "name": "w",
        "compatibility_flags": ["nodejs_compat"],
        "vars": {"A": "1", "JSON": {"x": 1}},
        "kv_namespaces": [{"binding": "CACHE", "id": "abc"}],
        "durable_objects": {"bindings": [{"name": "DO", "class_name": "C"}]},
        "observability": {"enabled": True, "logs": {"enabled": True}},
        "routes": [{"pattern": "a/*", "custom_domain": True}],
        "env": {"production": {"name": "w-prod", "vars": {"A": "2"}}},
    }
    text = dumps_toml(data)
    assert text == (
        'name = "w"\ncompatibility_flags = ["nodejs_compat"]\n'
        'routes = [{pattern = "a/*", custom_domain = true}]\n\n'
        '[vars]\nA = "1"\nJSON = {x = 1}\n\n'
        '[[kv_namespaces]]\nbinding = "CACHE"\nid = "abc"\n\n'
        '[[durable_objects.bindings]]\nname = "DO"\nclass_name = "C"\n\n'
        "[observability]\nenabled = true\n\n[observability.logs]\nenabled = true\n\n"
        '[env.production]\nname = "w-prod"\n\n[env.production.vars]\nA = "2"\n'
    )
    assert tomllib.loads(text) == data


def test_dumps_toml_of_nothing_and_of_null() -> None:
    assert dumps_toml({}) == ""
    assert dumps_toml({"vars": {}}) == "[vars]\n"
    with pytest.raises(InputError, match="cannot write None"):
        dumps_toml({"vars": {"A": None}})
