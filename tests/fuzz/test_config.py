"""Connection fields and extras of any shape: a validated config, or a ValueError that never shows the password."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from airflow_provider_datameer.core.connection import DEFAULT_PORT, config_from_connection
from tests.fuzz.support import ANY_TEXT, FUZZ, JSON, connection_forms, raised

SECRET = "fuzz-Pa55w0rd-9e1f"
EXTRA_KEYS = (
    "verify",
    "timeout",
    "retries",
    "endpoints",
    "base_path",
    "ui_url_template",
    "max_response_bytes",
    "other",
)
RETRIES = st.one_of(
    JSON, st.dictionaries(st.sampled_from(["attempts", "backoff", "max_backoff", "max_retry_after", "x"]), JSON)
)
ENDPOINTS = st.one_of(
    JSON,
    st.dictionaries(
        st.sampled_from(["status_v2", "trigger_v2", "job_details", "license", "nope"]),
        st.one_of(
            ANY_TEXT, ANY_TEXT.map(lambda s: "/" + s), st.dictionaries(st.sampled_from(["path", "method"]), JSON)
        ),
    ),
)
EXTRA_DICTS = st.fixed_dictionaries(
    {},
    optional={
        "verify": JSON,
        "timeout": JSON,
        "retries": RETRIES,
        "endpoints": ENDPOINTS,
        "base_path": JSON,
        "ui_url_template": st.one_of(JSON, ANY_TEXT, st.sampled_from(["{base_url}/{job}", "{execution_id!r}"])),
        "max_response_bytes": JSON,
        "other": JSON,
    },
)
EXTRAS = st.one_of(st.none(), EXTRA_DICTS, EXTRA_DICTS.map(json.dumps), ANY_TEXT, JSON)
HOSTS = st.one_of(
    st.none(),
    ANY_TEXT,
    st.sampled_from(["datameer.example.com", "::1", "[::1]", "http://[", "https://dm:99999", "ftp://x", "http://:80"]),
    st.builds(lambda scheme, rest: f"{scheme}://{rest}", st.sampled_from(["http", "https", "HTTPS", "x"]), ANY_TEXT),
)
PORTS = st.one_of(st.none(), st.integers(), ANY_TEXT, st.from_regex(r"\A\s*-?[0-9²]{1,7}\s*\Z"))


@pytest.mark.parametrize("extra", [{"timeout": 10**400}, {"retries": {"backoff": 10**400}}])
def test_regression_huge_number_in_extra_is_not_a_value_error(extra):
    """``float(10**400)`` raises OverflowError, which config._positive does not catch."""
    with pytest.raises(ValueError, match="Datameer connection"):
        config_from_connection("c", host="h", login="u", extra=extra)


@pytest.mark.parametrize(
    "extra",
    [{"endpoints": "[" * 100_000}, '{"verify": ' * 5000],
    ids=["endpoints-extra (api.resolve_endpoints)", "extra-text (config._extras)"],
)
def test_regression_deeply_nested_json_in_the_connection_is_not_a_value_error(extra):
    """Deeply nested JSON text in the extra, or in its ``endpoints``, makes json.loads raise RecursionError,
    which only ``ValueError`` handlers stand between and the user (api._decode catches it; these do not)."""
    with pytest.raises(ValueError, match="Datameer connection"):
        config_from_connection("c", host="h", login="u", extra=extra)


@FUZZ
@given(
    host=HOSTS, port=PORTS, schema=st.one_of(st.none(), ANY_TEXT), login=st.one_of(st.none(), ANY_TEXT), extra=EXTRAS
)
@example(host="http://[", port=None, schema=None, login="u", extra=None)
@example(host="h", port="²", schema=None, login="u", extra={"retries": {"attempts": "²"}})
@example(host="h", port=None, schema=None, login="u", extra='{"verify": ' * 5000)
def test_connection_gives_a_config_or_a_value_error_without_the_password(host, port, schema, login, extra):
    def connect():
        return config_from_connection(
            "datameer_default", host=host, port=port, schema=schema, login=login, password=SECRET, extra=extra
        )

    exc = raised(connect, Exception)
    if exc is not None:
        assert isinstance(exc, ValueError), repr(exc)
        assert SECRET not in str(exc)
        return
    config = connect()
    assert SECRET not in repr(config)
    assert config.base_url.startswith(("http://", "https://"))
    assert config.timeout > 0
    assert config.retry.attempts >= 1


@FUZZ
@given(form=connection_forms(), base_path=st.one_of(st.none(), st.sampled_from(["/gw", "gw/", "/a b"]), ANY_TEXT))
@example(
    form={
        "host": "127.0.0.1/datameer/",
        "port": 18080,
        "schema": None,
        "name": "127.0.0.1",
        "scheme": None,
        "host_port": None,
    },
    base_path=None,
)
@example(
    form={
        "host": "127.0.0.1:18080",
        "port": None,
        "schema": None,
        "name": "127.0.0.1",
        "scheme": None,
        "host_port": 18080,
    },
    base_path=None,
)
@example(
    form={"host": "127.0.0.1:0", "port": None, "schema": None, "name": "127.0.0.1", "scheme": None, "host_port": 0},
    base_path=None,
)
def test_a_connection_form_gives_a_url_with_the_port_given_or_a_value_error(form, base_path):
    """Host, port and schema as users fill them in: never an error other than ValueError, and a valid
    result is an http(s) URL without credentials, query or fragment whose port is the one given."""
    from yarl import URL

    def connect():
        extra = {} if base_path is None else {"base_path": base_path}
        fields = {key: form[key] for key in ("host", "port", "schema")}
        return config_from_connection("datameer_default", login="u", password=SECRET, extra=extra, **fields)

    exc = raised(connect, Exception)
    if exc is not None:
        assert isinstance(exc, ValueError), repr(exc)
        assert SECRET not in str(exc)
        return
    base_url = connect().base_url
    parts = urlsplit(base_url)
    field_port = None if form["port"] in (None, "") else int(form["port"])
    default = {"http": 80, "https": 443}[form["scheme"].lower()] if form["scheme"] else DEFAULT_PORT
    expected = form["host_port"] or field_port or default
    assert parts.scheme in ("http", "https")
    assert parts.hostname
    assert (parts.username, parts.password, parts.query, parts.fragment) == (None, None, "", "")
    assert parts.port == URL(base_url).port == expected, base_url
    assert URL(base_url).host
