"""Infers a starter schema from the values each stage has: type, scope and sensitivity per var.

`envman init` writes it into schemas/vars.toml. The rules, in order of the reasons a
var's comment gives:

Type: `boolean`, `integer` or `number` when every stage's value is one; `url` when every
value is an absolute http(s) URL; `string` when every value is a string; else `json`.
The caller checks the result against every stage's values and loosens what fails.

Scope `environment` (never copied by `envman promote`) when a value
- names a stage: a word of it is the name of one of the project's stages, or a usual
  stage name or synonym (`prod`, `dev`, `staging`: STAGE_GROUPS), as in
  `ENVIRONMENT = "staging"` or `BUCKET = "dist-prod"`;
- holds its stage's hostname: a route or custom domain, or its `*.workers.dev` host;
- holds one of its stage's resource ids or names (a KV id, a D1 database, an R2 bucket,
  a queue…: the `resources` of each binding kind in envman.bindings);
- points at a local address (localhost, 127.0.0.1, `*.localhost`): a developer's machine;
- or differs between stages in a stage-specific way: the values differ and one holds an
  address (URL, hostname, e-mail), an identifier (a token of letters and digits of 12 or
  more characters, e.g. an OAuth client id) or a stage's name. Values that differ only as
  flags, numbers or short words (`debug`, `info`) stay promotable: those are what a
  promotion is for.

`sensitive` (redacted in every output) for secret-looking names: a word SECRET, TOKEN,
PASSWORD, CREDENTIAL(S), PRIVATE, DSN, or KEY after API, ACCESS, AUTH, SIGNING,
ENCRYPTION, MASTER or SECRET; unless the name says it is public or a description of a
key (PUBLIC, ID, NAME, VERSION, URL, …).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from envman.bindings import MODELLED
from envman.config import WorkerConfig
from envman.models import ScopeName
from envman.schema.specs import VarType

STAGE_GROUPS: tuple[tuple[str, ...], ...] = (
    ("development", "dev", "develop", "local"),
    ("test", "testing", "qa"),
    ("preview",),
    ("staging", "stage", "stg", "preprod", "uat"),
    ("canary",),
    ("production", "prod", "prd", "live"),
)
"""Synonyms of the usual stage names, in pipeline order (see stage_rank)."""

_RANK = {word: rank for rank, group in enumerate(STAGE_GROUPS) for word in group}


def stage_aliases(name: str) -> frozenset[str]:
    """The words that name stage `name`: itself, and its synonyms when it is a usual one."""
    lowered = name.lower()
    for group in STAGE_GROUPS:
        if lowered in group:
            return frozenset({lowered, *group})
    return frozenset({lowered})


def stage_rank(name: str) -> int:
    """Where a stage of this name usually sits in a pipeline: 0 (development) to 5.

    Unknown names (a developer's own environment, `one`, `alanshaw`) rank with development.
    """
    return _RANK.get(name.lower(), 0)


def is_stage_word(word: str) -> bool:
    """Whether `word` is one of the usual stage names or synonyms."""
    return word.lower() in _RANK


@dataclass(frozen=True)
class Stage:
    """One stage's resolved config and the Worker it deploys to, for inference."""

    name: str
    config: WorkerConfig
    worker: str | None


@dataclass(frozen=True)
class InferredVar:
    """A var's starter schema: its type, scope, sensitivity and where it is set."""

    name: str
    type: VarType
    scope: ScopeName
    sensitive: bool
    stages: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class InferredSecret:
    """A secret some stage lists in `secrets.required`; `environments` when not all do."""

    name: str
    environments: tuple[str, ...] | None


def infer_vars(stages: Sequence[Stage]) -> list[InferredVar]:
    """Every var any stage sets, with its inferred type, scope and sensitivity."""
    names = list(dict.fromkeys(n for s in stages for n in (s.config.vars or {})))
    result = []
    for name in names:
        values = {
            s.name: (s.config.vars or {})[name] for s in stages if name in (s.config.vars or {})
        }
        scope = list(_scope_reasons(values, stages))
        sensitive = secret_looking(name)
        secret = ["its name looks like a secret's: values are redacted in every output"]
        result.append(
            InferredVar(
                name=name,
                type=infer_type(list(values.values())),
                scope="environment" if scope else "promotable",
                sensitive=sensitive,
                stages=tuple(values),
                reasons=(*scope, *(secret if sensitive else ())),
            )
        )
    return result


def infer_secrets(stages: Sequence[Stage]) -> list[InferredSecret]:
    """The secrets the stages list in `secrets.required` (vars of the same name aside)."""
    listed: dict[str, list[str]] = {}
    for stage in stages:
        secrets = stage.config.secrets.required if stage.config.secrets else None
        for name in secrets or ():
            listed.setdefault(name, []).append(stage.name)
    var_names = {n for s in stages for n in (s.config.vars or {})}
    everywhere = [s.name for s in stages]
    return [
        InferredSecret(name, None if envs == everywhere else tuple(envs))
        for name, envs in listed.items()
        if name not in var_names
    ]


def infer_type(values: Sequence[Any]) -> VarType:
    """The narrowest schema type every value already has."""
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "integer"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "number"
    if all(isinstance(v, str) for v in values):
        return "url" if all(_URL.fullmatch(v) for v in values) else "string"
    return "json"


_SECRET_WORDS = frozenset(
    {"secret", "secrets", "token", "tokens", "password", "passwd", "pwd", "credential"}
    | {"credentials", "private", "dsn", "passphrase", "apikey", "cookie"}
)
_KEY_QUALIFIERS = frozenset({"api", "access", "auth", "signing", "encryption", "master", "secret"})
_NOT_SECRET = frozenset(
    {"public", "id", "ids", "name", "names", "version", "url", "uri", "endpoint", "host"}
    | {"domain", "region", "enabled", "ttl", "length", "size", "header", "prefix", "path"}
)


def secret_looking(name: str) -> bool:
    """Whether a var's name says its value is a secret (see the module docstring)."""
    words = _words(name)
    if not words or _NOT_SECRET & set(words):
        return False
    if _SECRET_WORDS & set(words):
        return True
    return any(w == "key" and i and words[i - 1] in _KEY_QUALIFIERS for i, w in enumerate(words))


# --------------------------------------------------------------------------- scope

_URL = re.compile(r"https?://[^\s/?#:@]+(?::\d+)?(?:[/?#]\S*)?", re.IGNORECASE)
_HOST = re.compile(r"(?<![\w.-])(?:[a-z0-9-]+\.)+[a-z]{2,}(?![\w-])", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LOCAL = re.compile(
    r"(?<![\w.-])(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]|[\w.-]+\.localhost)(?![\w-])",
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(r"(?=[A-Za-z0-9_]*\d)(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{12,}")


def _scope_reasons(values: Mapping[str, Any], stages: Sequence[Stage]) -> Iterator[str]:
    by_name = {s.name: s for s in stages}
    names = {n.lower() for n in by_name}
    for env, value in values.items():
        words = {w for text in _strings(value) for w in _words(_without_tlds(text))}
        own = sorted(words & stage_aliases(env))
        other = sorted(w for w in words if is_stage_word(w) or w in names)
        if own or other:
            yield f"names {'its' if own else 'a'} stage ({env}: {(own or other)[0]!r})"
            return
    for env, value in values.items():
        host = _own_host(value, by_name[env])
        if host:
            yield f"holds its stage's hostname ({env}: {host})"
            return
    for env, value in values.items():
        resource = _own_resource(value, by_name[env].config)
        if resource:
            yield f"holds one of its stage's resources ({env}: {resource})"
            return
    for env, value in values.items():
        if any(_LOCAL.search(text) for text in _strings(value)):
            yield f"points at a local address ({env})"
            return
    if len(values) > 1 and len({repr(v) for v in values.values()}) > 1:
        what = _stage_specific(values.values(), [s.name for s in stages])
        if what:
            yield f"differs between stages and holds {what}"


def _without_tlds(text: str) -> str:
    """`text` with each hostname's top-level domain cut: `x.workers.dev` names no `dev` stage."""
    return _HOST.sub(lambda m: m.group(0).rsplit(".", 1)[0], text)


def _stage_specific(values: Any, stage_names: Sequence[str]) -> str | None:
    texts = [text for value in values for text in _strings(value)]
    if any(_URL.search(t) or _HOST.search(t) or _EMAIL.search(t) for t in texts):
        return "addresses"
    if any(_IDENTIFIER.search(t) for t in texts):
        return "identifiers"
    words = {w for t in texts for w in _words(_without_tlds(t))}
    if any(is_stage_word(w) or w in {n.lower() for n in stage_names} for w in words):
        return "stage names"
    return None


def _own_host(value: Any, stage: Stage) -> str | None:
    hosts: set[str] = {str(h).lower() for text in _strings(value) for h in _HOST.findall(text)}
    for host in sorted(hosts):
        if (
            stage.worker
            and host.startswith(f"{stage.worker.lower()}.")
            and host.endswith(".workers.dev")
        ):
            return host
        for route in stage.config.routes or ():
            route_host = _route_host(route.pattern)
            if route_host.startswith("*"):
                if host.endswith(route_host.lstrip("*")):
                    return host
            elif host == route_host:
                return host
    return None


def _route_host(pattern: str) -> str:
    """`*.example.com/*` -> `*.example.com`; `https://api.example.com/v1*` -> `api.example.com`."""
    host = pattern.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0].lower()
    return host if not host.startswith("*") or host.startswith("*.") else "*." + host[1:]


def _own_resource(value: Any, config: WorkerConfig) -> str | None:
    resources = set()
    for kind in MODELLED:
        if kind.single:
            continue
        for entry in kind.entries(config).values():
            dumped = entry.model_dump(exclude_none=True)
            resources |= {v for v in kind.resources_of(dumped).values() if isinstance(v, str)}
    for text in _strings(value):
        for resource in sorted(resources):
            if len(resource) >= 3 and (
                text == resource or (len(resource) >= 12 and resource in text)
            ):
                return resource
    return None


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _words(text: str) -> list[str]:
    """The lowercase words of `text`: split at every non-alphanumeric and at camelCase."""
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", _CAMEL.sub(" ", text)) if w]
