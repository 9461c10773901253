"""`python -m tools.docgen` regenerates the docs that mirror the code."""

from __future__ import annotations

import sys

from tools.docgen import main

sys.exit(main())
