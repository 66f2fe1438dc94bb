"""Property-based fuzzing of the transport-free core (hypothesis).

Whatever a server, a connection form or a DAG author sends, the core either returns a typed value or raises
one of the errors it documents (``DatameerError`` subclasses, ``ValueError``); identifiers become exactly
one URL path segment that decodes back to what was given.

The ``datameer-fuzz`` profile is derandomized (the same examples on every run and machine, no example
database), has no per-example deadline (CI machines stall), and runs 300 examples per property; set
``DATAMEER_FUZZ_EXAMPLES`` for a deeper local run, e.g. ``DATAMEER_FUZZ_EXAMPLES=20000``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from hypothesis import HealthCheck, settings

settings.register_profile(
    "datameer-fuzz",
    max_examples=int(os.environ.get("DATAMEER_FUZZ_EXAMPLES", "300")),
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Decorate each property with ``@FUZZ`` (the profile is applied per test, never loaded globally).
FUZZ = settings.get_profile("datameer-fuzz")


def raised(call: Callable[[], object], *errors: type[BaseException]) -> BaseException | None:
    """The error of ``errors`` that ``call()`` raised, or None; anything else propagates (and fails the test)."""
    try:
        call()
    except errors as exc:
        return exc
    return None
