"""Finding paths of the wrangler checks: an entry of a catalogued list is named, never indexed."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from envman.models import Finding
from envman.wrangler import check, find_wrangler_file, read_wrangler
from envman.wrangler.findings import NAMING, labelled
from tests import paths

TODAY = date(2026, 6, 1)
CASES = paths.CASES / "wrangler"
CORPUS = paths.CORPUS

_INDEXED = re.compile(
    r"(^|\.)(" + "|".join(re.escape(".".join(p)) for p in NAMING) + r")\[[0-9]+\]"
)
"""A path naming a binding entry by its index (`services[0].dev`) rather than its name."""


def _findings(folder: Path, name: str | None = None) -> list[Finding]:
    path = find_wrangler_file(folder)
    assert path is not None
    return check(read_wrangler(path, name or path.name), today=TODAY)


def _folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


@pytest.mark.parametrize("case", _folders(CASES), ids=lambda p: p.name)
def test_case_folders_name_binding_entries_by_their_naming_key(case: Path) -> None:
    indexed = [f"{f.code} {f.path}" for f in _findings(case) if _INDEXED.search(f.path)]
    assert not indexed


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not here ({CORPUS})")
def test_real_configs_name_binding_entries_by_their_naming_key() -> None:
    indexed = [
        f"{folder.name}: {f.code} {f.path}"
        for folder in _folders(CORPUS)
        for f in _findings(folder)
        if _INDEXED.search(f.path)
    ]
    assert not indexed


def test_labelled_names_entries_of_every_list_kind_and_inside_previews() -> None:
    raw = {
        "services": [{"binding": "SVC", "dev": 1}],
        "queues": {"consumers": [{"queue": "jobs"}], "producers": [{"queue": "jobs"}]},
        "durable_objects": {"bindings": [{"name": "DO"}]},
        "previews": {"kv_namespaces": [{"binding": "P"}]},
        "containers": [{"class_name": "A"}],
    }
    assert labelled(raw, ("services", 0, "dev")) == "services.SVC.dev"
    assert labelled(raw, ("queues", "consumers", 0, "max_retries")) == (
        "queues.consumers.jobs.max_retries"
    )
    assert labelled(raw, ("queues", "producers", 0)) == "queues.producers.#0"  # no binding yet
    assert labelled(raw, ("durable_objects", "bindings", 0, "x")) == "durable_objects.DO.x"
    assert labelled(raw, ("durable_objects", "bindings")) == "durable_objects.bindings"
    assert labelled(raw, ("previews", "kv_namespaces", 0, "id")) == "previews.kv_namespaces.P.id"
    assert labelled(raw, ("containers", 0, "image")) == "containers[0].image"  # not a binding


def test_a_named_path_still_locates_the_entrys_own_line(tmp_path: Path) -> None:
    (tmp_path / "wrangler.toml").write_text(
        'name = "app"\nmain = "src/index.ts"\ncompatibility_date = "2025-01-01"\n'
        '[[services]]\nbinding = "A"\nservice = "a"\n'
        '[[services]]\nbinding = "A"\nservice = "b"\ndev = "nope"\nremote = true\n'
        '[[workflows]]\nbinding = "W"\nname = "-bad"\nclass_name = "W"\n',
        encoding="utf-8",
    )
    found = {(f.path, f.code): f.source.line for f in _findings(tmp_path) if f.source}
    # the second of two entries with one name: the line of its own `dev`, not the first's
    assert found[("services.A.dev", "EM319")] == 10
    assert found[("workflows.W.name", "EM350")] == 14
