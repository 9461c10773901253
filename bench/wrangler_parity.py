"""How closely envman's zero-setup `validate` agrees with wrangler's own config validation.

    python bench/wrangler_parity.py [--cases DIR] [--misses] [--unmatched] [--json FILE]

Each case is a folder `<cases>/<case>/` holding one wrangler config (wrangler.json, .jsonc or
.toml, plus any file it points at) and `verdict.json`: what wrangler's config validation said
about that file, `{"errors": [...], "warnings": [...], "env": null | "name", "source": "..."}`.
The cases are not part of this repository (see tools/wrangler_rules/BASELINE.md for how they
are made); the default folder is /work/parity-data/cases, or $ENVMAN_PARITY_CASES.

envman runs in this process (`envman.cli.main`), once per case, as
`envman -C <case> validate --format json`. Only its findings for the environments wrangler
looked at count: the top level (`env` null or "top-level") and the selected environment.

Every case falls in exactly one class by wrangler's verdict: error (at least one error),
warning (warnings but no error), or clean. Exit status 0 unless the cases folder is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CASES = Path(os.environ.get("ENVMAN_PARITY_CASES", "/work/parity-data/cases"))
RULES = REPO / "tools" / "wrangler_rules" / "rules.json"
CONFIG_NAMES = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")

GOALS = {"error": 0.97, "warning": 0.95, "clean": 1.00}
EXIT_INTERNAL = 4
EXIT_UNREADABLE = 3
EXIT_USAGE = 2  # e.g. --env names an environment the file does not have


# ------------------------------------------------------------------ wrangler messages -> rules

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}|…")


def normalise(message: str) -> str:
    """A wrangler message without colour codes, with every run of whitespace as one space."""
    return " ".join(_ANSI.sub("", message).split())


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    theme: str
    key_root: str
    pattern: re.Pattern[str]
    literal: int
    """How many literal characters the template pins down: the more, the more specific."""


def compile_template(template: str) -> tuple[re.Pattern[str], int]:
    """`{name}` matches any text, `…` any tail; the rest must match literally (spacing aside)."""
    text = normalise(template)
    parts: list[str] = []
    literal = 0
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        parts.append(_literal(text[pos : m.start()]))
        literal += len(text[pos : m.start()].strip())
        parts.append(".*" if m.group() == "…" else ".*?")
        pos = m.end()
    parts.append(_literal(text[pos:]))
    literal += len(text[pos:].strip())
    return re.compile("".join(parts), re.DOTALL), literal


def _literal(segment: str) -> str:
    core = segment.strip()
    if not core:
        return r"\s*" if segment else ""
    body = r"\s+".join(re.escape(word) for word in core.split(" "))
    lead = r"\s*" if segment[0] == " " else ""
    trail = r"\s*" if segment[-1] == " " else ""
    return lead + body + trail


def load_rules(path: Path) -> list[Rule]:
    if not path.is_file():
        return []
    rules = []
    for record in json.loads(path.read_text()):
        pattern, literal = compile_template(record["message"])
        root = re.split(r"[.\[<{]", record["key_path"], maxsplit=1)[0]
        rules.append(
            Rule(record["id"], record["severity"], record.get("theme", "?"), root, pattern, literal)
        )
    return rules


def match_rule(
    rules: list[Rule], message: str, context: str = "", severity: str | None = None
) -> Rule | None:
    """The most specific rule whose template matches `message`: same severity first, then the
    most literal text, then a rule whose key appears in the context."""
    text = normalise(message)
    best: tuple[int, int, int, Rule] | None = None
    for rule in rules:
        if not rule.pattern.fullmatch(text):
            continue
        hint = int(bool(rule.key_root) and (rule.key_root in text or rule.key_root in context))
        score = (int(rule.severity == severity), rule.literal, hint)
        if best is None or score > best[:3]:
            best = (*score, rule)
    return best[3] if best else None


# ------------------------------------------------------------------ cases and envman runs


@dataclass
class Case:
    name: str
    path: Path
    verdict: dict[str, Any]

    @property
    def wrangler_class(self) -> str:
        if self.verdict.get("errors"):
            return "error"
        return "warning" if self.verdict.get("warnings") else "clean"

    @property
    def config_text(self) -> str:
        for name in CONFIG_NAMES:
            if (self.path / name).is_file():
                return (self.path / name).read_text(errors="replace")
        return ""

    @property
    def env(self) -> str | None:
        env = self.verdict.get("env")
        return env if isinstance(env, str) else None


@dataclass
class Outcome:
    exit_code: int | None
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    crashed: bool = False
    detail: str = ""

    @property
    def rejected(self) -> bool:
        """envman reports an error: an error finding, or the file could not be read at all."""
        return bool(self.errors) or self.exit_code in (EXIT_UNREADABLE, EXIT_USAGE)


def load_cases(folder: Path) -> list[Case]:
    cases = []
    for verdict_path in sorted(folder.glob("*/verdict.json")):
        case_dir = verdict_path.parent
        if not any((case_dir / name).is_file() for name in CONFIG_NAMES):
            continue
        cases.append(Case(case_dir.name, case_dir, json.loads(verdict_path.read_text())))
    return cases


@contextlib.contextmanager
def quiet_environment() -> Iterator[None]:
    """Hide variables that would point envman at a project, an account or a token."""
    saved = {k: v for k, v in os.environ.items() if k.startswith(("ENVMAN_", "CLOUDFLARE_", "CF_"))}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


@contextlib.contextmanager
def reuse_cli_command() -> Iterator[None]:
    """Build the typer command tree once instead of once per case.

    envman.cli.main builds it on every call (typer.main.get_command), which is most of the
    cost of a small validate; a click command is reusable across invocations, as click's own
    test runner does. Without typer (or with a CLI that no longer uses it) this does nothing.
    """
    try:
        import typer.main as typer_main
    except ImportError:
        yield
        return
    original = typer_main.get_command
    built: dict[int, Any] = {}

    def get_command(typer_instance: Any) -> Any:
        key = id(typer_instance)
        if key not in built:
            built[key] = original(typer_instance)
        return built[key]

    typer_main.get_command = get_command
    try:
        yield
    finally:
        typer_main.get_command = original


def run_envman(case: Case) -> Outcome:
    from envman.cli import main  # imported late: the harness must start even if envman is broken

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            # as wrangler runs with --env: that environment (and the top level) only
            selected = [case.env] if case.env else []
            code = main(["-C", str(case.path), "validate", *selected, "--format", "json"])
    except BaseException as exc:  # a crash is data here, not a reason to stop
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Outcome(None, crashed=True, detail="".join(traceback.format_exception(exc))[-2000:])
    stderr = err.getvalue()
    if code == EXIT_INTERNAL or "Traceback (most recent call last)" in stderr:
        return Outcome(code, crashed=True, detail=stderr[-2000:])
    if code in (EXIT_UNREADABLE, EXIT_USAGE):
        return Outcome(code, detail=stderr.strip()[-500:])
    try:
        report = json.loads(out.getvalue())
    except json.JSONDecodeError:
        return Outcome(code, crashed=True, detail=f"exit {code}, no JSON report: {stderr[-500:]}")
    wanted = {None, "top-level", case.env}
    findings = [
        f
        for f in report.get("findings", [])
        if isinstance(f, dict) and f.get("env") in wanted and not f.get("suppressed")
    ]
    return Outcome(
        code,
        errors=[f for f in findings if f.get("severity") == "error"],
        warnings=[f for f in findings if f.get("severity") == "warning"],
    )


# ------------------------------------------------------------------ scoring and report


def hit(case: Case, outcome: Outcome) -> bool:
    """Did envman's verdict agree with the row this case belongs to?"""
    kind = case.wrangler_class
    if outcome.crashed:
        return False
    if kind == "error":
        return outcome.rejected
    if kind == "warning":
        return outcome.rejected or bool(outcome.warnings)
    return not outcome.rejected


