"""Shared machinery of the benchmarks: timing real subprocesses, rows, skips, TOML writing."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
"""The repository root: the bundled project (envman.toml, environments/, schemas/, wrangler.toml)."""

_CLEARED_PREFIXES = ("CLOUDFLARE_", "ENVMAN_", "GITHUB_", "PYTHON", "PYDANTIC_")
"""What the user's shell may set that would change a measurement: envman's own settings,
and the interpreter's and pydantic's switches (PYTHONDONTWRITEBYTECODE would recompile
envman on every run, PYTHONPATH or PYDANTIC_DISABLE_PLUGINS would change what loads)."""


class Skip(Exception):
    """A prerequisite is missing: the benchmark's row says so instead of a number."""


class NotAvailable(Exception):
    """The command under test does not exist yet: the row says "not available yet"."""


class BenchFailure(Exception):
    """The benchmark ran but its sanity check failed: the run must fail loudly."""


@dataclass(frozen=True)
class Sample:
    """One timed run of a subprocess."""

    seconds: float
    returncode: int
    maxrss_kb: int
    cpu_seconds: float
    """User + system CPU time of the process: less sensitive than wall time to other load."""
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Criterion:
    """One measured value against its limit: met when `value <= limit`."""

    value: float
    limit: float
    unit: str
    """"s" (seconds), "x" (times the bare interpreter) or a count's unit ("requests/Worker")."""

    @property
    def met(self) -> bool:
        return self.value <= self.limit

    def _show(self, number: float) -> str:
        if self.unit == "s":
            return fmt_seconds(number)
        if self.unit == "x":
            return f"{number:.1f}×"
        return f"{number:.2f} {self.unit}"

    @property
    def measured(self) -> str:
        return self._show(self.value)

    @property
    def goal(self) -> str:
        if self.unit == "s":
            return f"≤ {fmt_seconds(self.limit)}"
        if self.unit == "x":
            return f"≤ {self.limit:g}× bare"
        return f"≤ {self.limit:g} {self.unit}"


@dataclass
class Row:
    """One line of the results table."""

    name: str
    seconds: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    status: str = "ok"
    """ok | skipped | not available yet | FAILED"""
    criteria: list[Criterion] = field(default_factory=list)
    """The goals this row is judged against (none: the row is for information)."""
    profile: list[str] = field(default_factory=list)
    """The profile summary of a row that misses its goal."""

    @property
    def met(self) -> bool | None:
        """Whether every criterion is met; None for a row without goals or without numbers."""
        if not self.criteria or self.status != "ok":
            return None
        return all(c.met for c in self.criteria)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def fmt_seconds(seconds: float) -> str:
    """1.23 s, 45.6 ms or 789 µs: three significant digits in a readable unit."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        ms = seconds * 1e3
        return f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"
    return f"{seconds * 1e6:.0f} µs"


def fmt_mb(kb: float) -> str:
    return f"{kb / 1024:.0f} MB"


_PROXIES = frozenset(("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"))


def clean_environ(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """os.environ without CLOUDFLARE_*/ENVMAN_*/GITHUB_*/PYTHON*/PYDANTIC_* and the proxy
    variables (so the user's shell changes nothing: the fake API is on 127.0.0.1)."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(_CLEARED_PREFIXES) and k.upper() not in _PROXIES
    }
    environ.pop("FORCE_COLOR", None)
    environ["NO_COLOR"] = "1"
    environ["COLUMNS"] = "100"
    environ.update(extra or {})
    return environ


