"""Shared fixtures: a clean process environment, the bundled project, envman in-process."""

from __future__ import annotations

import gc
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:  # imported by the fixtures that use them: the controller runs no test
    import typer

    from tests.fakecf.server import FakeCloudflare
    from tests.inprocess import Envman

pytest_plugins = ["tests.fakecf.fixtures"]  # fake_cloudflare, for every test

settings.register_profile(
    "default", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", settings.get_profile("default"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
"""Examples per property: see tests/properties.py."""


PROXY_VARIABLES = frozenset(("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"))
"""envman honours them for live reads, as httpx does; every server of the tests is on
127.0.0.1, so the machine's own proxy must not carry their requests (a test that wants a
proxy names its own: tests/live/test_network_environment.py)."""


def pytest_configure(config: pytest.Config) -> None:
    """No proxy variable for the whole session (fixtures of any scope, the processes the
    tests start, the workers); then compile envman and the tests once, before the workers
    start.

    Some machines set PYTHONDONTWRITEBYTECODE, and an editable install compiles nothing:
    every `python -m envman` the acceptance tests start (some forty) would then compile
    envman's modules again, ~0.2 s of CPU each, and every worker would compile the tests'
    helpers and rewrite the assertions of every test module (~3 s each). The compiled
    files land in `__pycache__` folders (ignored by git), where an install and pytest
    itself put them, and are used only while they match their source.
    """
    for name in [name for name in os.environ if name.upper() in PROXY_VARIABLES]:
        del os.environ[name]
    if hasattr(config, "workerinput"):  # an xdist worker: the controller did it
        return
    import compileall
    import re

    tests = Path(__file__).resolve().parent
    compileall.compile_dir(tests.parent / "envman", quiet=1)
    rewritten = re.compile(r"(^|/)(test_[^/]*|conftest)\.py$")
    compileall.compile_dir(tests, quiet=1, rx=rewritten)  # rx: the ones not compiled here
    _rewrite_once(config, [p for p in tests.rglob("*.py") if rewritten.search(p.as_posix())])


def _warm_unicode_tables() -> threading.Thread | None:
    """Hypothesis's Unicode tables, computed once here while the workers start.

    `st.text()` draws from the characters UTF-8 can encode, a table Hypothesis computes by
    encoding every code point (~4 s of CPU here) and caches under `.hypothesis/`. In a
    fresh clone (as in CI) the cache is empty, and each worker that reached its first
    text strategy before another had written the table computed it again. The
    controller, idle while the workers import and collect, computes it once with
    Hypothesis's own functions; a worker that still finds no table computes it, as before.
    Skipped when the tables are cached, or should those functions change.
    """
    try:
        from hypothesis.internal import charmap

        tables = [charmap.charmap_file(), charmap.charmap_file("codec-v2-utf-8")]
    except (ImportError, AttributeError, TypeError):
        return None
    if all(table.exists() for table in tables):
        return None

    def warm() -> None:
        try:
            charmap.charmap()
            charmap.intervals_from_codec("utf-8")
        except Exception:  # best effort: a worker computes what is missing
            return

    thread = threading.Thread(target=warm, name="hypothesis unicode tables", daemon=True)
    thread.start()
    return thread


_WARMING = pytest.StashKey[threading.Thread]()


def _rewrite_once(config: pytest.Config, modules: list[Path]) -> None:
    """What pytest's assertion rewriter caches for each of `modules`, written once here
    rather than recomputed by each worker (~3 s of CPU each), in one process per core,
    with pytest's own functions; skipped should they change (the workers then rewrite
    as usual)."""
    try:
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
        stale = [m for m in modules if rewrite._read_pyc(m, _cached(m), state.trace) is None]
    except (ImportError, AttributeError, KeyError, TypeError):
        return
    if not stale:
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    _REWRITING.append(config)  # the forked processes find it here
    cores = min(os.cpu_count() or 1, len(stale))
    with ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("fork")) as pool:
        list(pool.map(_rewrite, stale, chunksize=max(1, len(stale) // (4 * cores))))
    _REWRITING.clear()


_REWRITING: list[pytest.Config] = []


def _cached(module: Path) -> Path:
    from _pytest.assertion import rewrite

    return rewrite.get_cache_dir(module) / (module.name[:-3] + rewrite.PYC_TAIL)


def _rewrite(module: Path) -> None:
    from _pytest.assertion import rewrite

    config = _REWRITING[0]
    try:
        pyc = _cached(module)
        pyc.parent.mkdir(exist_ok=True)
        source_hash, code = rewrite._rewrite_test(module, config)
        rewrite._write_pyc(config.stash[rewrite.assertstate_key], code, source_hash, pyc)
    except (AttributeError, KeyError, TypeError, OSError):
        return


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: a worker per core and one more.

    A fifth of the suite's time is spent waiting, not computing: on the envman processes
    the acceptance tests start, fork and kill, on sockets to the fake Cloudflare API, on
    timeouts that are the point of a test. With one worker per core a core idles through
    each wait; the extra worker fills it (measured on 2 cores: 76 s -> 64-67 s).
    """
    return (os.cpu_count() or 1) + 1


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep the garbage collector off what importing and collecting made, and run it less often.

    A worker holds 200,000-700,000 objects once envman, the SDK, hypothesis and 2,500
    test items are loaded, none of them garbage, and each full collection walks all of
    them (8-14 times a worker, ~5 s of CPU in all: measured with gc.callbacks). After one
    last collection, `gc.freeze()` moves them out of the collector's way. The tests then
    allocate quickly and briefly; a young collection every 10,000 allocations instead of
    700 costs a few MB more per worker. Both together: ~4 % less CPU over the edit,
    use-case, wrangler and CLI tests (median of 3-4 interleaved runs each).
    """
    if session.items:
        gc.collect()
        gc.freeze()
        gc.set_threshold(10_000, 10, 10)


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """The controller's background work while the workers start and test: Hypothesis's
    Unicode tables (after Hypothesis's own sessionstart, which ends its initialization),
    and the deletion of earlier runs' temporary folders."""
    if hasattr(session.config, "workerinput"):
        return
    for key, thread in (
        (_WARMING, _warm_unicode_tables()),
        (_CLEANER, _clean_earlier_runs(session)),
    ):
        if thread is not None:
            session.config.stash[key] = thread


def _clean_earlier_runs(session: pytest.Session) -> threading.Thread | None:
    """Delete earlier runs' temporary folders while the tests run, not after them.

    pytest keeps the last three runs' folders and deletes the older ones when the session
    ends: some 8,000 files and 6,000 folders, ~4 s in which nothing else happens. The
    controller is idle while the workers test, so it deletes them then, with pytest's own
    function and the same arguments; pytest's pass at the end finds nothing left to do.
    """
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is None:
        return None
    if getattr(factory, "_given_basetemp", True) is not None:  # --basetemp: pytest's own rules
        return None
    from _pytest.pathlib import LOCK_TIMEOUT, cleanup_numbered_dir

    basetemp = factory.getbasetemp()
    keep = 0 if factory._retention_policy == "none" else factory._retention_count
    dead = basetemp.stat().st_mtime - LOCK_TIMEOUT
    cleaner = threading.Thread(
        target=cleanup_numbered_dir,
        args=(basetemp.parent, "pytest-", keep, dead),
        name="earlier runs' tmp cleanup",
        daemon=True,
    )
    cleaner.start()
    return cleaner


_CLEANER = pytest.StashKey[threading.Thread]()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    for key in (_CLEANER, _WARMING):
        thread = session.config.stash.get(key, None)
        if thread is not None:
            thread.join()


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The empty HOME of every test of this worker (emptied again after each test that
    leaves something in it: a folder made and deleted for each test cost ~0.5 ms a test)."""
    return tmp_path_factory.mktemp("home")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, home: Path) -> Iterator[None]:
    """No test sees the user's Cloudflare, envman or proxy variables, or their HOME (the
    tests' servers are on 127.0.0.1; a test that wants a proxy names its own); each
    starts with an empty HOME."""
    for name in list(os.environ):
        if name.startswith(("CLOUDFLARE_", "ENVMAN_", "GITHUB_")) or name.upper() in {
            "NO_COLOR",
            "FORCE_COLOR",
            *PROXY_VARIABLES,
        }:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("COLUMNS", "120")
    from envman.redaction import SECRETS

    SECRETS.clear()  # secrets registered by one test never mask another's output
    yield
    _empty(home)


def _empty(folder: Path) -> None:
    """Delete what is in `folder` (symbolic links as links), leaving it empty."""
    import shutil

    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


@pytest.fixture(scope="session", autouse=True)
def click_command_built_once() -> Iterator[None]:
    """typer turns the app into a click command on every `main()` call (~50 ms); build it once.

    The command tree is a pure function of the app, so every in-process run sees the
    same commands and options a fresh `python -m envman` does.
    """
    import typer.main

    build = typer.main.get_command
    built: dict[int, tuple[typer.Typer, Any]] = {}

    def get_command(app: typer.Typer) -> Any:
        if id(app) not in built:
            built[id(app)] = (app, build(app))
        return built[id(app)][1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(typer.main, "get_command", get_command)
        yield


@pytest.fixture(scope="session", autouse=True)
def one_ssl_context() -> Iterator[None]:
    """Every httpx client (one per SDK client: per live read) loads the CA bundle into a
    new SSL context, ~50 ms each. No test speaks TLS (the fake Cloudflare API is plain
    HTTP on 127.0.0.1), so clients with the same settings share one context."""
    from httpx._transports import default

    create = default.create_ssl_context
    made: dict[bool, Any] = {}

    def create_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True) -> Any:
        if verify is not True or cert is not None:
            return create(verify=verify, cert=cert, trust_env=trust_env)
        if trust_env not in made:
            made[trust_env] = create(verify=verify, cert=cert, trust_env=trust_env)
        return made[trust_env]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(default, "create_ssl_context", create_ssl_context)
        yield


@pytest.fixture
def deadline() -> Iterator[None]:
    """A hang becomes a failure after 10 s instead of a stuck suite (for hostile input:
    FIFOs, devices, huge or deeply nested files, regular expressions that backtrack).
    Not a timing assertion: how fast envman is belongs to bench/."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError("still running after 10 s: envman hangs on this input")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def envman(capsys: pytest.CaptureFixture[str]) -> Envman:
    """envman's command line, run in this process: `envman("validate", cwd=project)`."""
    from tests.inprocess import Envman

    return Envman(capsys)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The bundled project, copied into tmp_path."""
    from tests.bundled import copy_project

    return copy_project(tmp_path)


@pytest.fixture
def git_project(project: Path) -> Path:
    """The bundled project in a git repository, so audit entries carry a commit."""
    from tests.bundled import commit_all

    return commit_all(project)


@pytest.fixture
def deployed(project: Path, fake_cloudflare: FakeCloudflare) -> FakeCloudflare:
    """The fake holds exactly what `wrangler deploy --env X` of the bundled project leaves."""
    from tests.bundled import deploy

    return deploy(fake_cloudflare)
