"""Flags plain var values that look like credentials, with detect-secrets' detectors.

Users paste keys into `[vars]`, which Cloudflare shows in clear in the dashboard and
wrangler prints. Every string in a var's value (JSON vars included) goes through
detect-secrets' token-format detectors (AWS, Azure, GitHub, GitLab, Slack, Stripe,
SendGrid, Twilio, npm, PyPI, OpenAI, JWTs, private keys, URLs with a password, …) and
its high-entropy detectors (base64 above 4.5 bits, hex above 3.0), with its own filters
for sequences, UUIDs, templates and `*_ID` names. Its name-based keyword detector is not
used: it flags `SECRET_KEY_VERSION = "v1"`; a name the schema declares as a secret is
EM115's job.

detect-secrets costs about 0.3 s to import (it loads `requests`), and `validate` starts
in a fraction of that, so it is imported only when some value could match at all:
`_could_match` is a cheap superset of what the detectors look for (a long token-like run,
or a marker such as `eyJ`, `xox`, `PRIVATE KEY`, `://…@`). Values that pass nothing (log
levels, numbers, plain URLs) never load it.

A finding (EM118, an error EM119 in a protected environment) never shows the value. The
schema settles a var: `sensitive = true` turns it into secrets guidance (EM120, info),
`not_secret = true` with a `not_secret_reason` accepts it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from envman.codes import finding
from envman.models import Finding, Source
from envman.schema.model import Schema

Locate = Callable[[tuple[str | int, ...]], Source | None]

_RUN = re.compile(r"[A-Za-z0-9_+/=\\-]{20,}")
"""Every token format but the short ones below has a run this long; so does every
base64 string long enough (23) to pass the entropy limit."""
_SHORT = re.compile(r"AKC[a-zA-Z0-9]{10}|AP[0-9A-F][a-zA-Z0-9]{8}|eyJ|xox[abposr]-|_authToken")
_HEX = re.compile(r"[0-9a-fA-F]{9,}")
"""A whole value in hex needs at least 9 distinct digits to pass the hex entropy limit."""
_MARKERS = ("PRIVATE KEY", "PuTTY-User-Key", "hooks.slack.com", "cloudant", "softlayer")
_URL_PASSWORD = re.compile(r"://[^\s{}]+:[^\s{}]+@")
_SKIPPED = {"IPPublicDetector", "KeywordDetector"}
_LIMITS = {"Base64HighEntropyString": 4.5, "HexHighEntropyString": 3.0}


def _could_match(value: str) -> bool:
    """False only when no detector could flag `value`: then detect-secrets is not loaded."""
    return bool(
        _RUN.search(value)
        or _SHORT.search(value)
        or _HEX.fullmatch(value)
        or _URL_PASSWORD.search(value)
        or any(marker.lower() in value.lower() for marker in _MARKERS)
    )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


@lru_cache(maxsize=1)
def _detectors() -> tuple[Any, ...]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    made = []
    classes: dict[str, type[Any]] = get_mapping_from_secret_type_to_class()
    for cls in classes.values():
        if cls.__name__ in _SKIPPED:
            continue
        limit = _LIMITS.get(cls.__name__)
        made.append(cls(limit=limit) if limit is not None else cls())
    # Token formats first: a Stripe key should be named a Stripe key, not "high entropy".
    return tuple(sorted(made, key=lambda d: hasattr(d, "entropy_limit")))


def detect(name: str, value: str) -> str | None:
    """The kind of credential `value` (of var `name`) looks like, or None."""
    if not _could_match(value):
        return None
    from detect_secrets.filters.heuristic import (
        is_likely_id_string,
        is_potential_uuid,
        is_sequential_string,
        is_templated_secret,
    )

    line = f'{name} = "{value}"'
    for detector in _detectors():
        entropy = getattr(detector, "entropy_limit", None)
        candidates = detector.analyze_string(f'"{value}"' if entropy is not None else value)
        for secret in candidates:
            if entropy is not None and detector.calculate_shannon_entropy(secret) <= entropy:
                continue
            if (
                is_sequential_string(secret)
                or is_potential_uuid(secret)
                or is_templated_secret(secret)
                or is_likely_id_string(secret, line, detector)
            ):
                continue
            return str(detector.secret_type)
    return None


def credential_findings(
    schema: Schema,
    env: str,
    variables: Mapping[str, Any] | None,
    locate: Locate,
    *,
    protected: bool,
    seen: Callable[[str], None] | None = None,
) -> list[Finding]:
    """EM118/EM119/EM120 for each var of `env` whose value looks like a credential.

    `seen` is called with each flagged string, so that callers can mask it in outputs.
    """
    found: list[Finding] = []
    for name, value in (variables or {}).items():
        spec = schema.vars.get(name)
        if name in schema.secrets or (spec is not None and spec.not_secret):
            continue  # EM115 reports a declared secret; not_secret is an explicit acceptance
        kinds = [(text, detect(name, text)) for text in _strings(value)]
        flagged = [(text, kind) for text, kind in kinds if kind is not None]
        if not flagged:
            continue
        for text, _ in flagged:
            if seen is not None:
                seen(text)
        kind = flagged[0][1]
        sensitive = spec is not None and spec.sensitive
        code = "EM120" if sensitive else "EM119" if protected else "EM118"
        where = f"in protected {env}" if protected and not sensitive else f"in {env}"
        found.append(
            finding(
                code,
                env=env,
                path=f"vars.{name}",
                message=f"vars.{name} {where} looks like a credential ({kind}); "
                "its value is not shown",
                hint=_hint(name, env, schema.source or "schemas/vars.toml", sensitive),
                source=locate(("vars", name)),
            )
        )
    return found


def _hint(name: str, env: str, schema_file: str, sensitive: bool) -> str:
    secret = f"wrangler secret put {name} --env {env}, list it in secrets.required"
    if sensitive:
        return (
            f"sensitive hides it in envman's output, but a var is plain text in the dashboard "
            f"and in wrangler's output: store it as a secret ({secret})"
        )
    return (
        f"store it as a secret ({secret}); or, if it is not one, declare "
        f'[vars.{name}] not_secret = true and not_secret_reason = "…" in {schema_file}'
    )
