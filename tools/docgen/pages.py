"""Generates the reference pages other than configuration: codes, exit codes, CLI, prose pages."""

from __future__ import annotations

import inspect
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from envman import codes, errors
from envman.compare import differences as compare
from envman.compare import normalisation as catalogue
from envman.release import planning as promote
from envman.report import registry as report
from tools.docgen.markdown import docstring_body, header, page, table

# --------------------------------------------------------------------------- finding codes

_RANGES: dict[str, tuple[str, str]] = {
    "0": ("EM0xx: input files", "Files envman must read: missing, malformed, invalid."),
    "1": ("EM1xx: schema", "Environment files against the typed schema (`schemas/vars.toml`)."),
    "2": ("EM2xx: cross-environment", "Rules across the environments of a pipeline."),
    "3": ("EM3xx: wrangler", "The wrangler file, and its consistency with the environment files."),
    "4": ("EM4xx: drift", "Declared config against the live Workers on Cloudflare."),
    "5": ("EM5xx: promotion", "Differences between environments, and promotion plans."),
}


def finding_codes() -> str:
    """docs/reference/finding-codes.md: every code of envman.codes.CODES, grouped by range."""
    lines = [
        header("envman/codes/", "tools/wrangler_rules/counterparts.json"),
        "# Finding codes",
        "",
        "Every finding carries a stable code. The severity shown is the default; `--fail-on`",
        "decides which severities make a command exit 1. Any finding of validate, check or drift",
        "can be accepted with an `[[ignore]]` rule in `envman.toml` (see the",
        "[configuration reference](configuration.md#envmantoml)); `--no-ignore` shows it again.",
        "",
    ]
    by_range: dict[str, list[codes.Code]] = {}
    for code in codes.CODES.values():
        by_range.setdefault(code.code[2], []).append(code)
    unknown = sorted(set(by_range) - set(_RANGES))
    if unknown:
        raise ValueError(f"finding codes outside the documented ranges: EM{unknown[0]}xx")
    rules, not_ported = _wrangler_rules()
    for digit, (title, intro) in _RANGES.items():
        lines += [f"## {title}", "", intro, ""]
        headers = ["code", "severity", "name", "help", "wrangler's message"]
        rows = [
            [f"`{c.code}`", c.severity.value, f"`{c.title}`", c.help, _mirrors(c)]
            for c in sorted(by_range.get(digit, []), key=lambda c: c.code)
        ]
        if digit == "3":
            lines += _rules_intro(rules, not_ported)
            headers.append("wrangler rules")
            for row in rows:
                row.append(str(rules[row[0].strip("`")] or ""))
        lines += [*table(headers, rows), ""]
    return page(lines)


COUNTERPARTS = Path(__file__).resolve().parents[1] / "wrangler_rules" / "counterparts.json"
"""Each rule of wrangler's config validation -> the envman code that reports it."""


def _wrangler_rules() -> tuple[Counter[str], dict[str, str]]:
    """How many wrangler rules each code reports, and the rules not ported with why."""
    data = json.loads(COUNTERPARTS.read_text(encoding="utf-8"))
    counts = Counter(target["code"] for target in data.values() if "code" in target)
    not_ported = {
        rule: target["not_ported"] for rule, target in data.items() if "not_ported" in target
    }
    return counts, not_ported


def _rules_intro(rules: Counter[str], not_ported: dict[str, str]) -> list[str]:
    total = sum(rules.values()) + len(not_ported)
    lines = [
        f"The last column counts the rules of wrangler's config validation ({total} in",
        "`tools/wrangler_rules/rules.json`) each code reports, as",
        "`tools/wrangler_rules/counterparts.json` maps them, each shown by a case folder under",
        f"`tests/cases/wrangler/`. {len(not_ported)} cannot apply to envman:",
        "",
    ]
    lines += [f"- `{rule}`: {why}" for rule, why in sorted(not_ported.items())]
    return [*lines, ""]


