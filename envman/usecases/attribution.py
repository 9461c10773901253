"""Says who last changed each drifted live value: asks envman.live within the run's request budget."""

from __future__ import annotations

from collections.abc import Sequence

from envman.models import Finding, LiveWorker
from envman.usecases.live import LiveOptions, _account_id, _settings
from envman.workspace import Workspace

ATTRIBUTED = frozenset({"EM400", "EM401", "EM402", "EM404", "EM405"})
"""Codes of drift findings whose live value someone changed (not unknown, not unmodelled)."""


def attribute(
    ws: Workspace,
    findings: Sequence[Finding],
    workers: dict[str, LiveWorker],
    options: LiveOptions,
    *,
    used: int,
) -> list[Finding]:
    """`findings` with an attribution on each drift finding; `used` requests are already spent.

    The history reads share the run's budget (`rate_limit_requests` less `used`); what is
    not readable (permission, budget) is attributed to an unknown author, never an error.
    """
    from envman.live.attribution import Question, attribute_sync

    paths: dict[str, list[str]] = {}
    for item in findings:
        worker = workers.get(item.env or "")
        if item.code in ATTRIBUTED and worker is not None and worker.exists:
            paths.setdefault(worker.env, []).append(item.path)
    if not paths:
        return list(findings)
    settings = _settings(options)
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
        account_id=_account_id(ws, settings),
        budget=max(0, settings.rate_limit_requests - used),
    )
    return [
        item.model_copy(update={"attribution": answers.found[(item.env or "", item.path)]})
        if (item.env or "", item.path) in answers.found
        else item
        for item in findings
    ]
