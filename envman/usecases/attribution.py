"""Says who last changed each drifted live value: asks envman.live within the run's request budget."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from envman.models import Finding, LiveWorker

if TYPE_CHECKING:
    from envman.settings import Settings

ATTRIBUTED = frozenset({"EM400", "EM401", "EM402", "EM404", "EM405"})
"""Codes of drift findings whose live value someone changed (not unknown, not unmodelled)."""


def attribute(
    findings: Sequence[Finding],
    workers: dict[str, LiveWorker],
    *,
    settings: Settings,
    account_id: str,
    used: int,
) -> list[Finding]:
    """`findings` with an attribution on each drift finding; `used` requests are already spent.

    The history reads share the run's budget (`rate_limit_requests` less `used`); what is
    not readable (permission, budget) is attributed to an unknown author, never an error.
    """
    from envman.live import Question, attribute_sync

    paths: dict[str, list[str]] = {}
    for item in findings:
        worker = workers.get(item.env or "")
        if item.code in ATTRIBUTED and worker is not None and worker.exists:
            paths.setdefault(worker.env, []).append(item.path)
    if not paths:
        return list(findings)
    token = settings.cloudflare_api_token
    questions = [
        Question(
            env=env,
            script=workers[env].script,
            paths=tuple(dict.fromkeys(found)),
            current=workers[env].config,
        )
        for env, found in sorted(paths.items())
    ]
    answers = attribute_sync(
        questions,
        settings=settings,
        token=token.get_secret_value() if token else "",
        account_id=account_id,
        budget=max(0, settings.rate_limit_requests - used),
    )
    return [
        item.model_copy(update={"attribution": answers.found[(item.env or "", item.path)]})
        if (item.env or "", item.path) in answers.found
        else item
        for item in findings
    ]
