"""Views of what is not a Report: the promotion plan as the terminal shows it."""

from __future__ import annotations

from envman.config import WorkerConfig
from envman.release.planning import plan
from envman.report import render_plan


def test_a_blocked_step_says_so_and_how_to_unblock_it() -> None:
    blocked = plan(
        "staging",
        "production",
        WorkerConfig.model_validate({"kv_namespaces": [{"binding": "SESSIONS", "id": "aaaa"}]}),
        WorkerConfig.model_validate({}),
        scope_of=lambda _var: "promotable",
    )
    text = render_plan(blocked)
    assert "kv_namespaces.SESSIONS" in text
    assert "BLOCKED: SESSIONS is new in the target and needs its own id: --map SESSIONS=" in text
