"""The EM3xx finding codes: the wrangler file, its consistency, and the rules wrangler has."""

from __future__ import annotations

from envman.codes.code import Code, E, N, W

WRANGLER: tuple[Code, ...] = (
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
        "Unexpected fields found in {field} field: {fields}",
    ),
    Code(
        "EM311",
        E,
        "wrangler-wrong-type",
        "The value has the wrong type for wrangler.",
        'Expected "{field}" to be of type {type} but got {value}.',
    ),
    Code(
        "EM312",
        E,
        "wrangler-required",
        "wrangler requires this key (name, compatibility_date, main).",
        'Missing entry-point to Worker script or to assets directory / "name" and "compatibility_date" are required',
    ),
    Code(
        "EM313",
        E,
        "invalid-worker-name",
        "Worker names must match ^[a-z0-9_][a-z0-9-_]*$ and be at most 63 characters.",
        'Expected "name" to be of type string, alphanumeric and lowercase with dashes only but got {value}.',
    ),
    Code(
        "EM314",
        W,
        "not-inherited",
        "This key is not inherited by environments; declare it in the environment too.",
        '"{field}" exists at the top level, but not on "env.{env}". This is not what you probably want, since "{field}" is not inherited by environments.',
    ),
    Code(
        "EM315",
        W,
        "top-level-only",
        "This key only has effect at the top level of the wrangler file.",
        "Unexpected fields found in env.{env} field: {fields}",
    ),
    Code(
        "EM316",
        E,
        "route-and-routes",
        "Use either `route` or `routes`, not both.",
        'Expected exactly one of the following fields ["routes","route"].',
    ),
    Code(
        "EM317",
        E,
        "invalid-route",
        "A route is malformed (pattern, zone_id/zone_name, custom_domain).",
        'Expected "routes" to be an array of either strings or objects with the shape { pattern, custom_domain, zone_id | zone_name, enabled, previews_enabled } …',
    ),
    Code(
        "EM318",
        E,
        "duplicate-binding",
        "The same binding name is used twice across binding kinds.",
        "{name} assigned to multiple {kind} bindings. / Bindings must have unique names, so that they can all be referenced in the worker.",
    ),
    Code(
        "EM319",
        E,
        "invalid-binding",
        "A binding entry lacks a required key or has an invalid value.",
        '"{env}{kind}[{i}]" bindings should have a string "{key}" field but got {value}.',
    ),
    Code(
        "EM320",
        E,
        "invalid-bucket-name",
        "R2 bucket names are 3-63 lowercase letters, digits and hyphens.",
        "{env}r2_buckets[{i}].bucket_name={value} is invalid. Bucket names must begin and end with an alphanumeric character …",
    ),
    Code(
        "EM321",
        E,
        "invalid-placement",
        "placement.mode must be off, smart or targeted.",
        'Expected "placement.mode" field to be one of {choices} but got {value}. / "placement.hint" can only be set when "placement.mode" is "smart"',
    ),
    Code(
        "EM322",
        E,
        "invalid-sampling-rate",
        "observability.head_sampling_rate must be between 0 and 1.",
        '"observability.head_sampling_rate" must be a value between 0 and 1.',
    ),
    Code(
        "EM323",
        E,
        "removed-key",
        "This key was removed from wrangler; delete it.",
        'The "{field}" field is no longer supported …',
    ),
    Code(
        "EM324",
        W,
        "inherited-custom-domain",
        "An environment inherits a custom domain route; set routes = [] or its own.",
        'The "env.{env}" environment inherits the top-level `routes` configuration, which includes the custom domain(s): {domains}.',
    ),
    Code(
        "EM325",
        W,
        "durable-object-migrations",
        "A Durable Object class has no migration that creates it.",
        "In your {file} file, you have configured `durable_objects` exported by this Worker ({classes}), but no `migrations` for them.",
    ),
    Code(
        "EM326",
        E,
        "invalid-migration",
        "Every migration needs a tag.",
        '"migrations[{i}].tag" is a required field.',
    ),
    Code("EM330", E, "invalid-cron", "Cloudflare would reject this cron expression."),
    Code(
        "EM331",
        E,
        "invalid-compat-date",
        "compatibility_date must be a real date written YYYY-MM-DD.",
        '"compatibility_date" field should be a valid ISO-8601 date (YYYY-MM-DD), but got {value}.',
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
        'The field "{env}vars.{name}" is a TOML date, which is not supported.',
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
        'The "route" field in your configuration is an empty string and will be ignored.',
    ),
    Code(
        "EM341",
        E,
        "wrangler-invalid-value",
        "The value is not one wrangler allows here (an enum or constant of its config schema).",
        'Expected "{field}" field to be one of {choices} but got {value}.',
    ),
    Code(
        "EM342",
        E,
        "wrangler-missing-key",
        "A table lacks a key wrangler's config schema requires in it.",
        '"{field}" is a required field.',
    ),
    Code(
        "EM343",
        E,
        "durable-objects-without-bindings",
        "`durable_objects` is a table without `bindings`.",
        'The field "durable_objects" is missing the required "bindings" property.',
    ),
    Code(
        "EM344",
        E,
        "exports-and-migrations",
        "`migrations` and Durable Object `exports` cannot both declare the lifecycle.",
        "`migrations` and `exports` are mutually exclusive. Choose one or the other to declare "
        "your Durable Object lifecycle.",
    ),
    Code(
        "EM345",
        E,
        "invalid-export",
        "A Durable Object `exports` entry breaks the rules of its state: type, storage, "
        "renamed_to, transferred_to, transfer_from, forbidden keys, container.",
        '"exports.{name}.{key}" is forbidden on state "{state}". / "exports.{name}.storage" is '
        'required for state "created" … / "exports.{name}.renamed_to" cannot equal the source '
        'class name … / "exports.{name}.container" requires "storage" to be "sqlite".',
    ),
    Code(
        "EM346",
        E,
        "export-container-link",
        "A Durable Object export and a container do not agree on which container runs which "
        "class (unknown, shared, unlinked or mismatched).",
        '"exports.{name}.container" references a container named "{container}", but no '
        'container with that name is defined in "containers". / The container "{name}" is not '
        'linked to a Durable Object. / The container … sets "class_name" to …, but …',
    ),
    Code(
        "EM347",
        E,
        "invalid-container",
        "A container breaks a wrangler rule: name, image, rollout steps, instance type, "
        "scheduling policy, SSH keys or constraints.",
        '"containers.rollout_step_percentage" must be one of [5, 10, 20, 25, 50, 100] … / The '
        'image "{image}" does not appear to be a valid path to a Dockerfile … / '
        "containers.constraints.tier and containers.constraints.tiers cannot both be set",
    ),
    Code(
        "EM348",
        W,
        "container-deprecated",
        "A container uses a deprecated key or instance type (dev, standard, tier, "
        "configuration, instances, durable_objects, wrangler_ssh).",
        'The "dev" instance_type has been renamed to "lite" and will be removed in a subsequent '
        'version. / "containers.configuration" is deprecated. …',
    ),
    Code(
        "EM349",
        E,
        "duplicate-container",
        "Two containers share a name, or a Durable Object class.",
        '"containers" contains more than one container named "{name}". Container names must be '
        'unique. / More than one container is attached to the Durable Object "{class}".',
    ),
    Code(
        "EM350",
        E,
        "invalid-workflow",
        "A workflow binding has an invalid name, empty schedules or a step limit below 1.",
        '"workflows[{i}]" binding "name" field is invalid. … / "workflows[{i}]" bindings '
        '"schedules" field must not be an empty string. / … "limits.steps" field must be a '
        "positive integer …",
    ),
    Code(
        "EM351",
        E,
        "duplicate-workflow",
        "Two workflow bindings share one workflow name.",
        '"workflows" bindings must have unique "name" values; duplicate(s) found: "{names}"',
    ),
    Code(
        "EM352",
        W,
        "workflow-steps-over-maximum",
        "A workflow's step limit is above the production maximum (25,000).",
        '"workflows[{i}]" has a step limit of {steps}, which exceeds the production maximum of '
        "25,000.",
    ),
    Code(
        "EM353",
        W,
        "experimental",
        "`unsafe` or `local_dev.experimental_s3_credentials`: experimental, may change or break.",
        '"unsafe" fields are experimental and may change or break at any time.',
    ),
    Code(
        "EM354",
        W,
        "unsafe-binding-supported",
        "An unsafe binding of a type wrangler supports directly, or the deprecated metadata "
        "binding.",
        'The binding type "{type}" is directly supported by wrangler. / The deployment object '
        "in the metadata binding is now deprecated.",
    ),
    Code(
        "EM355",
        E,
        "invalid-unsafe-capnp",
        "`unsafe.capnp` has both a compiled schema and source schemas.",
        'The field "unsafe.capnp" cannot contain both "compiled_schema" and one of "base_path" '
        'or "source_schemas".',
    ),
    Code(
        "EM356",
        W,
        "deprecated-field",
        "A deprecated or ignored field: queue delivery_delay, pipelines[].pipeline, "
        "site.entry-point, services[].remote beside dev.",
        'The "delivery_delay" field in "queues.producers[{i}]" is deprecated and has no effect. '
        '/ The "pipeline" field in "pipelines[{i}]" bindings is deprecated. Use "stream" '
        'instead. / Deprecation: "site.entry-point": …',
    ),
    Code(
        "EM357",
        E,
        "reserved-binding-name",
        "A Pages project names a binding ASSETS, which Pages reserves.",
        "The name 'ASSETS' is reserved in Pages projects. Please use a different name for your "
        "{kind} binding.",
    ),
    Code(
        "EM358",
        E,
        "python-needs-flag",
        'A Python entry point (`main = "*.py"`) needs the python_workers compatibility flag.',
        "The `python_workers` compatibility flag is required to use Python.",
    ),
    Code(
        "EM359",
        E,
        "main-not-found",
        "The entry point `main` names a file that does not exist.",
        'The entry-point file at "{main}" was not found.',
    ),
    Code(
        "EM360",
        E,
        "main-and-site-entry-point",
        "Both `main` and `site.entry-point` are set.",
        "Don't define both the `main` and `site.entry-point` fields in your configuration.",
    ),
    Code(
        "EM361",
        E,
        "invalid-module-rule",
        "A module rule's type is not ESModule, CommonJS, CompiledWasm, Text or Data.",
        'bindings should have a string "type" field, which contains one of "ESModule", '
        '"CommonJS", "CompiledWasm", "Text", or "Data".',
    ),
    Code(
        "EM362",
        E,
        "invalid-event-trigger",
        "An event trigger has no targets, a target that is not a workflow, or a bad filter.",
        'Expected "triggers.events[{i}].targets" to be a non-empty array, but got {value}.',
    ),
    Code(
        "EM363",
        E,
        "observability-not-enabled",
        "`observability` sets none of enabled, logs.enabled and traces.enabled.",
        '"observability.enabled" or "observability.logs.enabled" or '
        '"observability.traces.enabled" is required.',
    ),
    Code(
        "EM364",
        E,
        "invalid-preview-container",
        "A preview container sets a name, or two share a Durable Object class.",
        '"previews.containers[{i}].name" cannot be set. / "previews.containers" declares more '
        "than one container for the Durable Object class {classes} …",
    ),
    Code(
        "EM365",
        N,
        "unmanaged-keys",
        "Keys of the wrangler file envman keeps byte for byte but does not model: not shown, "
        "compared or promoted. Listed once per run.",
    ),
)
