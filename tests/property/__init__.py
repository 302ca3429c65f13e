"""Property-based tests (hypothesis, issue 8): any input to the rules and the Excel imports gives a valid
result or a clean error, never a traceback or a half-written database.

The "ci" profile (the default) is deterministic: the same examples on every run, machine and xdist
worker, and no example database written into the checkout. ``HYPOTHESIS_PROFILE=explore`` searches at
random with ten times the examples, for hunting bugs by hand.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, deadline=None)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
settings.load_profile(PROFILE)


def examples(count: int) -> int:
    """A test's example count under the loaded profile: as given in CI, ten times that when exploring."""
    return count * 10 if PROFILE == "explore" else count
