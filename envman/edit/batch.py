"""Collect the changes of many edits on one scan of a text, to splice them in at once."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Any

from envman.edit.doc import _MISSING, Path, _Doc, _get, _list_changes, _Loc, _same, _Splice

# Re-scanning the text after every change made editing quadratic in the number of edits.
# A value replaced in place, a `key = value` line added after the last one of a [table]
# or a line of a [table] deleted leaves every other path where it was (shifted) and
# holding what it held. So such changes can be computed on the scan of the text they
# started from, as long as none of them reads a span that an earlier one changed (or a
# key that an earlier one added), and spliced in together. Anything else is left to the
# one-change-at-a-time driver in envman.edit, after the pending changes are spliced in.


class _Splices:
    """Pending changes to one text, ordered by position, none inside another's span."""

    def __init__(self) -> None:
        self._keys: list[tuple[int, int]] = []  # (start, end) of each of _items
        self._items: list[_Splice] = []
        self._journal: list[tuple[_Splice, Path | None]] = []  # in the order they came
        self._created: set[Path] = set()

    def __bool__(self) -> bool:
        return bool(self._items)

    def clear_of(self, spans: tuple[tuple[int, int], ...]) -> bool:
        """Whether no pending change touches any of `spans`."""
        for lo, hi in spans:
            # None lies inside another, so the last one starting before `hi` ends last.
            i = bisect_left(self._keys, (hi, hi))
            if i and self._items[i - 1].end > lo:
                return False
        return True

    def created(self, path: Path) -> bool:
        """Whether a pending change adds `path` (which the scan does not know of)."""
        return path in self._created

    def add(self, change: _Splice, creates: Path | None = None) -> None:
        # After the insertions already at the same place, as one change after another would.
        i = bisect_right(self._keys, (change.start, change.end))
        self._keys.insert(i, (change.start, change.end))
        self._items.insert(i, change)
        self._journal.append((change, creates))
        if creates is not None:
            self._created.add(creates)

    def checkpoint(self) -> int:
        return len(self._journal)

    def rollback(self, checkpoint: int) -> None:
        """Take back the changes added since `checkpoint`."""
        while len(self._journal) > checkpoint:
            change, creates = self._journal.pop()
            i = bisect_right(self._keys, (change.start, change.end)) - 1
            del self._keys[i], self._items[i]
            if creates is not None:
                self._created.discard(creates)

    def apply(self, text: str) -> str:
        """`text` with every pending change spliced in; none is pending afterwards."""
        if not self._items:
            return text
        pieces, at = [], 0
        for change in self._items:
            pieces += [text[at : change.start], change.text]
            at = change.end
        pieces.append(text[at:])
        self._keys, self._items, self._journal, self._created = [], [], [], set()
        return "".join(pieces)


def _quick(doc: _Doc, mode: str, path: Path, value: Any, pending: _Splices) -> bool:
    """Queue what envman.edit's `_set` or `_delete` would do, when it can be done that way.

    `doc` is the scan of the text the pending changes apply to. Returns False, queueing
    nothing, when the edit needs the one-change-at-a-time driver.
    """
    checkpoint = pending.checkpoint()
    done = mode == "set" and _set(doc, path, value, pending)
    done = done or (mode == "delete" and _delete(doc, path, pending))
    if not done:
        pending.rollback(checkpoint)
    return done


def _trusted(doc: _Doc, path: Path, pending: _Splices) -> _Loc | None:
    """The scan's location of `path`, or None when what it holds may have changed since."""
    loc = doc.find(path)
    if loc is None:
        return None
    # A [table] or [[array]] spans many lines, so it is only trusted with nothing pending.
    region = (loc.node.start, loc.node.end) if loc.node is not None else (0, len(doc.text))
    return loc if pending.clear_of((region,)) else None


def _set(doc: _Doc, path: Path, value: Any, pending: _Splices) -> bool:
    """Mirror envman.edit's `_set` step for step, queueing its changes into `pending`."""
    loc = _trusted(doc, path, pending)
    if loc is None:
        if doc.find(path) is not None or pending.created(path):
            return False
        if _get(doc.data, path) is not _MISSING:
            return False
        return _queue(pending, doc.addition(path, value), path)
    current = _get(doc.data, path)
    if current is _MISSING:
        return False
    if _same(current, value):
        return True
    if isinstance(value, dict) and isinstance(current, dict) and loc.is_table:
        return all(
            _delete(doc, (*path, key), pending) for key in current if key not in value
        ) and all(_set(doc, (*path, key), item, pending) for key, item in value.items())
    if (
        isinstance(value, list)
        and isinstance(current, list)
        and loc.is_list
        and (value or loc.node)
    ):
        changes = _list_changes(current, value)
        if any(
            tag != "equal" and (tag != "replace" or i2 - i1 != j2 - j1)
            for tag, i1, i2, j1, j2 in changes
        ):
            return False  # elements to insert or delete
        return all(
            _set(doc, (*path, i1 + offset), value[j1 + offset], pending)
            for tag, i1, i2, j1, _ in reversed(changes)
            if tag == "replace"
            for offset in range(i2 - i1)
        )
    if loc.kind not in ("kv", "item"):
        return False
    return _queue(pending, doc.replacement(loc, value))


def _delete(doc: _Doc, path: Path, pending: _Splices) -> bool:
    """Mirror envman.edit's `_delete` of a path the scan holds."""
    loc = _trusted(doc, path, pending)
    return loc is not None and _queue(pending, doc.removal(loc))


def _queue(pending: _Splices, change: _Splice | None, creates: Path | None = None) -> bool:
    if change is None or not pending.clear_of(change.reads):
        return False
    pending.add(change, creates)
    return True
