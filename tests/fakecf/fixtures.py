"""pytest fixtures: a running fake Cloudflare API (token ``test-token``, account ``acc123``).

``fake_cloudflare`` answers as the fake always has (no server-side defaults on read);
``faithful_cloudflare`` answers as Cloudflare does, with every default of
``tests.fakecf.defaults.SERVER_DEFAULTS`` filled in (see ``DEFAULTS.md``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakecf.server import FakeCloudflare

TOKEN = "test-token"
ACCOUNT_ID = "acc123"


@pytest.fixture
def fake_cloudflare() -> Iterator[FakeCloudflare]:
    """A fresh fake per test: ``.base_url``, ``.token``, ``.account_id``; stopped afterwards."""
    fake = FakeCloudflare(token=TOKEN, account_id=ACCOUNT_ID)
    with fake:
        yield fake
    assert not fake.server_errors, "the fake server crashed:\n" + "\n".join(fake.server_errors)


@pytest.fixture
def faithful_cloudflare() -> Iterator[FakeCloudflare]:
    """Like ``fake_cloudflare``, with Cloudflare's server-side defaults filled in on read."""
    fake = FakeCloudflare(token=TOKEN, account_id=ACCOUNT_ID, server_defaults=True)
    with fake:
        yield fake
    assert not fake.server_errors, "the fake server crashed:\n" + "\n".join(fake.server_errors)
