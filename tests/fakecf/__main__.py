"""Run the fake Cloudflare API standalone: ``python -m tests.fakecf --port 8787 --seed FILE``.

The first line of stdout is the base URL; the seed format is in ``tests.fakecf``'s docstring.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from tests.fakecf.server import FakeCloudflare


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakecf", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free port)")
    parser.add_argument("--seed", type=Path, help="JSON seed file (accounts, zones, scripts)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument(
        "--token", help="API token to accept (default: the seed's, else test-token)"
    )
    parser.add_argument(
        "--server-defaults",
        action="store_true",
        help="answer with Cloudflare's server-side defaults filled in (tests/fakecf/DEFAULTS.md)",
    )
    parser.add_argument(
        "--page-size",
        type=int,
        help="cap every paginated list at this many items per page",
    )
    args = parser.parse_args(argv)

    seed = json.loads(args.seed.read_text(encoding="utf-8")) if args.seed else {}
    token = args.token or seed.get("token") or "test-token"
    fake = FakeCloudflare(
        token=token,
        host=args.host,
        port=args.port,
        latency=args.latency,
        server_defaults=args.server_defaults,
        page_size=args.page_size,
    )
    if seed.get("accounts"):
        fake.load_seed(seed)
    else:
        fake.add_account("acc123")

    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with fake:
        print(fake.base_url, flush=True)
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