def ratio(hits: int, total: int) -> str:
    return f"{hits / total:.2f} ({hits}/{total})" if total else "n/a (0/0)"


def table(cases: list[Case], outcomes: dict[str, Outcome]) -> str:
    rows = []
    labels = {
        "error": "cases where wrangler reports an error → envman reports ≥1 error",
        "warning": "cases where wrangler warns → envman warns or errors",
        "clean": "cases wrangler accepts cleanly → envman reports no error",
    }
    for kind in ("error", "warning", "clean"):
        mine = [c for c in cases if c.wrangler_class == kind]
        hits = sum(hit(c, outcomes[c.name]) for c in mine)
        goal = f"{GOALS[kind]:.2f}" if kind == "clean" else f"≥ {GOALS[kind]:.2f}"
        rows.append(f"| {labels[kind]} | {ratio(hits, len(mine))} | {goal} |")
    crashes = sum(o.crashed for o in outcomes.values())
    rows.append(f"| crashes (exit 4 or traceback) | {crashes} | 0 |")
    return "\n".join(["| | envman | goal |", "|---|---|---|", *rows])


def wrangler_messages(case: Case, severity: str) -> list[tuple[str, str]]:
    """(message, context) pairs of one severity. The context (where wrangler grouped the message,
    when verdict.json keeps it, and the config text) only breaks ties between rules whose
    templates read alike, such as the `binding` check shared by browser, images and websearch."""
    config = case.config_text
    detailed = case.verdict.get("diagnostics")
    if isinstance(detailed, list):
        return [
            (d["message"], " ".join(d.get("context") or []) + " " + config)
            for d in detailed
            if d.get("severity") == severity
        ]
    return [(m, config) for m in case.verdict.get(f"{severity}s", [])]


