"""The fake Cloudflare API (tests.fakecf) as a subprocess that can also report its request count.

    python bench/fakeserver.py --seed FILE.json --latency 0.05 [--port P] [--token T]

The same options and seed format as ``python -m tests.fakecf``, whose standalone
entry point has no way to report how many requests it served. This one prints the
base URL as the first line of stdout, then answers commands read from stdin, one per
line, with one line of JSON:

- ``count``: ``{"total": N, "by_endpoint": {"GET /accounts/...": n, ...}}``
- ``reset``: clears the request log; answers ``{"total": 0}``
- ``drift``: a dashboard edit of one var in every Worker (a new version each, by
  ``ops@example.com``); answers ``{"changed": N}``

and stops at ``quit`` or at the end of stdin (so it never outlives the runner).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/fakeserver.py", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=Path)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--token")
    parser.add_argument("--server-defaults", action="store_true")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    from tests.fakecf.server import FakeCloudflare

    seed = json.loads(args.seed.read_text(encoding="utf-8")) if args.seed else {}
    token = args.token or seed.get("token") or "test-token"
    fake = FakeCloudflare(
        token=token,
        host=args.host,
        port=args.port,
        latency=args.latency,
        server_defaults=args.server_defaults,
    )
    if seed.get("accounts"):
        fake.load_seed(seed)
    else:
        fake.add_account("acc123")
    with fake:
        print(fake.base_url, flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "count":
                answer = {"total": len(fake.requests), "by_endpoint": fake.counts_by_endpoint()}
            elif command == "reset":
                fake.reset_requests()
                answer = {"total": 0}
            elif command == "drift":
                changed = 0
                for account in list(fake.accounts.values()):
                    for name in list(account.scripts):
                        fake.set_var(
                            account.id, name, "VAR_000", "edited", author="ops@example.com"
                        )
                        changed += 1
                answer = {"changed": changed}
            elif command == "quit":
                break
            else:
                answer = {"error": f"unknown command {command!r}"}
            print(json.dumps(answer), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
