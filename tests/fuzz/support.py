"""Helpers of the fuzz tier: the hypothesis profile every property runs under, and the strategies for what
Datameer, a connection form or a DAG may hand the core.

The ``datameer-fuzz`` profile is derandomized (the same examples on every run and machine, no example
database), has no per-example deadline (CI machines stall), and runs 300 examples per property; set
``DATAMEER_FUZZ_EXAMPLES`` for a deeper local run, e.g. ``DATAMEER_FUZZ_EXAMPLES=20000``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

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


#: Every key a Datameer body is read for, so generated objects reach the parsers' value handling.
BODY_KEYS = (
    "status",
    "reason",
    "error",
    "message",
    "job-status",
    "job-execution-id",
    "file-id",
    "start-time",
    "stop-time",
    "job-progress",
    "estimate-time",
    "job-execution-user",
    "job-execution-trigger",
    "id",
    "jobStatus",
    "jobConfigurationId",
    "counters",
    "successCount",
    "failureCount",
    "startTime",
    "stopTime",
    "ProductVersion",
    "LicenseType",
    "ProductId",
)
#: Text that looks like what Datameer puts in its fields: statuses, dates, numbers, durations.
LOOKALIKE_TEXT = st.one_of(
    st.sampled_from(
        [
            "COMPLETED",
            "completed_with_Warnings",
            "CANCELLED",
            "_NONE",
            "failure",
            "Sep 28, 2018 6:44:56 PM",
            "Sep 28, 2018, 6:44:56\u202fPM",
            "Feb 30, 2018 6:44:56 PM",
            "2012-07-06 18:19:09.0",
            "0000-00-00 00:00:00.0",
            "9999-12-31T23:59:59+25:00",
            "11s",
            "-5s",
            "1e400",
            "inf",
            "NaN",
            "²",
            "٣",
            "45%",
            "00:02:05",
            "99:99:99",
        ]
    ),
    st.from_regex(r"\A[0-9 .:,%a-zA-Z\u202f\u00a0²-]{0,24}\Z"),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    LOOKALIKE_TEXT,
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(BODY_KEYS), st.text(max_size=6)), children, max_size=6),
    ),
    max_leaves=24,
)
#: Objects shaped like Datameer bodies (and lists of them, as history and list-running return).
SHAPED = st.dictionaries(st.sampled_from(BODY_KEYS), JSON, max_size=len(BODY_KEYS))
BODY_VALUES = st.one_of(JSON, SHAPED, st.lists(SHAPED, max_size=3))


def _dump(value: object) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


#: Raw response bodies: arbitrary bytes, JSON text of any value, shaped JSON, HTML-ish and truncated text.
BODIES = st.one_of(
    st.binary(max_size=300),
    BODY_VALUES.map(_dump),
    BODY_VALUES.map(_dump).map(lambda b: b[: len(b) // 2]),
    st.sampled_from([b"", b"  ", b"<html><body>Login</body></html>", b"[" * 5000, b"{}", b"[]", b"null"]),
)
HEADERS = st.dictionaries(
    st.sampled_from(["Content-Type", "content-type", "Retry-After", "retry-after", "Location", "X-Other"]),
    st.one_of(
        st.sampled_from(["application/json", "text/html; charset=utf-8", "text/plain", "5", "-1", "1e400", "nan"]),
        st.sampled_from(["Wed, 21 Oct 2015 07:28:00 GMT", "Wed, 21 Oct 2015 07:28:00 -0000", "Mon, 99 Foo 0 0:0:0"]),
        st.text(max_size=30),
    ),
    max_size=4,
)
HTTP_STATUS = st.one_of(
    st.sampled_from([200, 201, 204, 301, 302, 400, 401, 403, 404, 405, 409, 429, 500, 502, 503, 504]),
    st.integers(min_value=100, max_value=599),
)
#: Anything a DAG could pass as ``job_id``: text (surrogates and controls included), absolute-path-like
#: text, digit strings, uuid-like text, numbers and other objects.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=60)
JOB_IDS = st.one_of(
    ANY_TEXT,
    ANY_TEXT.map(lambda s: "/" + s),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60).map(lambda s: "/" + s),
    st.from_regex("\\A\\s*-?[0-9\u0660-\u0669\u00b2]{1,20}\\s*\\Z"),
    st.uuids().map(str).map(lambda u: u.upper()),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.binary(max_size=10),
    st.lists(st.integers(), max_size=2),
)


#: Host names as users type them: DNS names, IPv4 and IPv6 literals, international names, and any text.
HOST_NAMES = st.one_of(
    st.sampled_from(
        ["datameer.example.com", "127.0.0.1", "::1", "2001:db8::7", "::ffff:10.0.0.5", "münchen.example", "DM-01"]
    ),
    st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]{1,10}){0,3}\Z"),
    ANY_TEXT,
)
PORT_NUMBERS = st.one_of(st.integers(min_value=1, max_value=65535), st.sampled_from([0, 65536, 99999, -1]))


@st.composite
def connection_forms(draw: st.DrawFn) -> dict[str, object]:
    """A connection's host, port and schema fields, and the parts its host was built from.

    The host is a bare name or a URL, with or without brackets, a port and a path; the port field is
    empty, an int or text; the schema is empty, known or not.
    """
    name = draw(HOST_NAMES)
    scheme = draw(st.sampled_from([None, "http", "https", "HTTPS"]))
    host_port = draw(st.one_of(st.none(), PORT_NUMBERS))
    field_port = draw(st.one_of(st.none(), PORT_NUMBERS, PORT_NUMBERS.map(str), st.just("")))
    path = draw(
        st.one_of(
            st.sampled_from(["", "/", "/datameer", "/datameer/", "/a%20b", "/a b", "/%zz", "/x?y", "/x#y"]),
            ANY_TEXT.map(lambda text: "/" + text),
        )
    )
    netloc = f"[{name}]" if ":" in name and (scheme or host_port is not None or draw(st.booleans())) else name
    netloc += "" if host_port is None else f":{host_port}"
    return {
        "host": (f"{scheme}://" if scheme else "") + netloc + path,
        "port": field_port,
        "schema": draw(st.sampled_from([None, "", "http", "https", "ftp"])),
        "name": name,
        "scheme": scheme,
        "host_port": host_port,
    }
