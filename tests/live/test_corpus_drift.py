"""No false drift on the real configs: each corpus project, adopted, every stage deployed
into the faithful fake as `wrangler deploy` leaves it, then `drift`: nothing to report.

The two false alarms this found (a `usage_model` wrangler no longer uploads, a `remote`
single binding for `wrangler dev`) were not in any hand-made scenario. Where the drift is
real, the project says why; where wrangler itself could not deploy the config as it is,
the test says so and skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from envman import api
from envman.cli.common import exit_code
from envman.terms import Severity
from envman.usecases import init
from tests.fakecf import FakeCloudflare
from tests.fakecf.state import ApiError, WranglerError
from tests.live.scenarios import noisy
from tests.usecases.adopted import CORPUS, folders, wrangler_copy

REAL_DRIFT = {
    "006": "two stages deploy the same custom domain; it ends on the last Worker deployed",
    "025": "dev and production are one Worker (the same name): the last deploy wins",
    "032": "two stages deploy the same custom domain; it ends on the last Worker deployed",
    "043": "development and production are one Worker (the same name): the last deploy wins",
}
"""Projects whose stages really do overwrite each other, so deploying all of them drifts."""


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the corpus is not here ({CORPUS})")
@pytest.mark.parametrize("folder", folders(), ids=lambda p: p.name[:3])
def test_deployed_as_declared_is_no_drift(folder: Path, tmp_path: Path) -> None:
    project = wrangler_copy(folder, tmp_path / folder.name)
    init.write(init.plan(project))
    ws = api.open_workspace(project)
    configs = [api.declared(ws, env).config.to_wrangler() for env in ws.envs]
    fake = FakeCloudflare(token="t", account_id="acc123", server_defaults=True)
    with fake:
        try:  # into the one account envman reads (CLOUDFLARE_ACCOUNT_ID wins over the files');
            # the seed creates the zones the routes name, as a deploy needs them
            for config in configs:
                config.pop("account_id", None)
                fake.seed_from_wrangler("acc123", config)
        except (ApiError, WranglerError, ValueError) as e:  # wrangler deploy would fail too
            pytest.skip(f"wrangler could not deploy it as it is: {e}")
        environ = {
            "CLOUDFLARE_API_TOKEN": "t",
            "CLOUDFLARE_ACCOUNT_ID": "acc123",
            "CLOUDFLARE_BASE_URL": fake.base_url,
            "ENVMAN_MAX_RETRIES": "0",
        }
        report = api.drift(ws, options=api.LiveOptions(environ=environ))
    code = exit_code(report, Severity.WARNING)
    key = folder.name[:3]
    if key in REAL_DRIFT:
        assert code == 1 and noisy(report), REAL_DRIFT[key]
    else:
        assert (code, noisy(report)) == (0, []), [f.message for f in report.active]
