"""Connection fields and extras → validated settings (URI-form strings included)."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import certifi
import pytest

from airflow_provider_datameer.core.connection import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_UI_URL_TEMPLATE,
    RetryPolicy,
    config_from_connection,
)


def cfg(**fields):
    fields.setdefault("host", "datameer.example.com")
    fields.setdefault("login", "analyst")
    fields.setdefault("password", "s3cr3t")
    return config_from_connection("datameer_default", **fields)


@pytest.mark.parametrize(
    ("fields", "base_url"),
    [
        ({}, "http://datameer.example.com:8080"),
        ({"port": 7777, "schema": "https"}, "https://datameer.example.com:7777"),
        ({"port": "3050"}, "http://datameer.example.com:3050"),
        ({"host": "https://dm.example.com"}, "https://dm.example.com:443"),
        ({"host": "https://dm.example.com:8443/datameer/"}, "https://dm.example.com:8443/datameer"),
        ({"host": "http://10.0.0.5", "port": 2144}, "http://10.0.0.5:2144"),
        ({"extra": {"base_path": "/dm/"}}, "http://datameer.example.com:8080/dm"),
        ({"host": "::1"}, "http://[::1]:8080"),
        # issue #12 item 7: a bare host may carry a port and a path
        ({"host": "127.0.0.1/datameer/", "port": 18080}, "http://127.0.0.1:18080/datameer"),
        ({"host": "127.0.0.1:18080"}, "http://127.0.0.1:18080"),
        ({"host": "127.0.0.1:18080", "port": "18080"}, "http://127.0.0.1:18080"),
        ({"host": "dm.example.com:9443/dm", "schema": "https"}, "https://dm.example.com:9443/dm"),
        ({"host": "[::1]"}, "http://[::1]:8080"),
        ({"host": "[::1]:18080"}, "http://[::1]:18080"),
        ({"host": "2001:db8::7", "port": 9000}, "http://[2001:db8::7]:9000"),
        ({"host": "http://[::1]:8443/x"}, "http://[::1]:8443/x"),
        ({"host": "127.0.0.1/datameer", "extra": {"base_path": "gw"}}, "http://127.0.0.1:8080/datameer/gw"),
        ({"host": "münchen.example"}, "http://münchen.example:8080"),
    ],
)
def test_base_url(fields, base_url):
    assert cfg(**fields).base_url == base_url
    assert urlsplit(cfg(**fields).base_url).port == int(base_url.rsplit(":", 1)[1].split("/")[0])


def test_defaults_and_uri_strings():
    c = cfg(extra='{"verify": "false", "timeout": "12.5", "retries": "5"}')
    assert c.verify is False
    assert c.timeout == 12.5
    assert c.retry == RetryPolicy(attempts=5)
    d = cfg()
    assert (d.verify, d.timeout, d.retry.attempts, d.ui_url_template) == (True, 30.0, 3, DEFAULT_UI_URL_TEMPLATE)
    assert cfg(extra={"verify": certifi.where()}).verify == certifi.where()
    assert cfg().max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES
    assert cfg(extra={"max_response_bytes": "33554432"}).max_response_bytes == 32 * 1024**2
    r = cfg(extra={"retries": {"attempts": 2, "backoff": 0.1, "max_backoff": "2"}}).retry
    assert (r.attempts, r.backoff, r.max_backoff) == (2, 0.1, 2.0)


def test_password_never_in_repr():
    c = cfg(password="hunter2-very-secret")
    assert "hunter2" not in repr(c)
    assert c.authorization == "Basic YW5hbHlzdDpodW50ZXIyLXZlcnktc2VjcmV0"
    assert "YW5hbHlzdDpodW50ZXIy" not in repr(c)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"host": ""}, "has no host"),
        ({"login": ""}, "has no login"),
        ({"schema": "ftp"}, "scheme 'ftp' is not supported"),
        ({"port": "eighty"}, "port 'eighty' is not a number"),
        ({"port": 70000}, "out of range"),
        ({"extra": "{broken"}, "extra is not valid JSON"),
        ({"extra": {"timeout": "soon"}}, "'timeout' must be a number of seconds above 0"),
        ({"extra": {"timeout": 0}}, "'timeout' must be a number of seconds above 0"),
        ({"extra": {"verify": ""}}, "'verify' must be true, false or a CA bundle path"),
        ({"extra": {"retries": 0}}, "at least 1"),
        # issue #12 item 7
        ({"host": "127.0.0.1:18080", "port": 9000}, "names port 18080 but the port field says 9000"),
        ({"host": "127.0.0.1:99999"}, "invalid port"),
        ({"host": "user:pw@dm.example.com"}, "must not contain credentials"),
        ({"host": "dm.example.com/x?y=1"}, "must not contain '?' or '#'"),
        ({"host": "dm example.com"}, "is not a valid host name"),
        ({"host": "[::zz]"}, "is not a valid host or URL"),
        ({"host": "dm.example.com/a b"}, "percent-encode"),
        ({"extra": {"base_path": "/a b"}}, "percent-encode"),
        ({"extra": {"base_path": 5}}, "'base_path' must be a path"),
        ({"extra": {"verify": "/no/such/ca.pem"}}, "CA bundle '/no/such/ca.pem', which does not exist"),
        ({"extra": {"verify": __file__}}, "is not a readable PEM CA bundle"),
        ({"extra": {"timeout": 1e308}}, "at most 3600"),
        ({"extra": {"timeout": "inf"}}, "at most 3600"),
        ({"extra": {"timeout": "nan"}}, "'timeout' must be a number of seconds"),
        ({"extra": {"retries": {"backoff": 1e308}}}, "'retries.backoff' must be a number of seconds"),
        ({"extra": {"retries": {"max_retry_after": 10**400}}}, "'retries.max_retry_after'"),
        ({"extra": {"retries": 10**6}}, "at most 100"),
        ({"extra": {"retries": "9" * 5000}}, "must be a number of attempts"),
        ({"extra": {"retries": {"attempts": "9" * 5000}}}, "must be a whole number"),
        ({"extra": {"max_response_bytes": 10}}, "between 1024 and 1073741824"),
        ({"extra": {"max_response_bytes": "lots"}}, "whole number of bytes"),
        ({"extra": {"ui_url_template": "{base_url}/job/{job}"}}, "unknown placeholder(s) job"),
        ({"extra": {"ui_url_template": "{base_url}/{execution_id!r}"}}, "placeholder {execution_id!r} is not allowed"),
        ({"extra": {"ui_url_template": "{base_url.real}"}}, "placeholder {base_url.real} is not allowed"),
        ({"extra": {"ui_url_template": "{base_url"}}, "bad template"),
        ({"extra": {"endpoints": {"status_v2": "/api/{job:>9999999}/status"}}}, "{job:>9999999} is not allowed"),
        ({"extra": {"endpoints": {"status_v2": "/api/{job!r}/status"}}}, "{job!r} is not allowed"),
        ({"extra": {"endpoints": {"status_v2": "/api/{job[0]}/status"}}}, "{job[0]} is not allowed"),
        ({"extra": {"endpoints": {"status_v2": "/api/{}/status"}}}, "{} is not allowed"),
        ({"extra": {"retries": {"tries": 3}}}, "unknown key"),
        ({"extra": {"endpoints": {"stopp": "/x"}}}, "unknown command 'stopp'"),
    ],
)
def test_bad_connections_name_connection_and_field(fields, message):
    with pytest.raises(ValueError) as info:  # noqa: PT011 (message checked below)
        cfg(**fields)
    assert "Datameer connection 'datameer_default'" in str(info.value)
    assert message in str(info.value)


def test_a_huge_value_is_shown_cut_short():
    with pytest.raises(ValueError, match="must be a number of seconds") as info:
        cfg(extra={"timeout": "x" * 10_000_000})
    assert len(str(info.value)) < 400


@pytest.mark.parametrize(("key", "suggestion"), [("timout", "'timeout'"), ("verfy", "'verify'"), ("colour", None)])
def test_an_unknown_extra_is_warned_with_the_closest_known_key(caplog, key, suggestion):
    with caplog.at_level(logging.WARNING, logger="airflow_provider_datameer.core.connection"):
        config = cfg(extra={key: 5, "timeout": 7})
    assert config.timeout == 7
    [record] = caplog.records
    assert f"extra '{key}' is not a setting and is ignored" in record.getMessage()
    assert (
        f"did you mean {suggestion}?" if suggestion else "known extras: api_version, base_path"
    ) in record.getMessage()


def test_known_extras_are_not_warned(caplog):
    with caplog.at_level(logging.WARNING, logger="airflow_provider_datameer.core.connection"):
        cfg(extra={"timeout": 7, "verify": "false", "retries": 2, "base_path": "/x", "max_response_bytes": 4096})
    assert caplog.records == []
