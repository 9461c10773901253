"""The finding codes outside the wrangler range: input files, schema, pipeline, drift, promotion."""

from __future__ import annotations

from envman.codes.code import Code, E, N, W

GENERAL: tuple[Code, ...] = (
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
    Code(
        "EM005",
        W,
        "duplicate-key",
        "A key appears twice in one JSONC object; wrangler accepts it and uses the last one.",
    ),
    Code(
        "EM006",
        E,
        "file-too-large",
        "The file is larger than envman will read; split it or fix it.",
    ),
    Code("EM007", E, "invalid-project", "envman.toml is invalid; see the message for the key."),
    Code(
        "EM008",
        N,
        "ignore-unused",
        "An `[[ignore]]` rule of envman.toml matched no finding in a run that covered everything "
        "it could match; remove it, or fix its code, env or path.",
    ),
    Code(
        "EM009",
        N,
        "ignore-moved",
        "`[[drift.ignore]]` is the former, drift-only form of `[[ignore]]`; it still works (as "
        'code = "EM4*"), but move each rule to `[[ignore]]`.',
    ),
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
        "EM205",
        E,
        "shared-route",
        "Two environments' Workers declare the same route or custom domain; it serves one "
        "Worker, so deploying the second fails (a route) or takes it over (a custom domain).",
        "Can't deploy routes that are assigned to another worker.",
    ),
    Code(
        "EM204",
        W,
        "binding-not-everywhere",
        "A binding exists in some environments but not in this one.",
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
        "An ignore rule in envman.toml has expired (it suppresses nothing now); renew or remove it.",
    ),
    Code(
        "EM408",
        W,
        "split-deployment",
        "Traffic is split between versions; drift was checked against each.",
    ),
    Code(
        "EM409",
        E,
        "live-unread",
        "The live side of this key was not read: its drift is unknown (exit 3 unless ignored).",
    ),
    Code(
        "EM410",
        N,
        "live-unmodelled",
        "The live Worker has a setting or binding envman does not model: listed, not compared.",
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
