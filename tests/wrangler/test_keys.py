"""The catalogue of wrangler keys: every environment key has one inheritance rule."""

from __future__ import annotations

from envman.wrangler import (
    environment_keys,
    top_level_keys,
)
from envman.wrangler.keys import INHERITABLE, NOT_INHERITED, TOP_LEVEL_ONLY

# --------------------------------------------------------------------------- the key catalogue


def test_every_environment_key_has_one_inheritance_rule() -> None:
    env_keys = set(environment_keys())
    assert set(INHERITABLE) | set(NOT_INHERITED) == env_keys
    assert not set(INHERITABLE) & set(NOT_INHERITED)
    assert set(TOP_LEVEL_ONLY) == set(top_level_keys()) - env_keys - {"env"}
