"""The EM343+ finding codes: the rules of wrangler's config validation beyond its schema."""

from __future__ import annotations

from envman.codes.code import Code, E, N, W

RULES: tuple[Code, ...] = (
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
        "scheduling policy, SSH keys or constraints; or `cloudchamber` sets memory or vcpu "
        "beside an instance_type.",
        '"containers.rollout_step_percentage" must be one of [5, 10, 20, 25, 50, 100] … / The '
        'image "{image}" does not appear to be a valid path to a Dockerfile … / '
        "containers.constraints.tier and containers.constraints.tiers cannot both be set / "
        '"{env}cloudchamber" configuration should not set either "memory" or "vcpu" with '
        '"instance_type"',
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
        "site.entry-point (or [site] without it nor `main`: the workers-site default), "
        "services[].remote beside dev.",
        'The "delivery_delay" field in "queues.producers[{i}]" is deprecated and has no effect. '
        '/ The "pipeline" field in "pipelines[{i}]" bindings is deprecated. Use "stream" '
        'instead. / Deprecation: "site.entry-point": … / Because you\'ve defined a [site] '
        'configuration, we\'re defaulting to "workers-site" for the deprecated '
        "`site.entry-point`field. …",
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
    Code(
        "EM366",
        W,
        "define-not-at-top-level",
        "An environment's `define` has a key the top level's `define` lacks; environment "
        "defines can only override top-level ones.",
        '"{key}" exists on "env.{env}", but not on the top level. This is not what you probably '
        'want, since "define" configuration within environments can only override existing top '
        'level "define" configuration …',
    ),
)
