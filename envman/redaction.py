"""The last line of defence: every value registered as secret is masked in all envman writes.

The first line is upstream: the token is checked before use, secrets are names only,
sensitive vars are `<redacted>` in findings. This module catches what slips past it (an
HTTP library quoting a header in an error, a sensitive value inside a message). The API
token, the audit key, the `--notify` URL and the values of sensitive vars are registered
in `SECRETS` as soon as envman reads them; the CLI passes reports, errors, files,
notifications and everything on stdout and stderr through it.

A secret is masked in the forms it takes on the way out: as written, stripped of
surrounding whitespace, escaped for JSON (ASCII or not), for Python reprs of str and
bytes, and for XML. Values shorter than MIN_LENGTH are not registered: masking every
`true` or `info` would garble the output, and the first line already hides them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

REDACTED = "<redacted>"
MIN_LENGTH = 6


class Redactor:
    """A set of secret strings, and the masking of them in text and in JSON-like data."""

    def __init__(self) -> None:
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: Any) -> None:
        """Register `value` (a string; numbers and other values are ignored) as secret."""
        if not isinstance(value, str) or len(value.strip()) < MIN_LENGTH:
            return
        before = len(self._forms)
        self._forms |= {form for form in _forms(value) if len(form) >= MIN_LENGTH}
        if len(self._forms) != before:
            self._pattern = None

    def add_all(self, values: Iterable[Any]) -> None:
        for value in values:
            self.add(value)

    def clear(self) -> None:
        self._forms.clear()
        self._pattern = None

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, text: str) -> str:
        """`text` with every registered secret, in any of its forms, replaced by REDACTED."""
        if not self._forms or not text:
            return text
        if self._pattern is None:
            # Longest first: a JSON-escaped form must win over the raw value inside it.
            ordered = sorted(self._forms, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(form) for form in ordered))
        return self._pattern.sub(REDACTED, text)

    def data(self, value: Any) -> Any:
        """`value` (JSON-like: dicts, lists, tuples, strings) with secrets masked in each string."""
        if not self._forms:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {
                self.text(k) if isinstance(k, str) else k: self.data(v) for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return type(value)(self.data(v) for v in value)
        return value


def _forms(value: str) -> set[str]:
    forms: set[str] = set()
    for text in {value, value.strip()}:
        forms |= {
            text,
            json.dumps(text)[1:-1],
            json.dumps(text, ensure_ascii=False)[1:-1],
            repr(text)[1:-1],
            repr(text.encode("utf-8"))[2:-1],
            _xml(text),
        }
    return forms


def _xml(text: str) -> str:
    """`text` escaped for XML, quotes included, as `xml.sax.saxutils.escape` with the quote
    entities would (that module imports urllib.request, http.client and email: too much
    for a module every run imports)."""
    for char, entity in _XML_ENTITIES:
        text = text.replace(char, entity)
    return text


_XML_ENTITIES = (("&", "&amp;"), (">", "&gt;"), ("<", "&lt;"), ('"', "&quot;"), ("'", "&apos;"))
"""`&` first, so that the other entities are not escaped again."""


SECRETS = Redactor()
"""The secrets of this run: registered where envman reads them, cleared by `cli.main`."""