def run_once(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
) -> Sample:
    """Run `argv` once: wall time, exit code, peak RSS (of that very process) and its output.

    stdout/stderr go to temporary files, not pipes, so a large output cannot block the
    child and no reader thread competes with it. `os.wait4` returns the resource usage
    of exactly this child, so `ru_maxrss` is its own peak, not the maximum over every
    child this runner ever had (which `RUSAGE_CHILDREN` would report).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else clean_environ(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        timer = threading.Timer(timeout, _kill, (proc.pid,))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Sample(
            seconds=elapsed,
            returncode=proc.returncode,
            maxrss_kb=usage.ru_maxrss,  # kilobytes on Linux
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def excerpt(sample: Sample, limit: int = 1500) -> str:
    """A sample's output, its head and tail when long, for failure messages."""
    text = (sample.stdout.strip() + "\n--- stderr ---\n" + sample.stderr.strip()).strip()
    if len(text) <= limit:
        return text
    return text[: limit * 2 // 3] + "\n…\n" + text[-limit // 3 :]


def expect_exit(sample: Sample, code: int, what: str) -> None:
    if sample.returncode != code:
        raise BenchFailure(f"{what}: exit {sample.returncode}, expected {code}\n{excerpt(sample)}")


def exits(code: int, what: str) -> Callable[[Sample], None]:
    """A `check` for `Context.measure`: every run must exit with `code`."""

    def check(sample: Sample) -> None:
        expect_exit(sample, code, what)

    return check


@dataclass(frozen=True)
class Interpreter:
    """The Python that runs envman: the bare-interpreter baseline of every ratio."""

    path: str
    """As envman's script names it (the venv's own interpreter, so the venv is active)."""
    real: str
    """That path with every symlink resolved: the executable file the kernel runs."""

    def describe(self) -> str:
        real = "" if self.real == self.path else f" (→ `{self.real}`)"
        return f"`{self.path}`{real}"


def _native(path: str) -> bool:
    """Whether `path` is an executable binary, not a `#!` script (a pyenv or asdf shim)."""
    try:
        with open(path, "rb") as f:
            return f.read(2) != b"#!"
    except OSError:
        return False


def _shebang(script: Path) -> str | None:
    try:
        with script.open("rb") as f:
            first = f.readline().decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    parts = first[2:].split()
    return parts[0] if len(parts) == 1 else None  # `#!/usr/bin/env python` is a wrapper


@dataclass
class Context:
    """What every benchmark receives: settings, the command to run, a scratch folder."""

    runs: int
    scratch: Path
    skip_slow: bool = False
    profiling: bool = True
    """Profile the rows that miss their goal (`--no-profile` turns it off)."""
    log: Callable[[str], None] = lambda message: None
    python: str = sys.executable
    """The runner's interpreter: where envman is looked for."""
    _envman: list[str] | None = None
    _interpreter: Interpreter | None = None

    def envman(self) -> list[str]:
        """The installed envman command: the `envman` script next to the interpreter, else -m.

        The script runs as the kernel runs it (its `#!` line), unless that names a wrapper
        (a shim script, `/usr/bin/env`): then the interpreter the wrapper ends up in runs
        the script, so no wrapper's start-up is counted and the baseline is that same file.
        """
        if self._envman is None:
            script = Path(self.python).with_name("envman")
            if script.is_file() and os.access(script, os.X_OK):
                named = _shebang(script)
                if named and _native(os.path.realpath(named)):
                    self._interpreter = Interpreter(named, os.path.realpath(named))
                    self._envman = [str(script)]
                else:
                    python = self._ask(named or self.python)
                    self._interpreter = Interpreter(python, os.path.realpath(python))
                    self._envman = [python, str(script)]
            else:
                probe = subprocess.run(
                    [self.python, "-c", "import envman.cli.app"],
                    capture_output=True,
                    check=False,
                )
                if probe.returncode != 0:
                    raise Skip(f"envman is not installed for {self.python}")
                python = self._ask(self.python)
                self._interpreter = Interpreter(python, os.path.realpath(python))
                self._envman = [python, "-m", "envman"]
            if not _native(self._interpreter.real):
                raise Skip(f"{self._interpreter.describe()} is a script, not an interpreter")
        return self._envman

    def _ask(self, python: str) -> str:
        """The interpreter `python` really is (a shim ends in one): its own sys.executable."""
        probe = subprocess.run(
            [python, "-c", "import sys; print(sys.executable)"],
            capture_output=True,
            text=True,
            check=False,
            env=clean_environ(),
        )
        return probe.stdout.strip() or python

    def interpreter(self) -> Interpreter:
        """The interpreter that runs envman (see `envman()`), the baseline of every ratio."""
        self.envman()
        assert self._interpreter is not None
        return self._interpreter

    def bare(self) -> list[str]:
        """The bare interpreter start-up: envman's own interpreter running `-c pass`."""
        return [self.interpreter().path, "-c", "pass"]

    def interleaved(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        check: Callable[[Sample], None] | None = None,
    ) -> tuple[list[Sample], list[Sample]]:
        """`runs` pairs of (bare interpreter, `argv`) after one untimed pair, alternating
        which goes first, so load from other processes hits both alike."""
        bare: list[Sample] = []
        samples: list[Sample] = []
        for index in range(self.runs + 1):
            if index % 2:
                sample = run_once(argv, cwd=cwd)
                baseline = run_once(self.bare(), cwd=cwd)
            else:
                baseline = run_once(self.bare(), cwd=cwd)
                sample = run_once(argv, cwd=cwd)
            if check is not None:
                check(sample)
            if index:
                bare.append(baseline)
                samples.append(sample)
        return bare, samples

    def workdir(self, name: str) -> Path:
        """A fresh folder under the scratch folder."""
        path = self.scratch / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def measure(
        self,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None = None,
        runs: int | None = None,
        warmup: int = 1,
        prepare: Callable[[], Path] | None = None,
        check: Callable[[Sample], None] | None = None,
        timeout: float = 600.0,
    ) -> list[Sample]:
        """`warmup` untimed runs, then `runs` timed ones; `check` is applied to every run.

        `prepare` (untimed) returns the folder to run in, for commands that change
        their project (promote): each run then starts from the same state.
        """
        samples: list[Sample] = []
        total = (self.runs if runs is None else runs) + warmup
        for index in range(total):
            where = prepare() if prepare is not None else cwd
            sample = run_once(argv, cwd=where, env=env, timeout=timeout)
            if check is not None:
                check(sample)
            if index >= warmup:
                samples.append(sample)
        return samples


HEAVY_MODULES = ("cloudflare", "httpx", "deepdiff", "rich", "tomlkit", "dynaconf")
"""Libraries DESIGN.md wants imported lazily, only on the code paths that need them."""

_IMPORT_PROBE = """
import atexit, sys
heavy = {heavy!r}
atexit.register(lambda: sys.stderr.write(
    "\\nHEAVY-IMPORTS:" + ",".join(m for m in heavy if m in sys.modules) + "\\n"))
sys.argv = ["envman", *{args!r}]
from envman.cli.app import main
sys.exit(main())
"""


def heavy_imports(ctx: Context, args: Sequence[str], cwd: Path) -> str:
    """Which of HEAVY_MODULES `envman ARGS` imports (one untimed run), for a row's notes."""
    code = _IMPORT_PROBE.format(heavy=HEAVY_MODULES, args=list(args))
    sample = run_once([ctx.interpreter().path, "-c", code], cwd=cwd)
    marker = sample.stderr.rfind("HEAVY-IMPORTS:")
    if marker == -1:
        return "heavy imports: unknown (probe failed)"
    found = [m for m in sample.stderr[marker + len("HEAVY-IMPORTS:") :].strip().split(",") if m]
    absent = ", ".join(m for m in HEAVY_MODULES if m not in found)
    if not found:
        return f"loads none of {absent}"
    return f"loads {', '.join(found)}" + (f"; not {absent}" if absent else "")


def row_from(
    name: str, samples: Sequence[Sample], notes: Iterable[str] = (), *, rss: bool = True
) -> Row:
    notes = list(notes)
    if rss and samples:
        notes.append(f"peak RSS {fmt_mb(max(s.maxrss_kb for s in samples))}")
    return Row(name=name, seconds=[s.seconds for s in samples], notes=notes)


def time_inprocess(fn: Callable[[], Any], runs: int, warmup: int = 1) -> list[float]:
    """Wall times of `fn()` called in this process (library micro-benchmarks)."""
    times = []
    for index in range(runs + warmup):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        if index >= warmup:
            times.append(elapsed)
    return times


# --------------------------------------------------------------------------- generating projects


def hex_id(*parts: object) -> str:
    """A stable 32-hex resource id (KV namespace ids, account ids) distinct per `parts`."""
    return hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()


def uuid_id(*parts: object) -> str:
    """A stable UUID (D1 database ids) distinct per `parts`."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "envman-bench/" + "/".join(map(str, parts))))


def toml_value(value: Any) -> str:
    """`value` as an inline TOML value (strings, numbers, booleans, arrays, inline tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a valid TOML basic string too
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML for {type(value).__name__}")


def toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


VAR_TYPES = ("string", "integer", "number", "boolean", "enum", "url", "json")
ENUM_ALLOWED = ["debug", "info", "warn", "error"]


def var_name(index: int) -> str:
    return f"VAR_{index:04d}_{VAR_TYPES[index % len(VAR_TYPES)].upper()}"


def schema_entry(index: int) -> list[str]:
    """The `[vars.NAME]` table of var `index` in schemas/vars.toml (types cycle)."""
    kind = VAR_TYPES[index % len(VAR_TYPES)]
    lines = [f"[vars.{var_name(index)}]", f'type = "{kind}"']
    if kind == "string":
        lines.append("max_length = 200")
    elif kind == "integer":
        lines += ["min = 0", "max = 1000000"]
    elif kind == "number":
        lines += ["min = 0", "max = 100"]
    elif kind == "enum":
        lines.append(f"allowed = {toml_value(ENUM_ALLOWED)}")
    elif kind == "url":
        lines.append("pattern = 'https://.*'")
    lines.append(f'description = "Generated {kind} var number {index}."')
    return lines


def var_value(index: int, variant: int = 0) -> Any:
    """A valid value of var `index`; `variant` gives a different valid value."""
    kind = VAR_TYPES[index % len(VAR_TYPES)]
    if kind == "string":
        return f"value-{index}-{variant}"
    if kind == "integer":
        return (index * 37 + variant) % 1000000
    if kind == "number":
        return round((index % 90) + 0.25 + variant * 0.5, 2)
    if kind == "boolean":
        return (index + variant) % 2 == 0
    if kind == "enum":
        return ENUM_ALLOWED[(index + variant) % len(ENUM_ALLOWED)]
    if kind == "url":
        return f"https://svc-{index}-{variant}.example.com/api"
    return {"limit": index, "tags": ["a", "b"], "variant": variant}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
