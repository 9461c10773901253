"""wrangler's own config JSON Schema: a table checked against it, each problem located.

`config-schema.json` beside this module is wrangler 4.164's published schema for its
config file, made by `python -m tools.wrangler_schema`. It gives the shapes, types,
allowed values and required keys of every key wrangler knows. The validator
(jsonschema-rs) is compiled once per process, on first use: `envman --help` never pays
for it.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from envman.parse import Loc

SCHEMA_FILE = Path(__file__).with_name("config-schema.json")

ProblemKind = Literal["type", "value", "required", "unknown"]


@dataclass(frozen=True)
class Problem:
    """One way a value breaks wrangler's schema, at `loc` (a path into the checked table).

    `type`: the value is not of `expected` ("a string", "a list"); `value`: it is not one
    of `expected` (allowed values); `required`: the table at `loc` lacks the key `key`;
    `unknown`: the table at `loc` has the key `key` that wrangler does not know there
    (`known` lists the keys it does).
    """

    kind: ProblemKind
    loc: Loc
    expected: str = ""
    value: Any = None
    key: str = ""
    known: tuple[str, ...] = ()


@functools.cache
def _schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return data


@functools.cache
def _validator() -> Any:
    import jsonschema_rs  # on first use only: `envman --help` never loads it

    return jsonschema_rs.Draft7Validator(_schema())


def top_level_keys() -> tuple[str, ...]:
    """Every key wrangler knows at the top level of its config file (`env` included)."""
    return tuple(_schema()["definitions"]["RawConfig"]["properties"])


def environment_keys() -> tuple[str, ...]:
    """Every key wrangler knows inside `[env.X]` (and at the top level too)."""
    return tuple(_schema()["definitions"]["RawEnvironment"]["properties"])


def check_table(table: Mapping[str, Any], *, top: bool) -> list[Problem]:
    """The problems of a whole top level (`top`, without `env`) or of one environment table."""
    side = "top" if top else "env"
    try:  # the data as read: a table without TOML dates (most) needs no conversion
        if _validator().is_valid({side: table}):
            return []
    except ValueError:  # a date, or a key that is not a string: converted below
        pass
    problems: list[Problem] = []
    for error in _validator().iter_errors({side: _plain(table)}):
        problems += [_as_written(p, table) for p in _problems(error)]
    unique = {(p.kind, p.loc, p.key, p.expected): p for p in problems}
    return sorted(unique.values(), key=lambda p: (_sortable(p.loc), p.kind, p.key))


def _sortable(loc: Loc) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{p:09d}") if isinstance(p, int) else (1, p) for p in loc)


def _as_written(problem: Problem, table: Mapping[str, Any]) -> Problem:
    """`problem` with the value as `table` holds it, not as the validator saw it."""
    if problem.kind not in ("type", "value"):
        return problem
    value: Any = table
    for part in problem.loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return problem
    return replace(problem, value=value)


def _plain(value: Any) -> Any:
    """A JSON value for the validator: TOML dates become strings (EM336 reports them), and
    an infinite or NaN number (which JSON cannot hold, EM335) a number it can."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return 0.0
    return value


def _loc(error: Any) -> Loc:
    return tuple(error.instance_path)[1:]


def _problems(error: Any) -> list[Problem]:
    kind = error.kind
    name = type(kind).__name__
    loc = _loc(error)
    if name == "Type":
        return [Problem("type", loc, _types(kind.types), error.instance)]
    if name == "Enum":
        return [Problem("value", loc, _options(kind.options), error.instance)]
    if name == "Constant":
        return [Problem("value", loc, _options([kind.expected_value]), error.instance)]
    if name == "Required":
        return [Problem("required", loc, key=str(kind.property))]
    if name == "AdditionalProperties":
        known = _known_keys(tuple(error.schema_path)[:-1])
        return [Problem("unknown", loc, key=str(k), known=known) for k in kind.unexpected]
    if name in ("AnyOf", "OneOfNotValid"):
        return _best_branch(loc, [list(branch) for branch in kind.context], error.instance)
    return [Problem("value", loc, "valid", error.instance)]


