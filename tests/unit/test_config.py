"""Connection fields and extras → validated settings (URI-form strings included)."""

from __future__ import annotations

import pytest

from airflow_provider_datameer.config import DEFAULT_UI_URL_TEMPLATE, RetryPolicy, config_from_connection


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
    ],
)
def test_base_url(fields, base_url):
    assert cfg(**fields).base_url == base_url


def test_defaults_and_uri_strings():
    c = cfg(extra='{"verify": "false", "timeout": "12.5", "retries": "5"}')
    assert c.verify is False
    assert c.timeout == 12.5
    assert c.retry == RetryPolicy(attempts=5)
    d = cfg()
    assert (d.verify, d.timeout, d.retry.attempts, d.ui_url_template) == (True, 30.0, 3, DEFAULT_UI_URL_TEMPLATE)
    assert cfg(extra={"verify": "/etc/ssl/ca.pem"}).verify == "/etc/ssl/ca.pem"
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
        ({"extra": {"timeout": "soon"}}, "'timeout' must be a positive number"),
        ({"extra": {"timeout": 0}}, "'timeout' must be a positive number"),
        ({"extra": {"verify": ""}}, "'verify' must be true, false or a CA bundle path"),
        ({"extra": {"retries": 0}}, "at least 1"),
        ({"extra": {"retries": {"tries": 3}}}, "unknown key"),
        ({"extra": {"endpoints": {"stopp": "/x"}}}, "unknown command 'stopp'"),
    ],
)
def test_bad_connections_name_connection_and_field(fields, message):
    with pytest.raises(ValueError) as info:  # noqa: PT011 (message checked below)
        cfg(**fields)
    assert "Datameer connection 'datameer_default'" in str(info.value)
    assert message in str(info.value)
