"""Example budgets of the property tests, read from the Hypothesis profile in use.

tests/conftest.py registers the profiles: `default` for every run (25 examples per
property, no deadline: a loaded CI machine is not a failure) and `thorough`
(`HYPOTHESIS_PROFILE=thorough`, 20 times as many) for a deliberate long run. A property
whose examples cost a whole project on disk runs a share of the budget; one whose
examples are cheap and varied may run more.
"""

from __future__ import annotations

from hypothesis import settings


def examples(share: float) -> int:
    """`share` of the profile's examples per property (at least 5)."""
    return max(5, round(settings.default.max_examples * share))
