"""People: admins find anyone, change who they are and where they sit, deactivate them (they can no longer
sign in, their history stays) and are shown what is left to offboard."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Department, Group, Line, LineStatus, Role, Stipend, StipendStatus, User
from tests.support.pages import HTMX, field_error, form_values, input_value, text_of


def user_id(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def person_form(admin, person_id: int) -> dict:
    return form_values(admin.get(f"/admin/people/{person_id}").get_data(as_text=True))


def test_admin_finds_people_by_name_email_or_department(login):
    admin = login("admin")
    page = admin.get("/admin/people?q=erin").get_data(as_text=True)
    assert "<html" in page and ">Erin Park</a>" in page and ">Marco Diaz</a>" not in page
    fragment = admin.get("/admin/people?q=field+engineering", headers=HTMX).get_data(as_text=True)
    assert "<html" not in fragment and ">Rosa Mendes</a>" in fragment and ">Erin Park</a>" not in fragment
    assert "1 person matching" in text_of(admin.get("/admin/people?q=helpdesk@").get_data(as_text=True))


def test_admin_changes_a_persons_manager_department_roles_and_groups(app, login):
    admin = login("admin")
    erin, tara = user_id(app, "employee@example.com"), user_id(app, "telecom@example.com")
    with app.app_context():
        finance = db.session.scalar(select(Department.id).where(Department.name == "Finance"))
        telecom = db.session.scalar(select(Group.id).where(Group.name == "Telecom admins"))
    data = person_form(admin, erin) | {
        "name": "Erin Park-Lee",
        "department_id": str(finance),
        "manager_id": str(tara),
        "roles": ["helpdesk"],
        "groups": [str(telecom)],
    }
    response = admin.post(f"/admin/people/{erin}", data)
    assert response.status_code == 302
    with app.app_context():
        person = db.session.get(User, erin)
        assert (person.name, person.department.name, person.manager.name) == ("Erin Park-Lee", "Finance", "Tara Singh")
        assert person.roles == {Role.HELPDESK} and [g.name for g in person.groups] == ["Telecom admins"]
        entries = {e.action: e for e in db.session.scalars(select(AuditEntry))}
        assert entries["person.update"].details["changes"]["manager"] == ["Marco Diaz", "Tara Singh"]
        assert entries["roles.update"].details["roles"] == ["none", "helpdesk"]
    assert login("employee").get("/inventory/lines").status_code == 200  # the helpdesk role works at once


def test_an_email_someone_else_uses_is_refused_and_the_form_keeps_what_was_typed(app, login):
    admin = login("admin")
    erin = user_id(app, "employee@example.com")
    data = person_form(admin, erin) | {"name": "Erin P.", "email": "Manager@Example.com"}
    response = admin.post(f"/admin/people/{erin}", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(page, "email") == "Marco Diaz already uses manager@example.com."
    assert input_value(page, "name") == "Erin P."


def test_a_manager_who_reports_to_the_person_is_refused_as_a_loop(app, login):
    admin = login("admin")
    marco, erin = user_id(app, "manager@example.com"), user_id(app, "employee@example.com")
    page = admin.post(f"/admin/people/{marco}", person_form(admin, marco) | {"manager_id": str(erin)})
    assert field_error(page.get_data(as_text=True), "manager_id") == (
        "Erin Park reports to Marco Diaz, so Marco Diaz cannot report to Erin Park: the management chain would loop."
    )
    with app.app_context():
        assert db.session.get(User, marco).manager.name == "Sofia Alvarez"


def test_admins_cannot_remove_their_own_admin_role_or_deactivate_themselves(app, login):
    admin = login("admin")
    ada = user_id(app, "admin@example.com")
    data = person_form(admin, ada) | {"roles": []}
    page = admin.post(f"/admin/people/{ada}", data).get_data(as_text=True)
    assert "You cannot remove your own admin role: ask another admin." in page
    admin.post(f"/admin/people/{ada}/deactivate")
    assert "You cannot deactivate your own account" in admin.get(f"/admin/people/{ada}").get_data(as_text=True)
    with app.app_context():
        ada_now = db.session.get(User, ada)
        assert ada_now.active and Role.ADMIN in ada_now.roles


def test_a_deactivated_person_cannot_sign_in_and_their_history_stays(app, login, client):
    admin = login("admin")
    erin = user_id(app, "employee@example.com")
    with app.app_context():
        lines_before = db.session.scalars(select(Line.id).where(Line.employee_id == erin)).all()
    response = admin.post(f"/admin/people/{erin}/deactivate")
    assert response.status_code == 302
    assert client.post("/login", {"email": "employee@example.com", "password": "demo"}).status_code == 422
    with app.app_context():
        assert db.session.get(User, erin).active is False
        assert db.session.scalars(select(Line.id).where(Line.employee_id == erin)).all() == lines_before
        assert db.session.scalars(select(AuditEntry.action)).all() == ["person.deactivate"]
    admin.post(f"/admin/people/{erin}/reactivate")
    assert client.post("/login", {"email": "employee@example.com", "password": "demo"}).status_code == 302


def test_someone_signed_in_when_deactivated_is_signed_out_at_their_next_click(app, login):
    erin_session = login("employee")
    assert erin_session.get("/orders").status_code == 200
    login("admin").post(f"/admin/people/{user_id(app, 'employee@example.com')}/deactivate")
    response = erin_session.get("/orders")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_people_list_takes_the_same_number_of_queries_however_many_people_it_shows(app, login):
    from sqlalchemy import event

    admin = login("admin")
    with app.app_context():
        engine = db.engine

    def queries(url: str) -> int:
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert admin.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    assert queries("/admin/people") <= queries("/admin/people?q=erin") + 2  # groups: one query for the page


def test_deactivating_someone_with_lines_and_a_stipend_lists_the_offboarding_orders_to_start(app, login):
    with app.app_context():
        stipend = db.session.scalars(select(Stipend).where(Stipend.status == StipendStatus.ACTIVE)).first()
        person_id = stipend.employee_id
        live = db.session.scalars(
            select(Line).where(
                Line.employee_id == person_id, Line.status.in_([LineStatus.ACTIVE, LineStatus.SUSPENDED])
            )
        ).all()
        line_ids = [line.id for line in live]
    admin = login("admin")
    response = admin.post(f"/admin/people/{person_id}/deactivate")
    assert response.headers["Location"].endswith("#offboarding")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Offboarding" in page and "is deactivated but still has" in page
    for line_id in line_ids:
        assert f"/orders/new?type=disconnect&amp;line={line_id}&amp;for={person_id}" in page
        assert f"/orders/new?type=transfer_liability&amp;line={line_id}&amp;for={person_id}" in page
    assert f"/orders/new?type=stipend_remove&amp;for={person_id}" in page


def test_deactivating_a_manager_lists_their_reports_for_a_new_manager(app, login):
    marco = user_id(app, "manager@example.com")
    admin = login("admin")
    admin.post(f"/admin/people/{marco}/deactivate")
    page = admin.get(f"/admin/people/{marco}").get_data(as_text=True)
    assert "People who report to Marco Diaz" in page and "Erin Park</a>" in page


def test_an_active_person_has_no_offboarding_list(app, login):
    page = login("admin").get(f"/admin/people/{user_id(app, 'employee@example.com')}").get_data(as_text=True)
    assert 'id="offboarding"' not in page and ">Deactivate</button>" in page
