"""The catalogue of stable finding codes: severity, title and help for each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from envman.models import Finding, Severity


@dataclass(frozen=True)
class Code:
    """A stable finding code; docs/reference/finding-codes.md and SARIF rules are generated from these."""

    code: str
    severity: Severity
    title: str
    help: str


E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO

_ALL: tuple[Code, ...] = (
    # EM0xx: input files (raised as errors with exit 3, or reported when a run can go on)
    Code(
        "EM001",
        E,
        "malformed-file",
        "The file is not valid TOML/JSONC; fix the syntax at the given line.",
    ),
    Code(
        "EM002", E, "missing-file", "A file envman needs does not exist; create it or fix the path."
    ),
    Code("EM003", E, "not-utf8", "The file is not UTF-8 text; re-save it as UTF-8."),
    Code(
        "EM004", E, "empty-file", "The file is empty; it must declare at least its required keys."
    ),
    Code("EM005", E, "duplicate-key", "A key appears twice in one table; keep one."),
    Code(
        "EM006",
        E,
        "file-too-large",
        "The file is larger than envman will read; split it or fix it.",
    ),
    Code("EM007", E, "invalid-project", "envman.toml is invalid; see the message for the key."),
    # EM1xx: environment files against the typed schema
    Code(
        "EM100",
        E,
        "unknown-key",
        "An environment file has a key envman does not know; check the spelling.",
    ),
    Code("EM101", E, "wrong-type", "A key of an environment file has a value of the wrong type."),
    Code("EM110", E, "var-type", "A var's value does not have the type the schema gives it."),
    Code(
        "EM111",
        E,
        "var-constraint",
        "A var's value breaks a constraint of the schema (min, max, pattern, allowed).",
    ),
    Code(
        "EM112", E, "var-missing", "A var the schema marks required is not set in this environment."
    ),
    Code(
        "EM113",
        W,
        "var-undeclared",
        "A var is set but the schema does not declare it; add it to schemas/vars.toml.",
    ),
    Code(
        "EM114",
        E,
        "secret-missing",
        "A secret the schema requires is not listed in secrets.required.",
    ),
    Code(
        "EM115",
        E,
        "secret-as-var",
        "A name the schema marks as a secret is set as a plain var; move it to a secret.",
    ),
    Code(
        "EM116",
        W,
        "secret-undeclared",
        "secrets.required names a secret the schema does not declare.",
    ),
    Code("EM117", E, "schema-invalid", "schemas/vars.toml itself is invalid."),
    Code(
        "EM118",
        W,
        "credential-in-var",
        "A plain var's value looks like a credential (a known token format or a high-entropy "
        "string); store it as a secret, or declare the var not_secret with a reason.",
    ),
    Code(
        "EM119",
        E,
        "credential-in-protected-var",
        "EM118 in a protected environment: a credential in a production var is an error.",
    ),
    Code(
        "EM120",
        N,
        "sensitive-var-credential",
        "A var marked sensitive holds a credential: envman hides it, but Cloudflare shows vars "
        "in clear; store it as a secret.",
    ),
    # EM2xx: rules across environments
    Code(
        "EM201",
        E,
        "shared-resource",
        "Two environments use the same resource id; each needs its own.",
    ),
    Code("EM202", E, "shared-worker-name", "Two environments deploy to the same Worker name."),
    Code(
        "EM203",
        E,
        "compat-date-order",
        "compatibility_date decreases along the pipeline; a later stage must not be newer.",
    ),
    Code(
        "EM204",
        W,
        "binding-not-everywhere",
        "A binding exists in some environments but not in this one.",
    ),
    # EM3xx: the wrangler file, and consistency with it
    Code(
        "EM300",
        E,
        "wrangler-mismatch",
        "The environment file and the wrangler file disagree on this key.",
    ),
    Code(
        "EM301",
        E,
        "wrangler-env-missing",
        "The wrangler file has no [env.NAME] section for this environment.",
    ),
    Code(
        "EM302",
        W,
        "wrangler-env-unmanaged",
        "The wrangler file has an environment envman.toml does not list.",
    ),
    Code(
        "EM310",
        W,
        "wrangler-unknown-key",
        "wrangler does not know this key (it only warns); check the spelling and table.",
    ),
    Code("EM311", E, "wrangler-wrong-type", "The value has the wrong type for wrangler."),
    Code(
        "EM312",
        E,
        "wrangler-required",
        "wrangler requires this key (name, compatibility_date, main).",
    ),
    Code(
        "EM313",
        E,
        "invalid-worker-name",
        "Worker names must match ^[a-z0-9_][a-z0-9-_]*$ and be at most 63 characters.",
    ),
    Code(
        "EM314",
        W,
        "not-inherited",
        "This key is not inherited by environments; declare it in the environment too.",
    ),
    Code(
        "EM315",
        W,
        "top-level-only",
        "This key only has effect at the top level of the wrangler file.",
    ),
    Code("EM316", E, "route-and-routes", "Use either `route` or `routes`, not both."),
    Code(
        "EM317",
        E,
        "invalid-route",
        "A route is malformed (pattern, zone_id/zone_name, custom_domain).",
    ),
    Code(
        "EM318", E, "duplicate-binding", "The same binding name is used twice across binding kinds."
    ),
    Code(
        "EM319",
        E,
        "invalid-binding",
        "A binding entry lacks a required key or has an invalid value.",
    ),
    Code(
        "EM320",
        E,
        "invalid-bucket-name",
        "R2 bucket names are 3-63 lowercase letters, digits and hyphens.",
    ),
    Code("EM321", E, "invalid-placement", "placement.mode must be off, smart or targeted."),
    Code(
        "EM322",
        E,
        "invalid-sampling-rate",
        "observability.head_sampling_rate must be between 0 and 1.",
    ),
    Code("EM323", E, "removed-key", "This key was removed from wrangler; delete it."),
    Code(
        "EM324",
        W,
        "inherited-custom-domain",
        "An environment inherits a custom domain route; set routes = [] or its own.",
    ),
    Code(
        "EM325",
        W,
        "durable-object-migrations",
        "A Durable Object class has no migration that creates it.",
    ),
    Code("EM326", E, "invalid-migration", "Every migration needs a tag."),
    Code("EM330", E, "invalid-cron", "Cloudflare would reject this cron expression."),
    Code(
        "EM331",
        E,
        "invalid-compat-date",
        "compatibility_date must be a real date written YYYY-MM-DD.",
    ),
    Code(
        "EM332",
        E,
        "future-compat-date",
        "compatibility_date lies in the future; deploy would fail.",
    ),
    Code("EM333", E, "invalid-binding-name", "Binding names must be valid JavaScript identifiers."),
    Code(
        "EM334",
        E,
        "invalid-derived-name",
        "The Worker name wrangler derives for this environment would be refused.",
    ),
    Code(
        "EM336",
        E,
        "toml-date-literal",
        'Write dates as strings: compatibility_date = "2025-01-01".',
    ),
    Code(
        "EM337", E, "invalid-custom-domain", "A custom domain cannot contain a wildcard or a path."
    ),
    Code(
        "EM338",
        W,
        "misplaced-key",
        "A var is named like a wrangler setting: in TOML, a key after a [table] header belongs to that table.",
    ),
    Code(
        "EM339",
        W,
        "route-shadowed",
        "The environment's `route` is ignored: it inherits `routes` from the top level, and `routes` wins.",
    ),
    Code(
        "EM340",
        W,
        "empty-value-ignored",
        "wrangler ignores an empty `route` or `account_id` (and an environment then inherits the top level's).",
    ),
    # EM4xx: drift between declared and live
    Code("EM400", E, "drift-changed", "The live value differs from the declared one."),
    Code("EM401", E, "drift-missing", "Declared but not present live."),
    Code("EM402", W, "drift-unexpected", "Present live but not declared."),
    Code("EM403", E, "worker-missing", "The Worker for this environment does not exist live."),
    Code("EM404", E, "secret-missing-live", "A required secret is not set on the live Worker."),
    Code("EM405", W, "secret-unexpected-live", "The live Worker has a secret nobody declared."),
    Code("EM406", E, "live-unknown", "Live state could not be read; drift is unknown."),
    Code(
        "EM407",
        W,
        "ignore-expired",
        "An ignore rule in envman.toml has expired; renew or remove it.",
    ),
    Code(
        "EM408",
        W,
        "split-deployment",
        "Traffic is split between versions; drift was checked against each.",
    ),
    # EM5xx: diff and promotion
    Code(
        "EM500",
        N,
        "promotable-difference",
        "Differs between the environments and would be promoted.",
    ),
    Code(
        "EM501",
        N,
        "environment-specific",
        "Differs between the environments by design (ids, names, routes, scope=environment).",
    ),
    Code(
        "EM502",
        E,
        "promotion-blocked",
        "The step needs the target's own resource id: --map BINDING=ID.",
    ),
    Code("EM503", E, "promotion-refused", "A guardrail refused the promotion."),
)

CODES: dict[str, Code] = {c.code: c for c in _ALL}


def severity_of(code: str) -> Severity:
    """The default severity of a code."""
    return CODES[code].severity


def finding(code: str, **fields: Any) -> Finding:
    """A Finding of `code` at its catalogued severity; `fields` are the rest of Finding's."""
    return Finding(code=code, severity=severity_of(code), **fields)