def _mirrors(code: codes.Code) -> str:
    """The wrangler message a code mirrors, as code text, or "envman only"."""
    if code.wrangler == "envman only":
        return "envman only"
    return "`" + code.wrangler.replace("|", "\\|").replace("`", "'") + "`"


# --------------------------------------------------------------------------- exit codes

_EXIT_MEANINGS: dict[errors.ExitCode, str] = {
    errors.ExitCode.OK: (
        "Ran, and nothing at or above the `--fail-on` severity was found; `promote "
        "--dry-run` whose plan would apply (it says how many changes)."
    ),
    errors.ExitCode.FINDINGS: (
        "Ran and found something: invalid config, drift, a blocked or refused promotion "
        "or rollback (also: a protected environment without `--reason`, no terminal to "
        "confirm on and no `--yes`, a protected target without a token or `--offline`, "
        "nothing to roll back, `schema export --check` with stale files, `audit verify` "
        "on a broken chain)."
    ),
    errors.ExitCode.USAGE: (
        "Usage error: unknown command, option or environment, `--only` selecting no "
        "promotable difference. Also, by request, `promote --dry-run --detailed-exitcode` "
        "when the plan has changes pending (as `terraform plan -detailed-exitcode`)."
    ),
    errors.ExitCode.UNREADABLE: (
        "Could not do the job: a missing, unreadable or malformed file, Cloudflare "
        "unreachable or unauthorised, rate limited past the budget, the lock held. A drift "
        "check that could not read live state never reports “no drift”: it exits 3 even "
        "when the other environments are clean, and so does one that could not read a "
        "compared key (EM409, unless an ignore rule covers it); `report merge` exits 3 "
        "when a shard's report is missing. Output that cannot be written (a report file, "
        "stdout on a full disk) is exit 3 too; a reader that goes away (`envman drift | "
        "head`) is not: the run keeps its verdict."
    ),
    errors.ExitCode.INTERNAL: (
        "Internal error (a bug): one line asking for a report; the traceback only with `--debug`."
    ),
    errors.ExitCode.INTERRUPTED: "Interrupted (Ctrl-C).",
}


def _raised_by(code: errors.ExitCode) -> list[str]:
    """Names of the EnvmanError subclasses whose exit code is `code`."""
    found: list[str] = []
    pending = list(errors.EnvmanError.__subclasses__())
    while pending:
        cls = pending.pop(0)
        pending += cls.__subclasses__()
        if cls.__module__ == errors.__name__ and cls.exit_code == code:
            found.append(f"`{cls.__name__}`")
    return found


def exit_codes() -> str:
    """docs/reference/exit-codes.md: errors.ExitCode with what each code means."""
    rows = []
    for code in errors.ExitCode:
        if code not in _EXIT_MEANINGS:
            raise ValueError(
                f"ExitCode.{code.name} has no documented meaning in tools/docgen/pages.py"
            )
        rows.append(
            [f"`{code.value}`", f"`{code.name}`", _EXIT_MEANINGS[code], ", ".join(_raised_by(code))]
        )
    lines = [
        header("envman/errors.py"),
        "# Exit codes",
        "",
        "Every command exits with one of these codes, so scripts and CI can tell “found",
        "something” (1) from “could not look” (3).",
        "",
        *table(["code", "name", "meaning", "raised as"], rows),
    ]
    return page(lines)


# --------------------------------------------------------------------------- CLI


def _cli_command() -> Any:
    """The click command tree of envman's typer app (typer vendors click as typer._click)."""
    from envman.cli.app import command

    return command()


def _context(command: Any, name: str, parent: Any = None) -> Any:
    from typer._click import Context

    return Context(command, info_name=name, parent=parent)


def _params(ctx: Any, kind: str) -> list[str]:
    """`- `OPTS METAVAR`: help` for each visible parameter of `kind` (option or argument)."""
    items = []
    for param in ctx.command.params:
        if param.param_type_name != kind or getattr(param, "hidden", False):
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        opts, text = record
        text = " ".join(text.split())
        items.append(f"- `{opts}`" + (f": {text}" if text else ""))
    return items


