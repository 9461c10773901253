"""envman.wrangler against the real wrangler CLI: every error wrangler reports, envman reports too.

Runs `wrangler deploy --dry-run --outdir DIR [--env X]` (offline) on small crafted
configs. Skipped unless a wrangler binary is found: $ENVMAN_WRANGLER, the repository's
node_modules/.bin/wrangler, or `wrangler` on PATH (`npm install --prefix /tmp/wr
wrangler@4.86` gives one that runs on Node 20; point ENVMAN_WRANGLER at
/tmp/wr/node_modules/.bin/wrangler). envman is stricter than wrangler, so only this
direction is asserted: wrangler error => envman error finding of the matching code.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from envman.project import TOP_LEVEL
from envman.wrangler import check, read_wrangler
from tests import paths


def _find_wrangler() -> str | None:
    repo = paths.REPO
    for candidate in (
        os.environ.get("ENVMAN_WRANGLER"),
        repo / "node_modules" / ".bin" / "wrangler",
    ):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return shutil.which("wrangler")


WRANGLER = _find_wrangler()  # read at import: the autouse fixture clears ENVMAN_* later
pytestmark = [
    pytest.mark.acceptance,
    pytest.mark.wrangler,
    pytest.mark.skipif(
        WRANGLER is None, reason="no wrangler binary (ENVMAN_WRANGLER, node_modules, PATH)"
    ),
]
TODAY = date(2026, 6, 1)

# wrangler's message -> the envman codes that stand for it (first match wins).
MESSAGES: list[tuple[str, set[str]]] = [
    (r'"node_compat"', {"EM323"}),
    (r'exactly one of the following fields \["routes","route"\]', {"EM316"}),
    (r"alphanumeric and lowercase with dashes only", {"EM313"}),
    (r'"compatibility_date" field should', {"EM331"}),
    (r"placement", {"EM321"}),
    (r"head_sampling_rate", {"EM322"}),
    (r"migrations\[\d+\]\.tag", {"EM326"}),
    (r"bucket_name", {"EM320"}),
    (r"assigned to|Bindings must have unique names", {"EM318"}),
    (r'durable_objects" should be an object', {"EM319"}),
    (r"bindings? (should|must) have|binding should have", {"EM319"}),
    (r'Expected "[^"]+" to be of type', {"EM311", "EM336"}),
    (r"Custom Domains|Invalid Routes", {"EM337"}),
    (r"Missing entry-point|compatibility_date is required|provide a name", {"EM312"}),
]

CONFIGS: dict[str, tuple[str, tuple[str | None, ...]]] = {
    "top-level-errors": (
        'name = "cmp"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
        'workers_dev = "yes"\nnode_compat = true\nroute = "a.example.com/*"\nroutes = ["b.example.com/*"]\n'
        '[[kv_namespaces]]\nbinding = "CACHE"\nid = ""\n[vars]\nCACHE = "x"\n'
        '[[r2_buckets]]\nbinding = "B"\nbucket_name = "Bad_Name"\n[placement]\nmode = "fast"\n'
        "[observability]\nenabled = true\nhead_sampling_rate = 3\n[[migrations]]\nnew_classes = ['X']\n"
        '[[services]]\nbinding = "S"\n[[durable_objects.bindings]]\nname = "D"\n'
        '[[hyperdrive]]\nbinding = "H"\n[[d1_databases]]\nbinding = "DB"\ndatabase_id = 5\n',
        (None,),
    ),
    "names-and-dates": (
        'name = "Bad Name"\nmain = "src/index.ts"\ncompatibility_date = "2025–01–01"\n'
        '[env.staging]\nname = "ok-staging"\ncompatibility_date = 2025-01-01\n'
        'durable_objects = [{ name = "D", class_name = "C" }]\n[[env.staging.kv_namespaces]]\nid = "abc"\n',
        ("staging",),
    ),
    "environment-errors": (
        'name = "cmp"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
        '[env.staging]\nroute = "a.example.com/*"\nroutes = ["b.example.com/*"]\n'
        '[[env.staging.durable_objects.bindings]]\nname = "D"\nclass_name = "C"\nenvironment = "x"\n'
        '[[env.staging.migrations]]\ntag = "v1"\nnew_classes = ["C"]\n'
        '[[env.staging.d1_databases]]\nbinding = "DB"\ndatabase_id = 7\n[env.staging.vars]\nDB = "x"\n',
        ("staging",),
    ),
    "custom-domains": (
        'name = "cmp"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
        "routes = [{ pattern = '*.example.com', custom_domain = true },"
        " { pattern = 'example.com/api', custom_domain = true }]\n",
        (None,),
    ),
    "no-entry-point": (
        'name = "cmp"\ncompatibility_date = "2025-01-01"\n[env.staging]\n',
        ("staging",),
    ),
    "clean": (
        'name = "cmp"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
        '[triggers]\ncrons = ["0 3 * * *"]\n[env.staging]\n[env.staging.vars]\nA = "1"\n',
        (None, "staging"),
    ),
    # wrangler passes what envman refuses: a Sunday written 0, and an impossible date
    "stricter-than-wrangler": (
        'name = "cmp"\nmain = "src/index.ts"\ncompatibility_date = "2025-02-30"\n'
        '[triggers]\ncrons = ["0 0 * * 0"]\n',
        (None,),
    ),
}


@dataclass(frozen=True)
class Run:
    exit_code: int
    errors: list[tuple[str, str]]  # (environment section or "", message)
    output: str


def _errors(output: str) -> list[tuple[str, str]]:
    """The error messages of wrangler's output, with the `env.X` section each is under."""
    errors: list[tuple[str, str]] = []
    blocks = re.split(r"^✘ \[ERROR\] ", output, flags=re.MULTILINE)[1:]
    for block in blocks:
        headline, _, body = block.partition("\n")
        if not headline.startswith("Processing "):
            errors.append(("", headline.strip()))
            continue
        section = ""
        for line in body.splitlines():
            bullet = re.match(r"^( +)- (.*)$", line)
            if bullet is None:
                continue
            indent, text = len(bullet[1]), bullet[2].strip()
            env = re.fullmatch(r'"env\.([^"]+)" environment configuration', text)
            if env:
                section = env[1]
            elif not re.fullmatch(r'"[^"]+": [\[{].*', text):  # a header of nested details
                errors.append((section if indent > 4 else "", text))
    return errors


