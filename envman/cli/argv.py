"""wrangler's habits on envman's command line: global options anywhere, `-e ENV`, `-v` alone.

The arguments are rewritten before click parses them:

- a global option (`--verbose`, `-C DIR`, `-c FILE`, …) given after the command moves
  before it, unless that command has an option of the same name (`audit log --env`);
- `-e/--env ENV` names the environment, as in wrangler: it becomes the command's last
  environment argument (`check --env production` is `check production`);
- `-v` with no command prints the version, as wrangler's does; elsewhere it is verbose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from envman.errors import UsageError

ENV_OPTIONS = ("-e", "--env")

ENV_COMMANDS = frozenset({"validate", "show", "drift", "snapshot", "check", "diff", "promote"})
ENV_COMMANDS |= {"rollback", "report"}
"""The commands whose arguments are environments; `--env` is the last of them."""


@dataclass
class _Options:
    """The option strings of one click command: which take a value."""

    valued: set[str] = field(default_factory=set)
    flags: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, command: Any) -> _Options:
        options = cls()
        for param in command.params:
            if param.param_type_name != "option":
                continue
            names = [*param.opts, *param.secondary_opts]
            (options.flags if param.is_flag or param.count else options.valued).update(names)
        return options

    def __contains__(self, word: str) -> bool:
        return word in self.valued or word in self.flags


def _split(word: str) -> tuple[str, str | None]:
    """`--opt=value` as (`--opt`, `value`); anything else as (word, None)."""
    if word.startswith("--") and "=" in word:
        name, _, value = word.partition("=")
        return name, value
    return word, None


def normalise(root: Any, args: list[str]) -> list[str]:
    """`args` rearranged so that click parses what a wrangler user typed (module docstring)."""
    globals_ = _Options.of(root)
    head: list[str] = []
    envs: list[str] = []
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        i = _take(args, i, globals_, head, envs)
    path: list[str] = []
    command = root
    while i < len(args) and hasattr(command, "commands") and not args[i].startswith("-"):
        sub = command.commands.get(args[i])
        if sub is None:
            break
        path.append(args[i])
        command = sub
        i += 1
        while hasattr(command, "commands") and i < len(args) and args[i].startswith("-"):
            # global options between a group and its subcommand (`audit -v log`)
            name = _split(args[i])[0]
            if name in _Options.of(command) or not (name in globals_ or name in ENV_OPTIONS):
                break
            i = _take(args, i, globals_, head, envs)
    if not path:
        if args[i:] == [] and "-v" in head and "--verbose" not in head:
            return [*(w for w in head if w != "-v"), "--version"]
        return [*head, *_env_back(envs), *args[i:]]
    own = _Options.of(command)
    tail: list[str] = []
    while i < len(args):
        word = args[i]
        if word == "--":
            tail += args[i:]
            break
        name, inline = _split(word)
        if name in own or not (name in globals_ or name in ENV_OPTIONS):
            tail.append(word)
            if name in own.valued and inline is None and i + 1 < len(args):
                tail.append(args[i + 1])
                i += 1
            i += 1
            continue
        i = _take(args, i, globals_, head, envs)
    if envs:
        tail = _with_envs(path, command, tail, envs)
    return [*head, *path, *tail]


def _take(args: list[str], i: int, globals_: _Options, head: list[str], envs: list[str]) -> int:
    """Move the global option at `args[i]` (and its value) to `head`, or `--env` to `envs`."""
    name, inline = _split(args[i])
    if name in globals_.valued or name in ENV_OPTIONS:
        if inline is None and i + 1 >= len(args):
            raise UsageError(f"option {name} requires a value")
        value = inline if inline is not None else args[i + 1]
        if name in ENV_OPTIONS:
            envs.append(value)
        else:
            head += [name, value]
        return i + (1 if inline is not None else 2)
    head.append(args[i])
    return i + 1


def _env_back(envs: list[str]) -> list[str]:
    """`--env` before no command: left for click to report (the root takes it)."""
    return [word for env in envs for word in ("--env", env)]


def _with_envs(path: list[str], command: Any, tail: list[str], envs: list[str]) -> list[str]:
    """`tail` with `--env` values as the command's last environment arguments."""
    where = " ".join(path)
    if path[-1] not in ENV_COMMANDS or path[0] in {"audit", "schema"}:
        raise UsageError(
            f"--env does not apply to `envman {where}`",
            hint=f"see `envman {where} --help`",
        )
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    fixed = sum(1 for p in arguments if p.nargs == 1)
    if fixed and _positionals(command, tail) + len(envs) > fixed:
        raise UsageError(
            f"--env {envs[-1]} and the environment argument of `envman {where}` both name "
            "an environment: give one"
        )
    return [*tail, *envs]


def _positionals(command: Any, tail: list[str]) -> int:
    """How many arguments (not options or their values) `tail` gives `command`."""
    own = _Options.of(command)
    count = i = 0
    while i < len(tail):
        word = tail[i]
        if word == "--":
            return count + len(tail) - i - 1
        name, inline = _split(word)
        if word.startswith("-") and len(word) > 1:
            i += 2 if name in own.valued and inline is None else 1
            continue
        count += 1
        i += 1
    return count
