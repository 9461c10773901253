"""`python -m envman` runs the command line."""

from __future__ import annotations

from envman.cli import main

raise SystemExit(main())
