"""Every rule of wrangler's config validation has an envman counterpart, shown by a case folder.

tools/wrangler_rules/counterparts.json maps each rule id of rules.json to the finding that
reports it: its code, and where a case folder under tests/cases/wrangler/ makes envman
report it (env and path, and a piece of the message where one path has several findings
of that code). These tests run `validate` on every case folder the map names and look the
finding up, so the map cannot claim a counterpart envman does not have.
"""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from typing import Any

import pytest

from envman import api
from envman.codes import CODES
from envman.models import Finding
from envman.terms import Severity
from envman.wrangler.findings import NAMING
from tests import paths

REPO = paths.REPO
RULES_DIR = REPO / "tools" / "wrangler_rules"
CASES = REPO / "tests" / "cases" / "wrangler"
TODAY = date(2026, 6, 1)

RULES: list[dict[str, Any]] = json.loads((RULES_DIR / "rules.json").read_text(encoding="utf-8"))
MAP: dict[str, dict[str, str]] = json.loads(
    (RULES_DIR / "counterparts.json").read_text(encoding="utf-8")
)
MAPPED = [r for r in RULES if "code" in MAP.get(r["id"], {})]

NOT_PORTED = {"env.redirected_has_envs", "env.redirected_target_mismatch"}
"""Rules that cannot apply to envman: both are about the deploy config wrangler generates for
itself (.wrangler/deploy/config.json), which envman never validates. Keep this list short."""

_STRENGTH = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}

_FOUND_ELSEWHERE = {
    "python.workers_flag_required": "main",  # wrangler names compatibility_flags; envman main
    "routes.and_route": "route",  # both are set: envman points at `route`, the one to move
    "bindings_object.missing_in_env": "durable_objects.bindings[]",  # the binding missing
}
"""Rules whose finding is on another key than the rule's key path says, with that key."""


@cache
def _findings(case: str) -> tuple[Finding, ...]:
    """What `validate` (files included, as on the command line) reports for a case folder."""
    return tuple(api.validate(api.open_workspace(CASES / case), today=TODAY).findings)


def test_every_rule_is_mapped_and_nothing_else() -> None:
    assert [r["id"] for r in RULES] == list(MAP)


def test_only_rules_that_cannot_apply_are_not_ported() -> None:
    not_ported = {rule_id for rule_id, target in MAP.items() if "not_ported" in target}
    assert not_ported == NOT_PORTED
    for rule_id in not_ported:
        assert set(MAP[rule_id]) == {"not_ported"} and len(MAP[rule_id]["not_ported"]) > 20


def test_each_mapping_names_a_case_folder_and_a_code_that_mirrors_wrangler() -> None:
    for rule in MAPPED:
        target = MAP[rule["id"]]
        assert set(target) <= {"code", "case", "env", "path", "message"}, rule["id"]
        assert (CASES / target["case"]).is_dir(), f"{rule['id']}: no case {target['case']}"
        assert target["code"] in CODES, rule["id"]
        assert CODES[target["code"]].wrangler != "envman only", (
            f"{target['code']} reports {rule['id']}: name the wrangler message it mirrors"
        )


def _pattern(key_path: str) -> list[str]:
    """A rule's key path as regular expressions of envman's paths, one per key.

    `kv_namespaces[].id` -> `kv_namespaces`, `\\.[^.]+` (an entry by name), `\\.id`; lists
    envman does not name entries of keep `[i]`; `<name>` is any key, `{a,b}` either.
    """
    key = re.sub(r"^env\.<name>\.?", "", key_path)
    key = key.replace("durable_objects.bindings[]", "durable_objects[]")
    lists = {".".join(p) for p in NAMING} | {"durable_objects"}
    parts: list[str] = []
    seen: list[str] = []
    for token in re.findall(r"\{[^}]*\}|<[^>]*>|\[\]|[^.\[\]]+", key):
        if token == "[]":
            owner = ".".join(seen[-2:]) if ".".join(seen[-2:]) in lists else seen[-1]
            parts.append(r"\.[^.]+" if owner in lists else r"\[\d+\]")
        else:
            dot = r"\." if parts else ""
            if token.startswith("{"):
                piece = "(" + "|".join(map(re.escape, token[1:-1].split(","))) + ")"
            else:
                piece = "[^.]*" if token.startswith("<") else re.escape(token)
            parts.append(dot + piece)
        seen.append(token)
    return parts


def _about(key_path: str, path: str) -> bool:
    """Whether a finding at `path` is about the rule's key: the key itself, the table holding
    it (a missing key), or something in it (an unknown key, a list element)."""
    parts = _pattern(key_path)
    whole, parent = "".join(parts), "".join(parts[:-1])
    return bool(
        re.fullmatch(whole, path)
        or (parent and re.fullmatch(parent, path))
        or re.match(whole + r"(\.|\[)", path)
    )


@pytest.mark.parametrize("rule", MAPPED, ids=lambda r: r["id"])
def test_the_case_folder_reports_the_rule_at_its_severity_or_stronger(
    rule: dict[str, Any],
) -> None:
    target = MAP[rule["id"]]
    wanted = (target["env"], target["code"], target["path"])
    matching = [
        f
        for f in _findings(target["case"])
        if ((f.env or ""), f.code, f.path) == wanted and target.get("message", "") in f.message
    ]
    assert matching, f"{target['case']} reports no {wanted} ({target.get('message', '')!r})"
    assert max(_STRENGTH[f.severity] for f in matching) >= _STRENGTH[Severity(rule["severity"])]
    if rule["key_path"].startswith("env.<name>"):
        assert target["env"] != "top-level", "an environment rule shown at the top level"
    key_path = _FOUND_ELSEWHERE.get(rule["id"], rule["key_path"])
    if not key_path.startswith("<") and key_path != "env.<name>":
        assert _about(key_path, target["path"]), (
            f"{rule['id']} is about `{rule['key_path']}`, the finding about `{target['path']}`"
        )


def test_a_mapping_with_a_message_picks_one_finding() -> None:
    """Where one path has several findings of a code, the message piece tells which."""
    for rule in MAPPED:
        target = MAP[rule["id"]]
        same_place = {
            f.message
            for f in _findings(target["case"])
            if ((f.env or ""), f.code, f.path) == (target["env"], target["code"], target["path"])
        }
        picked = [m for m in same_place if target.get("message", "") in m]
        assert len(picked) == 1 or len(set(picked)) == 1, (rule["id"], sorted(same_place))


def test_every_case_folder_is_a_wrangler_case() -> None:
    """Folders the map uses are ordinary case folders: a wrangler file and expected.json."""
    for case in {t["case"] for t in MAP.values() if "case" in t}:
        assert (CASES / case / "expected.json").is_file(), case
