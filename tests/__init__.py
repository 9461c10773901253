"""envman's tests; the helper modules' asserts get pytest's detailed failure messages."""

import pytest

pytest.register_assert_rewrite("tests.casefolders", "tests.inprocess", "tests.acceptance.process")
