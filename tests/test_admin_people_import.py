"""Importing employees from the HR file: a preview that names every refused row, then all or nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.admin.people_import import ImportRefused, apply_import, preview_import
from app.extensions import db
from app.models import AuditEntry, CostCenter, Department, User
from tests.support.pages import form_values, text_of

HEADER = "employee id,name,email,manager email,department,cost center\n"


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


def people_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def person(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def admin_user() -> User:
    return person("admin@example.com")


def test_a_good_file_creates_new_people_updates_known_ones_and_builds_the_management_chain(db_session):
    data = csv_file(
        "E3001,Nia Brooks,nia.brooks@example.com,ari.cole@example.com,Legal,CC-5500",  # her manager is further down
        "E3002,Ari Cole,ari.cole@example.com,priya.raman@example.com,Legal,CC-5500",
        "E1007,Erin Park,employee@example.com,nia.brooks@example.com,Sales,CC-1100",  # Erin moves under Nia
        "E1001,Priya Raman,priya.raman@example.com,,Finance,Finance",  # unchanged (cost center by name)
    )
    erin_number = person("employee@example.com").employee_number
    data = data.replace(b"E1007", erin_number.encode())
    preview = preview_import(db.session, data)
    assert preview.ok, preview.errors
    assert [row.action for row in preview.rows] == ["New", "New", "Update", "No change"]
    assert preview.rows[2].changes == ["manager"]
    assert (preview.new_departments, preview.new_cost_centers) == (["Legal"], ["CC-5500"])
    before = people_count()
    result = apply_import(db.session, preview, admin_user())
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (2, 1, 1)
    assert people_count() == before + 2
    erin = person("employee@example.com")
    assert [m.name for m in erin.management_chain()] == ["Nia Brooks", "Ari Cole", "Priya Raman"]
    nia = person("nia.brooks@example.com")
    assert (nia.employee_number, nia.department.name, nia.cost_center.code, nia.active) == (
        "E3001",
        "Legal",
        "CC-5500",
        True,
    )
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "people.import")).one()
    assert entry.details["created"] == ["nia.brooks@example.com", "ari.cole@example.com"]


def test_a_manager_email_nobody_has_is_refused_with_the_row_named(db_session):
    preview = preview_import(
        db.session,
        csv_file(
            "E3001,Nia Brooks,nia.brooks@example.com,manager@example.com,Sales,CC-1100",
            "E3002,Ari Cole,ari.cole@example.com,nobody@example.com,Sales,CC-1100",
        ),
    )
    assert not preview.ok
    assert preview.errors == [
        "Row 3 (Ari Cole): the manager email nobody@example.com is not in the file or in Dialtone."
    ]


def test_a_loop_in_the_management_chain_is_refused_with_each_row_in_it_named(db_session):
    preview = preview_import(
        db.session,
        csv_file(
            "E3001,Nia Brooks,nia.brooks@example.com,ari.cole@example.com,Legal,",
            "E3002,Ari Cole,ari.cole@example.com,nia.brooks@example.com,Legal,",
            "E3003,Bo Grant,bo.grant@example.com,nia.brooks@example.com,Legal,",  # under the loop, not in it
        ),
    )
    assert preview.errors == [
        "Row 2 (Nia Brooks): the management chain loops: Nia Brooks → Ari Cole → Nia Brooks.",
        "Row 3 (Ari Cole): the management chain loops: Ari Cole → Nia Brooks → Ari Cole.",
    ]


def test_a_loop_through_people_already_in_dialtone_is_refused_too(db_session):
    marco = person("manager@example.com")
    # Erin reports to Marco today; making Marco report to Erin would close a circle.
    preview = preview_import(
        db.session,
        csv_file(f"{marco.employee_number},Marco Diaz,manager@example.com,employee@example.com,Sales,CC-1100"),
    )
    assert preview.errors == ["Row 2 (Marco Diaz): the management chain loops: Marco Diaz → Erin Park → Marco Diaz."]


@pytest.mark.parametrize(
    "row,message",
    [
        ("E3001,Nia Brooks,nia.brooks@example,,Sales,", "“nia.brooks@example” is not a valid email address."),
        (
            "E3001,Nia Brooks,nia@example.com,boss@@example.com,Sales,",
            "the manager email “boss@@example.com” is not a valid email address.",
        ),
        (",Nia Brooks,nia@example.com,,Sales,", "the employee id is empty."),
        ("E3001,,nia@example.com,,Sales,", "the name is empty."),
        ("E3001,Nia Brooks,nia@example.com,nia@example.com,Sales,", "a person cannot be their own manager."),
        (
            "E3001,Nia Brooks,employee@example.com,,Sales,",
            "the email employee@example.com belongs to Erin Park, whose employee id is E1007, not E3001.",
        ),
    ],
)
def test_each_bad_row_is_refused_with_its_reason(db_session, row, message):
    erin = person("employee@example.com").employee_number
    preview = preview_import(db.session, csv_file(row))
    who = row.split(",")[1] or row.split(",")[2]
    assert preview.errors == [f"Row 2 ({who}): {message.replace('E1007', erin)}"]


def test_duplicates_in_the_file_are_refused_on_the_later_row(db_session):
    preview = preview_import(
        db.session,
        csv_file(
            "E3001,Nia Brooks,nia.brooks@example.com,,Legal,",
            "E3002,Nia B,NIA.BROOKS@example.com,,Legal,",
            "E3001,Ari Cole,ari.cole@example.com,,Legal,",
        ),
    )
    assert preview.errors == [
        "Row 3 (Nia B): email nia.brooks@example.com is also on row 2.",
        "Row 4 (Ari Cole): employee id E3001 is also on row 2.",
    ]


@pytest.mark.parametrize(
    "data,problem",
    [
        (b"", "The file is empty: it needs a row of column names, then one row per person."),
        (
            b"name,email\nNia,nia@example.com\n",
            "The first row must name the columns; missing: employee id, manager email, department, cost center.",
        ),
        (HEADER.encode(), "The file has column names but no people."),
        (
            "employee id,name,email,manager email,department,cost center\nE1,Zoë,z@example.com,,,\n".encode("latin-1"),
            'The file is not UTF-8 text. In your spreadsheet, save it as "CSV UTF-8".',
        ),
    ],
)
def test_a_file_that_is_not_an_hr_export_is_refused_as_a_whole(db_session, data, problem):
    assert preview_import(db.session, data).errors == [problem]


def test_headings_are_matched_loosely_and_blank_lines_skipped(db_session):
    data = (
        "\ufeffEmployee ID,Full Name,Email Address,Manager Email,Dept,Cost Centre\n\n"
        "E3001,Nia Brooks,Nia.Brooks@Example.com,MANAGER@example.com,Sales,cc-1100\n"
    ).encode()
    preview = preview_import(db.session, data)
    assert preview.ok, preview.errors
    assert (preview.rows[0].number, preview.rows[0].email, preview.new_cost_centers) == (
        3,
        "nia.brooks@example.com",
        [],
    )


def test_one_bad_row_and_nothing_is_imported(db_session):
    preview = preview_import(
        db.session,
        csv_file(
            "E3001,Nia Brooks,nia.brooks@example.com,,Legal,CC-5500",
            "E3002,Ari Cole,ari.cole@example.com,nobody@example.com,Legal,CC-5500",
        ),
    )
    before = (people_count(), db.session.scalar(select(func.count()).select_from(Department)))
    with pytest.raises(ImportRefused):
        apply_import(db.session, preview, admin_user())
    db.session.rollback()
    assert (people_count(), db.session.scalar(select(func.count()).select_from(Department))) == before
    assert person("nia.brooks@example.com") is None


# ---------------------------------------------------------------- through the pages
def upload(admin, data: bytes):
    return admin.post(
        "/admin/people/import", {"file": (io.BytesIO(data), "hr.csv")}, content_type="multipart/form-data"
    )


def test_admin_uploads_the_file_sees_the_preview_and_imports(app, login):
    admin = login("admin")
    response = upload(admin, csv_file("E3001,Nia Brooks,nia.brooks@example.com,manager@example.com,Sales,CC-1100"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ready to import 1 people: 1 new, 0 updated, 0 unchanged." in text_of(page)
    assert ">Import</button>" in page
    with app.app_context():
        assert person("nia.brooks@example.com") is None  # nothing saved by the preview
    confirm = admin.post("/admin/people/import/confirm", form_values(page))
    assert confirm.status_code == 302 and confirm.headers["Location"] == "/admin/people"
    with app.app_context():
        assert person("nia.brooks@example.com").manager.email == "manager@example.com"
    assert "Imported 1 people: 1 new, 0 updated, 0 unchanged." in admin.get("/admin/people").get_data(as_text=True)


def test_a_refused_file_shows_every_reason_and_offers_no_import_button(login):
    response = upload(
        login("admin"),
        csv_file(
            "E3001,Nia Brooks,nia.brooks@example.com,nobody@example.com,Sales,",
            "E3002,Ari Cole,ari.cole@example.com,bo.grant@example.com,Sales,",
            "E3003,Bo Grant,bo.grant@example.com,ari.cole@example.com,Sales,",
        ),
    )
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Nothing can be imported" in page
    assert "Row 2 (Nia Brooks): the manager email nobody@example.com is not in the file or in Dialtone." in page
    assert "Row 3 (Ari Cole): the management chain loops: Ari Cole → Bo Grant → Ari Cole." in page
    assert "Import</button>" not in response.get_data(as_text=True).replace("Preview import</button>", "")


def test_the_import_checks_the_file_again_so_a_changed_file_is_refused(app, login):
    import base64

    admin = login("admin")
    page = upload(admin, csv_file("E3001,Nia Brooks,nia.brooks@example.com,,Sales,")).get_data(as_text=True)
    tampered = form_values(page) | {"csv": base64.b64encode(csv_file("E3001,Nia Brooks,nia@,,Sales,")).decode()}
    response = admin.post("/admin/people/import/confirm", tampered)
    assert response.status_code == 422 and "is not a valid email address" in text_of(response.get_data(as_text=True))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.name == "Nia Brooks")) == 0


def test_uploading_without_a_file_says_to_choose_one(login):
    response = login("admin").post("/admin/people/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the HR file (CSV) to upload." in response.get_data(as_text=True)


def test_cost_centers_in_the_file_are_matched_by_code_or_name(db_session):
    preview = preview_import(db.session, csv_file("E3001,Nia Brooks,nia.brooks@example.com,,Sales,sales"))
    assert preview.ok and preview.new_cost_centers == []
    apply_import(db.session, preview, admin_user())
    db.session.commit()
    assert person("nia.brooks@example.com").cost_center == db.session.scalar(
        select(CostCenter).where(CostCenter.code == "CC-1100")
    )