def short(text: str, width: int = 110) -> str:
    text = normalise(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def misses_report(cases: list[Case], outcomes: dict[str, Outcome], rules: list[Rule]) -> str:
    lines: list[str] = []
    for kind, title in (
        ("error", "wrangler errors, envman reports no error"),
        ("warning", "wrangler warns, envman reports nothing"),
    ):
        groups: dict[str, list[str]] = defaultdict(list)
        for case in cases:
            if case.wrangler_class != kind or hit(case, outcomes[case.name]):
                continue
            matched = [
                (match_rule(rules, m, ctx, kind), m) for m, ctx in wrangler_messages(case, kind)
            ]
            theme = next((r.theme for r, _ in matched if r), "unmatched")
            ids = ", ".join(dict.fromkeys(r.id if r else "?" for r, _ in matched))
            first = matched[0][1] if matched else ""
            env = f" [env {case.env}]" if case.env else ""
            groups[theme].append(f"  - `{case.name}`{env}: {ids} — {short(first)}")
        total = sum(len(v) for v in groups.values())
        lines.append(f"\n### {title}: {total}\n")
        for theme in sorted(groups, key=lambda t: (-len(groups[t]), t)):
            lines.append(f"- **{theme}** ({len(groups[theme])})")
            lines.extend(sorted(groups[theme]))
    false_alarms: dict[str, list[str]] = defaultdict(list)
    for case in cases:
        outcome = outcomes[case.name]
        if case.wrangler_class != "clean" or hit(case, outcome) or outcome.crashed:
            continue
        findings = outcome.errors or [
            {"code": f"exit {outcome.exit_code}", "message": outcome.detail}
        ]
        codes = ", ".join(dict.fromkeys(str(f.get("code")) for f in findings))
        first = findings[0]
        env = f" [env {case.env}]" if case.env else ""
        said = f"{first.get('path', '')}: {first.get('message', '')}"
        false_alarms[codes].append(f"  - `{case.name}`{env}: {short(said)}")
    total = sum(len(v) for v in false_alarms.values())
    lines.append(f"\n### wrangler accepts, envman reports an error: {total}\n")
    for codes in sorted(false_alarms, key=lambda k: (-len(false_alarms[k]), k)):
        lines.append(f"- **{codes}** ({len(false_alarms[codes])})")
        lines.extend(sorted(false_alarms[codes]))
    crashed = [c for c in cases if outcomes[c.name].crashed]
    lines.append(f"\n### crashes: {len(crashed)}\n")
    for case in crashed:
        detail = outcomes[case.name].detail.strip()
        lines.append(f"- `{case.name}`: {short(detail.splitlines()[-1] if detail else '', 160)}")
    return "\n".join(lines)


def unmatched_report(cases: list[Case], rules: list[Rule]) -> str:
    """wrangler messages no catalogued rule explains: gaps in tools/wrangler_rules/rules.json."""
    seen: Counter[str] = Counter()
    where: dict[str, str] = {}
    for case in cases:
        for severity in ("error", "warning"):
            for message, ctx in wrangler_messages(case, severity):
                if match_rule(rules, message, ctx, severity) is None:
                    key = f"{severity}: {short(message, 160)}"
                    seen[key] += 1
                    where.setdefault(key, case.name)
    lines = [
        f"\n### wrangler messages matching no rule in {RULES.relative_to(REPO)}: {len(seen)}\n"
    ]
    lines += [f"- {n}× {key} (e.g. `{where[key]}`)" for key, n in seen.most_common()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="folder of case folders")
    parser.add_argument("--misses", action="store_true", help="list the disagreeing cases by theme")
    parser.add_argument(
        "--unmatched",
        action="store_true",
        help="list wrangler messages that no rule in rules.json explains",
    )
    parser.add_argument("--rules", type=Path, default=RULES, help="rule catalogue for --misses")
    parser.add_argument("--json", type=Path, help="also write per-case results to this file")
    parser.add_argument(
        "--fresh-cli",
        action="store_true",
        help="let envman rebuild its command line for every case (slower)",
    )
    args = parser.parse_args(argv)

    if not args.cases.is_dir():
        print(f"no cases folder at {args.cases}", file=sys.stderr)
        return 2
    cases = load_cases(args.cases)
    if not cases:
        print(
            f"no cases (folders with verdict.json and a wrangler config) in {args.cases}",
            file=sys.stderr,
        )
        return 2
    started = time.perf_counter()
    reuse = contextlib.nullcontext() if args.fresh_cli else reuse_cli_command()
    with quiet_environment(), reuse:
        outcomes = {case.name: run_envman(case) for case in cases}
    elapsed = time.perf_counter() - started

    counts = Counter(c.wrangler_class for c in cases)
    unreadable = sum(o.exit_code == EXIT_UNREADABLE for o in outcomes.values())
    print(table(cases, outcomes))
    print(
        f"\n{len(cases)} cases ({counts['error']} error, {counts['warning']} warning-only, "
        f"{counts['clean']} clean) from {args.cases}; envman ran in {elapsed:.1f} s"
        + (f"; {unreadable} unreadable (exit 3, counted as an error)" if unreadable else "")
    )
    rules = load_rules(args.rules)
    if args.misses:
        print(misses_report(cases, outcomes, rules))
    if args.unmatched:
        print(unmatched_report(cases, rules))
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    c.name: {
                        "wrangler": c.wrangler_class,
                        "hit": hit(c, outcomes[c.name]),
                        "exit_code": outcomes[c.name].exit_code,
                        "crashed": outcomes[c.name].crashed,
                        "envman_errors": [f.get("code") for f in outcomes[c.name].errors],
                        "envman_warnings": [f.get("code") for f in outcomes[c.name].warnings],
                        "rules": [
                            r.id if r else None
                            for r in (
                                match_rule(rules, m, ctx, sev)
                                for sev in ("error", "warning")
                                for m, ctx in wrangler_messages(c, sev)
                            )
                        ],
                    }
                    for c in cases
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