def _command_lines(ctx: Any, level: int) -> Iterator[str]:
    command = ctx.command
    path = ctx.command_path
    if level > 1:
        yield f"{'#' * level} `{path}`"
        yield ""
    help_text = inspect.cleandoc(command.help or "")
    if help_text:
        yield help_text
        yield ""
    yield "```"
    yield command.get_usage(ctx).strip()
    yield "```"
    yield ""
    arguments = _params(ctx, "argument")
    if arguments:
        yield from ["Arguments:", "", *arguments, ""]
    options = _params(ctx, "option")
    if options:
        yield from [("Global options" if level == 1 else "Options") + ":", "", *options, ""]
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            yield from _command_lines(_context(sub, name, ctx), 2 if level == 1 else level + 1)


def cli_reference() -> str:
    """docs/reference/cli.md: every command, argument and option of the typer app."""
    root = _context(_cli_command(), "envman")
    lines = [
        header("envman/cli/"),
        "# CLI reference",
        "",
        "Global options go before or after the command (`envman validate -C path/to/project`).",
        "Every command also takes `-h`/`--help`. Exit codes: [exit-codes.md](exit-codes.md).",
        "",
        *_command_lines(root, 1),
    ]
    return page(lines)


# --------------------------------------------------------------------------- normalisation


def normalisation() -> str:
    """docs/reference/normalisation.md: envman.compare's catalogue of defaults, entry by entry."""
    counts = catalogue.counts()
    by_source = ", ".join(f"{n} {source}" for source, n in counts.items() if n)
    rows = [
        [f"`{d.key}`", d.where, d.value, d.when, d.source, d.folded, d.ref]
        for d in catalogue.CATALOGUE
    ]
    lines = [
        header("envman/compare/normalisation.py", "envman/compare/differences.py"),
        "# Normalisation",
        "",
        "Before comparing two configs (declared, wrangler, live), envman normalises both.",
        "",
        docstring_body(catalogue),
        "",
        docstring_body(compare),
        "",
        "## The catalogue",
        "",
        f"{len(catalogue.CATALOGUE)} entries: {by_source}. Keys without a `wrangler.` prefix",
        "are the keys of the fake Cloudflare's server-defaults catalogue",
        "(`tests/fakecf/DEFAULTS.md`), which a test keeps in step with this one.",
        "",
        *table(["key", "where", "value", "when", "source", "envman folds", "reference"], rows),
        "",
        "Sources: **openapi default** — a `default:` in Cloudflare's OpenAPI description",
        "(`openapi-workers-subset.json`, schema path given); **openapi description** — the",
        "schema's own prose; **Cloudflare docs** — the page given; **observed** — seen in a",
        "real response (which one is given); **wrangler upload** — what wrangler's upload",
        "code does with a config key (file given).",
    ]
    return page(lines)


# --------------------------------------------------------------------------- promotion, formats


def promotion() -> str:
    """docs/reference/promotion.md: envman.promote's table of what is promoted."""
    lines = [
        header("envman/release/planning.py"),
        "# Promotion",
        "",
        "`envman promote SOURCE TARGET` copies promotable differences from one environment",
        "into the next (see [the CLI reference](cli.md#envman-promote)).",
        "",
        docstring_body(promote),
    ]
    return page(lines)


def formats() -> str:
    """docs/reference/formats.md: the report formats of envman.report.REPORTERS."""
    names = ", ".join(f"`{name}`" for name in report.REPORTERS)
    lines = [
        header("envman/report/registry.py"),
        "# Report formats",
        "",
        f"`--format` takes one of {names}.",
        "",
        "Repeat it to write several reports in one run: the i-th `--format` goes to the",
        "i-th `--output`; formats without an `--output` go to standard output, and when",
        "every format goes to a file the text report still goes to the terminal (unless",
        "`envman --quiet`).",
        "",
        docstring_body(report),
    ]
    return page(lines)