def _run(folder: Path, env: str | None, home: Path) -> Run:
    assert WRANGLER is not None
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CLOUDFLARE_", "ENVMAN_"))}
    environ.update(
        HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), FORCE_COLOR="0", NO_COLOR="1",
        WRANGLER_SEND_METRICS="false",
    )  # fmt: skip
    command = [WRANGLER, "deploy", "--dry-run", "--outdir", str(folder / f"out-{env}")]
    command += ["--env", env] if env is not None else ["--env", ""]
    done = subprocess.run(
        command, cwd=folder, env=environ, capture_output=True, text=True, timeout=120
    )
    output = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)
    return Run(done.returncode, _errors(output), output)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str | None], Run]:
    """Every config under every environment, through wrangler, in parallel (~1 s each)."""
    home = tmp_path_factory.mktemp("wrangler-home")
    jobs = []
    for name, (text, envs) in CONFIGS.items():
        folder = tmp_path_factory.mktemp(name)
        (folder / "src").mkdir()
        (folder / "src" / "index.ts").write_text(
            "export default { fetch() { return new Response('ok') } }\n"
        )
        (folder / "wrangler.toml").write_text(text, encoding="utf-8")
        jobs += [(name, env, folder) for env in envs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = pool.map(lambda job: _run(job[2], job[1], home), jobs)
        return {(name, env): run for (name, env, _), run in zip(jobs, results, strict=True)}


@pytest.mark.parametrize(
    ("name", "env"), [(name, env) for name, (_, envs) in CONFIGS.items() for env in envs]
)
def test_every_wrangler_error_is_an_envman_error(
    runs: dict[tuple[str, str | None], Run], tmp_path: Path, name: str, env: str | None
) -> None:
    run = runs[(name, env)]
    assert (run.exit_code != 0) == bool(run.errors), run.output
    (tmp_path / "wrangler.toml").write_text(CONFIGS[name][0], encoding="utf-8")
    wf = read_wrangler(tmp_path / "wrangler.toml", "wrangler.toml")
    selected = env or TOP_LEVEL
    findings = check(wf, today=TODAY)
    for section, message in run.errors:
        codes = next((codes for pattern, codes in MESSAGES if re.search(pattern, message)), None)
        assert codes is not None, f"wrangler error envman has no mapping for: {message}"
        envs = {section} if section else {TOP_LEVEL, selected}
        matching = [
            f for f in findings if f.code in codes and f.env in envs and f.severity.value == "error"
        ]
        assert matching, f"wrangler: {message!r} ({section or selected}); envman: {findings}"


def test_wrangler_accepts_what_envman_refuses(
    runs: dict[tuple[str, str | None], Run], tmp_path: Path
) -> None:
    assert runs[("clean", None)].exit_code == 0 and runs[("clean", "staging")].exit_code == 0
    assert runs[("stricter-than-wrangler", None)].exit_code == 0
    (tmp_path / "wrangler.toml").write_text(CONFIGS["stricter-than-wrangler"][0], encoding="utf-8")
    findings = check(read_wrangler(tmp_path / "wrangler.toml"), today=TODAY)
    assert {f.code for f in findings} == {"EM330", "EM331"}