def _best_branch(loc: Loc, branches: list[list[Any]], value: Any) -> list[Problem]:
    """The problems of the alternative the value most nearly fits, as a person reads them.

    Alternatives the value does not even have the type (or the constant) of are skipped,
    and so are those for another kind of table (a wrong constant in one of its keys, such
    as `type = "worker"` against a Durable Object export); of the rest, the one with the
    fewest problems wins. When every table alternative is of another kind, told apart by
    one key, that key's value is the problem. When none is left, the value fits no
    alternative: one problem lists what was expected.
    """
    fitting = [b for b in branches if not any(_at(e, loc) for e in b)]
    same_kind = [b for b in fitting if any(_same_kind(leaf, loc) for leaf in _leaves(b, loc))]
    if fitting and not same_kind:
        tag = _tag([leaf for b in fitting for leaf in _leaves(b, loc)], loc)
        if tag is not None:
            key, options = tag
            found = value.get(key) if isinstance(value, Mapping) else None
            return [Problem("value", (*loc, key), _options(options), found)]
    if same_kind or fitting:
        best = min(same_kind or fitting, key=len)
        return [p for error in best for p in _problems(error)]
    types: list[str] = []
    values: list[Any] = []
    for branch in branches:
        for error in branch:
            if not _at(error, loc):
                continue
            name = type(error.kind).__name__
            if name == "Constant":
                values.append(error.kind.expected_value)
            elif name == "Enum":
                values += list(error.kind.options)
            elif name == "Type":
                types += [t for t in error.kind.types if t not in types]
    if values:
        expected = _options(values) + (f", or {_types(types)}" if types else "")
        return [Problem("value", loc, expected, value)]
    return [Problem("type", loc, _types(types), value)]


def _leaves(branch: list[Any], loc: Loc) -> list[list[Any]]:
    """A branch's errors, with a nested choice at `loc` unfolded into one list per alternative."""
    for i, error in enumerate(branch):
        if _loc(error) == loc and type(error.kind).__name__ in ("AnyOf", "OneOfNotValid"):
            rest = branch[:i] + branch[i + 1 :]
            return [leaf for sub in error.kind.context for leaf in _leaves([*sub, *rest], loc)]
    return [branch]


def _tags(leaf: list[Any], loc: Loc) -> dict[str, Any]:
    """The keys of the table at `loc` whose value is not the constant this alternative needs."""
    return {
        str(_loc(e)[-1]): e.kind.expected_value
        for e in leaf
        if type(e.kind).__name__ == "Constant"
        and len(_loc(e)) == len(loc) + 1
        and _loc(e)[: len(loc)] == loc
    }


def _same_kind(leaf: list[Any], loc: Loc) -> bool:
    """Whether an alternative is for this kind of value: right type, and right tag constants."""
    return not any(_at(e, loc) for e in leaf) and not _tags(leaf, loc)


def _tag(leaves: list[list[Any]], loc: Loc) -> tuple[str, list[Any]] | None:
    """The one key every alternative's constant differs in, with the constants, or None."""
    tags = [_tags(leaf, loc) for leaf in leaves]
    common = set.intersection(*(set(t) for t in tags)) if tags else set()
    if len(common) != 1:
        return None
    key = common.pop()
    return key, [t[key] for t in tags]


def _at(error: Any, loc: Loc) -> bool:
    """Whether the error is about the value at `loc` itself, by type or allowed value."""
    return _loc(error) == loc and type(error.kind).__name__ in ("Type", "Constant", "Enum")


_WORDS = {
    "string": "a string",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a table",
    "null": "null",
}


def _types(types: Iterable[Any]) -> str:
    words = list(dict.fromkeys(_WORDS.get(str(t).lower(), str(t)) for t in types))
    return " or ".join(words) or "something else"


def _options(options: Iterable[Any]) -> str:
    shown = [json.dumps(o) for o in dict.fromkeys(options)]
    return "one of " + ", ".join(shown) if len(shown) > 1 else (shown[0] if shown else "")


def _known_keys(schema_path: tuple[Any, ...]) -> tuple[str, ...]:
    node: Any = _schema()
    for part in schema_path:
        node = node[part] if isinstance(node, dict) else node[int(part)]
        while isinstance(node, dict) and "$ref" in node:
            node = _schema()["definitions"][node["$ref"].rsplit("/", 1)[-1]]
    properties = node.get("properties", {}) if isinstance(node, dict) else {}
    return tuple(properties)
