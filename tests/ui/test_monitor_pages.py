"""Monitor pages over an in-memory backend: sign-in, redirects, roles, CSRF, actions."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.ui import mount_monitor
from tests.ui.fake_backend import FakeMonitor


@pytest.fixture()
def monitor() -> FakeMonitor:
    return FakeMonitor()


@pytest.fixture()
def client(monitor: FakeMonitor) -> TestClient:
    app = FastAPI()
    mount_monitor(app, lambda _app: monitor, b"test-secret-test-secret")
    return TestClient(app, follow_redirects=False)


def sign_in(client: TestClient, username: str, password: str) -> TestClient:
    page = client.get("/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    response = client.post("/login", data={"username": username, "password": password, "csrf": csrf.group(1)})
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


@pytest.mark.parametrize("path", ["/", "/documents", "/documents/doc-1", "/messages", "/partners", "/admin"])
def test_anonymous_pages_redirect_to_login(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/login?next={path}")


def test_wrong_password_is_refused(client: TestClient) -> None:
    page = client.get("/login")
    response = client.post("/login", data={"username": "ana", "password": "nope", "csrf": csrf_of(page.text)})
    assert response.status_code == 401
    assert "wrong password" in response.text
    assert client.get("/").status_code == 303


def test_login_without_csrf_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "ana", "password": "analyst-password"})
    assert response.status_code == 403


def test_analyst_sees_dashboard_and_finds_po(client: TestClient) -> None:
    sign_in(client, "ana", "analyst-password")
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert "<svg" in dashboard.text and "webhook answered 500" in dashboard.text
    found = client.get("/documents", params={"q": "4500012345"})
    assert "/documents/doc-1" in found.text
    assert "<option >acknowledged_with_errors</option>" in found.text  # status filter lists every status
    missing = client.get("/documents", params={"q": "999"})
    assert "No document matches" in missing.text


def test_analyst_cannot_reach_admin_pages(client: TestClient) -> None:
    sign_in(client, "ana", "analyst-password")
    assert client.get("/admin").status_code == 403
    assert client.get("/partners").status_code == 403
    page = client.get("/")
    assert client.post("/admin/users", data={"csrf": csrf_of(page.text), "username": "x", "password": "p" * 12,
                                             "role": "admin"}).status_code == 403


def test_action_needs_csrf_and_records_actor(client: TestClient, monitor: FakeMonitor) -> None:
    sign_in(client, "ana", "analyst-password")
    detail = client.get("/documents/doc-1")
    assert "BEG01 Transaction Set Purpose Code" in detail.text
    assert client.post("/documents/doc-1/retry", data={}).status_code == 403
    assert client.post("/documents/doc-1/retry", data={"csrf": "forged"}).status_code == 403
    assert monitor.actions == []
    done = client.post("/documents/doc-1/retry", data={"csrf": csrf_of(detail.text)})
    assert done.status_code == 303
    assert monitor.actions == [("retry", "doc-1", "ana")]
    assert "delivered" in client.get("/documents/doc-1").text


def test_admin_creates_token_shown_once_not_in_url(client: TestClient) -> None:
    sign_in(client, "root", "admin-password!")
    page = client.get("/admin")
    response = client.post("/admin/tokens", data={"csrf": csrf_of(page.text), "name": "erp", "role": "integration"})
    assert response.status_code == 200
    assert "tok_secret" in response.text
    assert "tok_secret" not in str(response.url)


def test_tampered_session_cookie_is_anonymous(client: TestClient) -> None:
    sign_in(client, "ana", "analyst-password")
    cookie = client.cookies.get("acorn_session")
    assert cookie
    client.cookies.set("acorn_session", cookie[:-2] + "xx")
    assert client.get("/").status_code == 303


def test_open_redirect_after_login_is_refused(client: TestClient) -> None:
    page = client.get("/login", params={"next": "//evil.example"})
    assert 'value="/"' in page.text
