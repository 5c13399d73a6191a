"""Admins put a carrier in API mode: its order endpoint, its signing secret (encrypted at rest, never shown) and a
timeout, each refused with a message beside the field when it is not right."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.crypto import decrypt
from app.models import AuditEntry, Carrier, FulfilmentMode
from tests.support.catalog import CASES
from tests.support.pages import field_error, form_values, input_value, text_of

API = {
    "fulfilment_mode": "api",
    "api_url": "https://api.litware.example/orders",
    "api_secret": "s3cret-shared-with-litware",
    "api_timeout_seconds": "15",
}


def test_a_carrier_in_api_mode_keeps_its_endpoint_timeout_and_an_encrypted_secret(login, db_session):
    admin = login("admin")
    response = admin.post("/admin/catalog/carriers/new", CASES["carriers"]["new"]() | API)
    assert response.status_code == 200  # the webhook secret's page, shown once
    carrier = db_session.scalars(select(Carrier).where(Carrier.code == "litware")).one()
    assert carrier.fulfilment_mode is FulfilmentMode.API
    assert (carrier.api_url, carrier.api_timeout_seconds) == ("https://api.litware.example/orders", 15)
    assert "s3cret" not in carrier.api_secret_encrypted
    assert decrypt(carrier.api_secret_encrypted) == "s3cret-shared-with-litware"
    listing = admin.get("/admin/catalog/carriers?q=litware").get_data(as_text=True)
    assert "API (api.litware.example)" in text_of(listing) and "s3cret" not in listing
    assert all("s3cret" not in str(e.details) for e in db_session.scalars(select(AuditEntry)))


def test_editing_without_typing_the_secret_again_keeps_the_one_on_file(login, db_session):
    admin = login("admin")
    admin.post("/admin/catalog/carriers/new", CASES["carriers"]["new"]() | API)
    carrier = db_session.scalars(select(Carrier).where(Carrier.code == "litware")).one()
    page = admin.get(f"/admin/catalog/carriers?edit={carrier.id}").get_data(as_text=True)
    data = form_values(page.split('class="editing-row"', 1)[1])
    assert data["api_url"] == "https://api.litware.example/orders" and not data.get("api_secret")
    saved = admin.post(f"/admin/catalog/carriers/{carrier.id}", data | {"api_timeout_seconds": "30"})
    assert saved.status_code == 302
    db_session.expire_all()
    assert carrier.api_timeout_seconds == 30 and decrypt(carrier.api_secret_encrypted) == API["api_secret"]


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("api_url", "", "Enter the carrier's order endpoint: API mode sends orders there."),
        (
            "api_url",
            "ftp://files.litware.example/orders",
            "Enter the endpoint as an http:// or https:// address, like https://api.carrier.example/orders.",
        ),
        (
            "api_url",
            "api.litware.example/orders",
            "Enter the endpoint as an http:// or https:// address, like https://api.carrier.example/orders.",
        ),
        ("api_secret", "", "Enter the signing secret agreed with the carrier: API mode signs every request."),
        ("api_timeout_seconds", "0", "Enter the timeout as a whole number of seconds from 1 to 60, like 10."),
        ("api_timeout_seconds", "600", "Enter the timeout as a whole number of seconds from 1 to 60, like 10."),
        ("api_timeout_seconds", "ten", "Enter the timeout as a whole number of seconds from 1 to 60, like 10."),
    ],
)
def test_api_settings_that_are_not_right_are_refused_beside_their_field(login, db_session, field, value, message):
    response = login("admin").post("/admin/catalog/carriers/new", CASES["carriers"]["new"]() | API | {field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, field) == message
    if field != "api_secret":
        assert input_value(html, field) == value
    assert db_session.scalars(select(Carrier).where(Carrier.code == "litware")).first() is None


def test_a_manual_carrier_needs_no_endpoint(login, db_session):
    response = login("admin").post("/admin/catalog/carriers/new", CASES["carriers"]["new"]())
    assert response.status_code == 200
    carrier = db_session.scalars(select(Carrier).where(Carrier.code == "litware")).one()
    assert carrier.api_url == "" and carrier.api_secret_encrypted is None and carrier.api_timeout_seconds == 10
