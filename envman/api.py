"""envman as a library: every use case, importable from one place.

    from envman import api
    ws = api.open_workspace(Path("my-worker"))
    report = api.validate(ws)

The command line does not go through this module (each command imports the one use case
it runs, keeping start-up light); it exists for Python callers and scripts.
"""

from __future__ import annotations

from envman.usecases.audit import audit_log, audit_show, audit_verify
from envman.usecases.init import Adoption
from envman.usecases.init import plan as plan_init
from envman.usecases.init import write as write_init
from envman.usecases.live import LiveOptions, check, drift, notify, read_live_state, snapshot
from envman.usecases.promote import Proposal, diff, propose
from envman.usecases.promote import apply as apply_promotion
from envman.usecases.rollback import apply_rollback, propose_rollback
from envman.usecases.sync import SyncResult, sync
from envman.usecases.sync import write as write_sync
from envman.usecases.validate import export_schemas, show, validate
from envman.workspace import Declared, Workspace, declared, open_workspace

__all__ = [
    "Adoption",
    "Declared",
    "LiveOptions",
    "Proposal",
    "SyncResult",
    "Workspace",
    "apply_promotion",
    "apply_rollback",
    "audit_log",
    "audit_show",
    "audit_verify",
    "check",
    "declared",
    "diff",
    "drift",
    "export_schemas",
    "notify",
    "open_workspace",
    "plan_init",
    "propose",
    "propose_rollback",
    "read_live_state",
    "show",
    "snapshot",
    "sync",
    "validate",
    "write_init",
    "write_sync",
]
