"""The suite's fixtures live in the tests/fixtures plugin (its __init__ lists them); the
helpers tests import are re-exported here, where they always were."""

import pytest

# Before the imports below: the plugin's asserts (post_wish, act, login) report like a test's.
pytest.register_assert_rewrite("tests.fixtures")

from tests.fixtures.api import PATHS, VALID_WISH, ApiClient, act, login, post_wish  # noqa: E402
from tests.fixtures.app import settings_from  # noqa: E402
from tests.fixtures.world import World  # noqa: E402

pytest_plugins = [
    "tests.fixtures.servers",
    "tests.fixtures.browser",
    "tests.fixtures.app",
    "tests.fixtures.database",
    "tests.fixtures.empty_database",
    "tests.fixtures.world",
    "tests.fixtures.factories",
    "tests.fixtures.queries",
    "pytester",  # tests/test_fixtures.py runs a suite of its own
]

__all__ = ["PATHS", "VALID_WISH", "ApiClient", "World", "act", "login", "post_wish", "settings_from"]
