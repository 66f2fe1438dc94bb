"""What the servlet container answers itself: error pages (`error_pages`), authentication before routing,
and the 302 to a login page (`auth_failure_code=302`)."""

from __future__ import annotations

import pytest
import requests

from tests.emulator.support import IMPORT, Api

SERVLET_404 = (
    "<html>\n<head>\n"
    '<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n'
    "<title>Error 404 Not Found</title>\n"
    "</head>\n"
    "<body><h2>HTTP ERROR 404</h2>\n"
    "<p>Problem accessing /rest/nothing. Reason:\n"
    "<pre>    Not Found</pre></p>"
    '<hr><a href="http://eclipse.org/jetty">Powered by Jetty://</a><hr/>\n'
    "</body>\n</html>\n"
)


def _is_html(response: requests.Response) -> bool:
    return response.headers["Content-Type"].startswith("text/html")


def test_servlet_404_page(api, emu):
    emu.client.set_switches(error_pages="servlet")
    response = api.get("/rest/nothing")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=iso-8859-1"
    assert response.text == SERVLET_404


def test_servlet_405_page_keeps_the_allow_header(api, emu):
    emu.client.set_switches(error_pages="servlet")
    response = api.get(f"/api/job-execution/{IMPORT}/trigger")
    assert (response.status_code, response.headers["Allow"]) == (405, "POST")
    assert _is_html(response)
    assert "<title>Error 405 Method Not Allowed</title>" in response.text


@pytest.mark.parametrize(
    ("method", "path", "cause"),
    [
        ("GET", "/rest/job-configuration/job-status/abc", 'NumberFormatException: For input string: "abc"'),
        ("GET", "/rest/job-configuration/job-status/999", "No job configuration with id 999"),
        ("GET", "/rest/job-configuration/job-history/999", "No job configuration with id 999"),
        ("GET", "/rest/job-configuration/job-history/41?start=x", 'For input string: "x"'),
        ("GET", "/rest/job-execution/job-details/999", "No job execution with id 999"),
        ("GET", "/rest/job-execution/job-details/-1", 'For input string: "-1"'),
        ("POST", "/rest/job-execution/job-kill/999", "No job execution with id 999"),
        ("POST", "/rest/job-execution?configuration=999", "No job configuration with id 999"),
        ("POST", "/rest/job-execution?configuration=", 'For input string: ""'),
    ],
)
def test_servlet_mode_v1_bad_or_unknown_id_is_an_html_500(api, emu, method, path, cause):
    emu.client.set_switches(error_pages="servlet")
    response = api.request(method, path)
    assert response.status_code == 500
    assert _is_html(response)
    assert "<title>Error 500 Server Error</title>" in response.text
    assert f"<p>Problem accessing {path.partition('?')[0]}. Reason:" in response.text
    assert "<h3>Caused by:</h3>" in response.text
    assert cause.replace('"', "&quot;") in response.text


def test_application_answers_stay_json_in_servlet_mode(api, emu):
    emu.client.set_switches(error_pages="servlet")
    unknown_file = api.get("/api/job-execution/424242/status")
    assert unknown_file.status_code == 404
    assert unknown_file.json()["status"] == "failure"
    assert api.get("/rest/job-configuration/job-status/41").json() == {}
    emu.client.set_switches(v1_not_found="empty200")
    assert api.get("/rest/job-configuration/job-status/999").json() == {}
    assert api.get("/rest/job-configuration/job-history/999").json() == []


def test_servlet_mode_without_api_v2(api, emu):
    emu.client.set_switches(error_pages="servlet", api_v2=False)
    for method, suffix in (("GET", "status"), ("POST", "trigger"), ("POST", "stop"), ("POST", "sequential-trigger")):
        response = api.request(method, f"/api/job-execution/{IMPORT}/{suffix}")
        assert response.status_code == 404
        assert "<h2>HTTP ERROR 404</h2>" in response.text
    assert api.get("/rest/job-configuration/job-status/41").status_code == 200


def test_servlet_mode_refused_credentials_are_html_with_the_challenge(emu):
    emu.client.set_switches(error_pages="servlet")
    response = Api(emu.url, auth=("admin", "wrong")).get("/rest/license-details")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Datameer"'
    assert "<h2>HTTP ERROR 401</h2>" in response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/rest/nothing"), ("GET", f"/api/job-execution/{IMPORT}/trigger"), ("GET", "/api/job-execution/48")],
)
def test_credentials_are_checked_before_routing(emu, method, path):
    wrong = Api(emu.url, auth=("admin", "wrong")).request(method, path)
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "Unauthorized"}
    assert Api(emu.url).request(method, path).status_code in (404, 405)
    emu.client.set_switches(auth_failure_code=403)
    assert Api(emu.url, auth=None).request(method, path).status_code == 403


def test_credentials_before_routing_also_without_api_v2(emu):
    emu.client.set_switches(api_v2=False)
    assert Api(emu.url, auth=("admin", "wrong")).get(f"/api/job-execution/{IMPORT}/status").status_code == 401
    assert Api(emu.url).get(f"/api/job-execution/{IMPORT}/status").status_code == 404


def test_auth_failure_302_redirects_to_a_login_page(emu):
    emu.client.set_switches(auth_failure_code=302)
    for method, path in (("GET", f"/api/job-execution/{IMPORT}/status"), ("POST", "/rest/nowhere")):
        response = Api(emu.url, auth=("admin", "wrong")).request(method, path, allow_redirects=False)
        assert response.status_code == 302
        assert response.headers["Location"] == f"{emu.url}/login.html"
        assert _is_html(response)
    followed = Api(emu.url, auth=("admin", "wrong")).get(f"/api/job-execution/{IMPORT}/status")
    assert followed.status_code == 200
    assert _is_html(followed)
    assert 'name="j_password"' in followed.text
    assert [r.status_code for r in followed.history] == [302]
    assert Api(emu.url).get(f"/api/job-execution/{IMPORT}/status").json()["status"] == "success"


def test_login_page_needs_no_credentials_and_is_not_logged(emu):
    response = requests.get(emu.url + "/login.html", timeout=10)
    assert response.status_code == 200
    assert "loginForm" in response.text
    assert emu.client.requests() == []
