"""Signing in and out, and who sees which parts of the navigation."""

import pytest

from tests.support.helpers import DEMO_USERS, Client
from tests.support.navigation import EXPECTED_NAV, nav_links


@pytest.mark.parametrize("role", list(DEMO_USERS))
def test_every_demo_user_can_sign_in_and_sees_the_navigation_for_their_role(login, role):
    client = login(role)
    html = client.get("/").get_data(as_text=True)
    assert nav_links(html) == EXPECTED_NAV[role]
    assert "Sign out" in html


@pytest.mark.parametrize(
    "url", ["/", "/orders", "/orders/new", "/approvals", "/inventory/lines", "/fulfillment", "/dashboard", "/admin"]
)
def test_anonymous_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_htmx_request_without_a_session_gets_hx_redirect_not_a_302(client):
    response = client.get("/orders", headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/orders"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/login?next=/orders"


@pytest.mark.parametrize("email,password", [("employee@example.com", "wrong"), ("nobody@example.com", "demo")])
def test_wrong_email_or_password_gives_one_error_that_does_not_say_which(client, email, password):
    response = client.post("/login", {"email": email, "password": password})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "That email and password do not match an active account." in html
    assert f'value="{email}"' in html  # what was typed stays
    assert "Sign out" not in html


def test_blank_fields_get_their_own_messages(client):
    html = client.post("/login", {"email": "", "password": ""}).get_data(as_text=True)
    assert "Enter your email address." in html
    assert "Enter your password." in html


def test_deactivated_person_cannot_sign_in(app, client):
    from app.extensions import db
    from app.models import User

    with app.app_context():
        db.session.query(User).filter_by(email="employee@example.com").one().active = False
        db.session.commit()
    response = client.post("/login", {"email": "employee@example.com", "password": "demo"})
    assert response.status_code == 422


def test_email_is_matched_without_regard_to_case(client):
    response = client.post("/login", {"email": "Employee@Example.com ", "password": "demo"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "next_url,expected",
    [
        ("/orders", "/orders"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_sign_in_returns_only_to_a_page_of_this_site(client, next_url, expected):
    client.get("/login")
    response = client.post(f"/login?next={next_url}", {"email": "employee@example.com", "password": "demo"})
    assert response.headers["Location"] == expected


def test_sign_in_without_csrf_token_is_refused(app):
    http = app.test_client()
    response = http.post("/login", data={"email": "employee@example.com", "password": "demo"})
    assert response.status_code == 400
    assert "Your form expired" in response.get_data(as_text=True)


def test_sign_out_needs_a_post_with_csrf_and_ends_the_session(login):
    client = login("employee")
    assert client.get("/logout").status_code == 405
    assert client.http.post("/logout").status_code == 400  # no CSRF token
    assert client.post("/logout").status_code == 302
    assert client.get("/orders").status_code == 302


def test_remember_me_sets_a_remember_cookie(client):
    client.get("/login")
    response = client.post("/login", {"email": "employee@example.com", "password": "demo", "remember": "y"})
    assert any("remember_token" in c for c in response.headers.getlist("Set-Cookie"))


def test_passwords_are_stored_hashed(app):
    from app.extensions import db
    from app.models import User

    with app.app_context():
        user = db.session.query(User).filter_by(email="employee@example.com").one()
        assert user.password_hash != "demo" and user.password_hash.startswith(("scrypt:", "pbkdf2:"))


@pytest.mark.parametrize(
    "role,url,status",
    [
        ("employee", "/approvals", 403),
        ("employee", "/inventory/lines", 403),
        ("employee", "/fulfillment", 403),
        ("employee", "/dashboard", 403),
        ("employee", "/admin", 403),
        ("employee", "/inventory/mine", 200),
        ("manager", "/approvals", 200),
        ("manager", "/admin", 403),
        ("helpdesk", "/inventory/lines", 200),
        ("helpdesk", "/fulfillment", 403),
        ("telecom", "/fulfillment", 200),
        ("telecom", "/dashboard", 200),
        ("telecom", "/admin", 403),
        ("admin", "/admin", 200),
        ("admin", "/inventory/lines", 200),
        ("admin", "/dashboard", 200),
    ],
)
def test_each_role_reaches_only_its_areas(login, role, url, status):
    response = login(role).get(url)
    assert response.status_code == status
    if status == 403:
        assert "Your role does not give you access to this page." in response.get_data(as_text=True)


def test_unknown_page_is_a_404_in_the_layout(login):
    response = login("employee").get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_flash_messages_reach_htmx_requests_as_toasts(app):
    import json

    from flask import flash

    @app.route("/_test/toast")
    def toast():
        flash("Saved.", "success")
        return "<p>fragment</p>"

    client = Client(app)
    response = client.get("/_test/toast", headers={"HX-Request": "true"})
    assert json.loads(response.headers["HX-Trigger"]) == {"toast": [{"category": "success", "message": "Saved."}]}
    assert "HX-Request" in response.headers["Vary"]
