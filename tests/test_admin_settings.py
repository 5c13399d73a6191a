"""Company settings: admins change them on one page and they take effect at once (upgrade eligibility,
per-group overrides, reminders, the order number prefix, the company name and logo in the layout and emails)."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import date

import pytest
from sqlalchemy import func, select

from app.catalog.settings import add_months, company_logo_url, set_setting, upgrade_eligible_from, upgrade_months_for
from app.extensions import db
from app.models import AuditEntry, Group, Setting, StoredFile, User, get_setting
from tests.support.pages import field_error, form_values, input_value


def tiny_png() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\x1f\x4e\x8c"))
        + chunk(b"IEND", b"")
    )


def person(email: str) -> User:
    return db.session.scalars(select(User).where(User.email == email)).one()


def settings_form(admin) -> dict:
    return form_values(admin.get("/admin/settings").get_data(as_text=True))


def group_field(name: str) -> str:
    return f"group_{db.session.scalar(select(Group.id).where(Group.name == name))}"


def test_set_setting_stores_a_known_setting_and_refuses_a_misspelt_one(db_session):
    assert set_setting(db.session, "upgrade_eligibility_months", 18) is True
    assert set_setting(db.session, "upgrade_eligibility_months", 18) is False
    assert get_setting("upgrade_eligibility_months") == 18
    with pytest.raises(KeyError):
        set_setting(db.session, "upgrade_months", 18)


def test_a_groups_upgrade_months_override_the_company_wide_ones_for_its_members(db_session):
    erin, tara = person("employee@example.com"), person("telecom@example.com")
    assert upgrade_months_for(erin) == upgrade_months_for(tara) == 24
    telecom = db.session.scalars(select(Group).where(Group.name == "Telecom admins")).one()
    telecom.upgrade_eligibility_months = 12
    assert (upgrade_months_for(erin), upgrade_months_for(tara)) == (24, 12)
    other = Group(name="Road warriors", upgrade_eligibility_months=6, members=[tara])
    db.session.add(other)
    assert upgrade_months_for(tara) == 6  # in several groups: the shortest wait


def test_the_upgrade_date_follows_the_setting(db_session):
    erin = person("employee@example.com")
    assert upgrade_eligible_from(erin, date(2025, 1, 31)) == date(2027, 1, 31)
    set_setting(db.session, "upgrade_eligibility_months", 13)
    assert upgrade_eligible_from(erin, date(2025, 1, 31)) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_admin_changes_upgrade_months_and_who_may_upgrade_changes_with_them(login, db_session):
    admin = login("admin")
    erin, tara = person("employee@example.com"), person("telecom@example.com")
    activated = date(2025, 1, 15)
    on = date(2026, 3, 1)  # 13½ months later
    assert upgrade_eligible_from(erin, activated) > on  # 24 months: not yet
    data = settings_form(admin) | {"upgrade_eligibility_months": "12", group_field("Telecom admins"): "6"}
    assert admin.post("/admin/settings", data).status_code == 302
    db.session.expire_all()
    assert upgrade_months_for(erin) == 12 and upgrade_eligible_from(erin, activated) <= on
    assert upgrade_months_for(tara) == 6
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "settings.update")).one()
    assert entry.details["changes"] == {
        "upgrade_eligibility_months": [24, 12],
        "upgrade months for Telecom admins": [None, 6],
    }


def test_every_setting_on_the_page_is_saved_and_the_layout_shows_the_new_name(app, login):
    admin = login("admin")
    data = settings_form(admin) | {
        "company_name": "Northwind Traders",
        "order_number_prefix": "NT-",
        "approval_reminder_hours": "8",
        "approval_escalation_hours": "48",
        "lost_stolen_approval": "policies",
    }
    admin.post("/admin/settings", data)
    with app.app_context():
        assert [
            get_setting(k)
            for k in (
                "company_name",
                "order_number_prefix",
                "approval_reminder_hours",
                "approval_escalation_hours",
                "lost_stolen_approval",
            )
        ] == ["Northwind Traders", "NT-", 8, 48, "policies"]
    assert "<strong>Northwind Traders</strong>" in login("employee").get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("upgrade_eligibility_months", "two years", "Enter a whole number of months from 0 to 60, like 24."),
        ("approval_escalation_hours", "12", "Escalate later than the reminder: more than 24 hours."),
        ("approval_reminder_hours", "0", "Enter the reminder time as a whole number of hours from 1 to 720, like 24."),
        ("order_number_prefix", "ORDER #", "Use up to 8 letters, digits or hyphens, like WO-."),
        ("company_name", " ", "Enter the company's name."),
    ],
)
def test_bad_settings_are_refused_beside_the_field_and_nothing_is_saved(login, db_session, field, value, message):
    admin = login("admin")
    data = settings_form(admin) | {"company_name": "Kept Co"} | {field: value}
    response = admin.post("/admin/settings", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, field) == message
    if field != "company_name":
        assert input_value(page, "company_name") == "Kept Co"
        assert input_value(page, field) == value
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    assert get_setting("company_name") == "Contoso Holdings"


def test_a_groups_months_must_be_a_number(login, db_session):
    admin = login("admin")
    name = group_field("Telecom admins")
    page = admin.post("/admin/settings", settings_form(admin) | {name: "soon"}).get_data(as_text=True)
    assert field_error(page, name) == (
        "Enter the months for Telecom admins as a whole number from 0 to 60, or leave it empty."
    )


def test_the_logo_is_stored_in_the_database_and_shown_beside_the_company_name_to_everyone(app, login):
    admin = login("admin")
    data = settings_form(admin) | {"logo": (io.BytesIO(tiny_png()), "logo.png")}
    assert admin.post("/admin/settings", data, content_type="multipart/form-data").status_code == 302
    with app.app_context():
        url, absolute = company_logo_url(), company_logo_url(absolute=True)
        stored = db.session.get(StoredFile, get_setting("company_logo_file_id"))
        assert stored.data == tiny_png() and stored.content_type == "image/png"
        assert db.session.scalars(select(AuditEntry.action)).all() == ["logo.update"]
    home = login("employee").get("/").get_data(as_text=True)
    assert f'<img src="{url}" alt="" class="brand-logo"> <strong>Contoso Holdings</strong>' in home
    served = app.test_client().get(url)  # no session needed: mail clients fetch it too
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == tiny_png()
    assert "immutable" in served.headers["Cache-Control"]
    assert absolute == app.config["BASE_URL"] + url  # for emails


def stored_files() -> int:
    """How many files the database holds (the demo's device pictures are some)."""
    return db.session.scalar(select(func.count()).select_from(StoredFile))


def test_a_new_logo_replaces_the_old_one_and_it_can_be_removed(app, login):
    admin = login("admin")
    with app.app_context():
        before = stored_files()
    for _ in range(2):
        admin.post(
            "/admin/settings",
            settings_form(admin) | {"logo": (io.BytesIO(tiny_png()), "logo.png")},
            content_type="multipart/form-data",
        )
    with app.app_context():
        assert stored_files() == before + 1
        old_url = company_logo_url()
    assert admin.post("/admin/settings/logo/remove").status_code == 302
    with app.app_context():
        assert company_logo_url() is None and stored_files() == before
    assert app.test_client().get(old_url).status_code == 404
    assert "brand-logo" not in login("employee").get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "content,message",
    [
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "Upload a PNG, JPEG or GIF image.",
        ),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 600 * 1024, "The logo must be 512 KB or smaller."),
    ],
)
def test_a_logo_that_is_not_a_small_image_is_refused_and_no_other_setting_is_saved(login, db_session, content, message):
    admin = login("admin")
    before = stored_files()
    data = settings_form(admin) | {"company_name": "Half Saved Inc", "logo": (io.BytesIO(content), "logo.svg")}
    response = admin.post("/admin/settings", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "logo") == message
    assert stored_files() == before
    assert db.session.get(Setting, "company_name").value == "Contoso Holdings"
