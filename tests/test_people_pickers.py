"""Choosing a person in a company too large to list: the "Ordering for" list of New order and the "Assign to"
field of Assign line offer a bounded list and a search, with JavaScript and without, and checking an Assign line
order again at approval reads the person it names, not everyone."""

from __future__ import annotations

import html
import re

from sqlalchemy import event, select

from app import clock
from app.extensions import db
from app.inventory.search import PEOPLE_FOUND
from app.models import Order, User
from app.orders import service
from app.web.orders.routes import PEOPLE_LISTED
from tests.support.approvals import submit
from tests.support.ordering import ERIN, errors_of, fill

EXTRA = PEOPLE_LISTED + 10  # more people than a list offers, all sorting before the demo company by name


def hire_many(app, manager: str = "manager@example.com") -> None:
    """EXTRA people named "Aaron Filler …", reporting to `manager`: the first by name, so a list cut in the database
    lists them alone."""
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.email == manager))
        for i in range(EXTRA):
            someone = User(email=f"aaron.filler{i:03}@example.com", name=f"Aaron Filler {i:03}", manager=boss)
            someone.set_password("demo")
            db.session.add(someone)
        db.session.commit()


def options_of(page: str, select_id: str) -> list[str]:
    """The texts of the options of the select `select_id` on `page`."""
    found = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no select #{select_id}"
    return [html.unescape(text).strip() for text in re.findall(r"<option[^>]*>([^<]*)</option>", found.group(1))]


def found_note(page: str, search_id: str) -> str:
    """What the note beside the search box `search_id` says (that the search found nobody), or ''."""
    found = re.search(rf'<small id="{search_id}-found"[^>]*>([^<]*)</small>', page)
    assert found, f"no note beside #{search_id}"
    return html.unescape(found.group(1)).strip()


# ---------------------------------------------------------------- New order: "Ordering for"
def test_the_helpdesk_s_ordering_for_list_is_cut_and_the_search_finds_anyone(app, login, demo):
    hire_many(app)
    hana = login("helpdesk")
    page = hana.get("/orders/new").get_data(as_text=True)
    listed = options_of(page, "for")
    assert len(listed) == PEOPLE_LISTED + 1 and listed[0] == "Hana Kim (me)"  # herself, then the first 50
    assert all(name.startswith("Aaron Filler") for name in listed[1:]) and "Iris Sato" not in listed
    assert f"The list shows the first {PEOPLE_LISTED} people by name" in page
    no_js = hana.get("/orders/new?person=sato").get_data(as_text=True)  # Enter in the search box
    assert "Iris Sato" in options_of(no_js, "for") and "Order for Iris Sato" in no_js
    assert "No one you may order for matches" not in no_js and "The list shows the first" not in no_js
    found = hana.get("/orders/people?person=filler").get_data(as_text=True)  # as she types
    assert found.count("Order for Aaron Filler") == PEOPLE_FOUND


def test_whom_one_may_order_for_is_cut_in_the_database(app, login, demo):
    hire_many(app)
    with app.app_context():
        hana = db.session.scalar(select(User).where(User.email == "helpdesk@example.com"))
        marco = db.session.scalar(select(User).where(User.email == "manager@example.com"))
        loaded: list[int] = []

        def count(target, _context) -> None:
            loaded.append(target.id)

        event.listen(User, "load", count)
        try:
            people = service.orderable_people(db.session, hana, limit=5)
            found = service.orderable_people(db.session, hana, "filler", limit=3)
            team = service.orderable_people(db.session, marco, limit=5)  # a manager: the people below him
            team_found = service.orderable_people(db.session, marco, "filler", limit=3)
        finally:
            event.remove(User, "load", count)
        assert people[0] == hana and len(people) == 6 and len(found) == 3
        assert team[0] == marco and len(team) == 6
        assert [p.name for p in team_found] == [f"Aaron Filler {i:03}" for i in range(3)]
        assert len(loaded) <= 5 + 3 + 5 + 3  # the people listed, not the company nor the whole team


# ---------------------------------------------------------------- Assign line: "Assign to"
def test_assign_to_lists_no_one_until_searched_and_finds_anyone_without_javascript(app, login, demo):
    hire_many(app)
    hana = login("helpdesk")
    url = f"/orders/new/assign_line?for={demo.user(ERIN)}"
    page = hana.get(url).get_data(as_text=True)
    assert options_of(page, "new_employee") == ["Choose a person"]
    assert 'aria-controls="new_employee"' in page and ">Find people</button>" in page
    found = hana.post(url, {"line": demo.line_of(ERIN), "new_employee_search": "sato", "action": "find"})
    page = found.get_data(as_text=True)
    assert found.status_code == 200 and not errors_of(found)  # finding is not answering: no errors yet
    assert options_of(page, "new_employee") == ["Choose a person", "Iris Sato · iris.sato@example.com"]
    many = hana.post(url, {"line": demo.line_of(ERIN), "new_employee_search": "filler", "action": "find"})
    assert len(options_of(many.get_data(as_text=True), "new_employee")) == PEOPLE_FOUND + 1
    nobody = hana.post(url, {"line": demo.line_of(ERIN), "new_employee_search": "zzzz", "action": "find"})
    assert options_of(nobody.get_data(as_text=True), "new_employee") == ["Choose a person"]
    assert found_note(nobody.get_data(as_text=True), "new_employee_search") == "No one matches “zzzz”."
    assert found_note(page, "new_employee_search") == ""


def test_assign_to_refreshes_its_choices_as_one_types_and_keeps_the_one_chosen(app, login, demo):
    hana = login("helpdesk")
    iris = demo.user("iris.sato@example.com")
    url = f"/orders/new/assign_line?for={demo.user(ERIN)}"
    hana.get(url)
    answers = {"line": demo.line_of(ERIN), "new_employee": iris, "new_employee_search": "priya"}
    fragment = hana.post(url + "&refresh=1", answers, headers={"HX-Request": "true"}).get_data(as_text=True)
    chosen = options_of(fragment, "new_employee")
    assert chosen[1] == "Iris Sato · iris.sato@example.com" and "Priya Raman · priya.raman@example.com" in chosen
    assert re.search(rf'<option selected value="{iris}"|<option value="{iris}" selected', fragment)


def test_the_search_is_no_answer_and_a_person_who_left_is_refused(app, login, demo):
    hana = login("helpdesk")
    manager = demo.user("manager@example.com")
    answers = {"line": demo.line_of(ERIN), "new_employee": manager, "new_employee_search": "marco"}
    review = fill(hana, "assign_line", answers, for_user=demo.user(ERIN))
    assert review.status_code == 302, errors_of(review)
    page = hana.get(review.headers["Location"]).get_data(as_text=True)
    assert "Assign to" in page and "Find the person" not in page
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.type == "assign_line").order_by(Order.id.desc()))
        assert order.details["new_employee"] == manager and "new_employee_search" not in order.details
        db.session.get(User, manager).active = False
        db.session.commit()
    refused = fill(hana, "assign_line", {**answers, "new_employee_search": ""}, for_user=demo.user(ERIN))
    assert refused.status_code == 422
    assert "That person is no longer with the company: choose someone else." in errors_of(refused)


def test_checking_an_assign_line_order_again_reads_the_person_it_names_not_everyone(app, login, demo):
    number = submit(login, demo, code="assign_line")
    hire_many(app)
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        loaded: list[int] = []

        def count(target, _context) -> None:
            loaded.append(target.id)

        event.listen(User, "load", count)
        try:
            problems = service.check(db.session, order, order.requester, today=clock.today())
        finally:
            event.remove(User, "load", count)
        assert problems == {}
        assert len(loaded) < 10, f"{len(loaded)} people read to check one order"


# ---------------------------------------------------------------- the other person pickers
def test_a_delegate_is_found_by_searching_and_only_someone_who_may_approve(app, login, demo):
    hire_many(app)  # sixty people who approve nothing
    marco = login("manager")
    page = marco.get("/approvals/away").get_data(as_text=True)
    assert options_of(page, "delegate") == ["Choose a person"]
    found = marco.post("/approvals/away", {"delegate_search": "sofia", "find": "1"})
    assert found.status_code == 200 and not errors_of(found)
    assert "Sofia Alvarez · sofia.alvarez@example.com" in options_of(found.get_data(as_text=True), "delegate")
    nobody = marco.post("/approvals/away", {"delegate_search": "filler", "find": "1"})
    assert options_of(nobody.get_data(as_text=True), "delegate") == ["Choose a person"]
    assert found_note(nobody.get_data(as_text=True), "delegate_search") == "No one matches “filler”."
    days = {"starts_on": clock.today().isoformat(), "ends_on": clock.today().isoformat()}
    with app.app_context():
        filler = db.session.scalar(select(User.id).where(User.email == "aaron.filler000@example.com"))
    refused = marco.post("/approvals/away", {"delegate": str(filler), **days})
    assert refused.status_code == 422 and "Choose someone who may approve" in errors_of(refused)
    sofia = demo.user("sofia.alvarez@example.com")
    saved = marco.post("/approvals/away", {"delegate": str(sofia), **days})
    assert saved.status_code == 302
    assert "Sofia Alvarez" in marco.get("/approvals/away").get_data(as_text=True)


def test_a_person_s_manager_is_found_by_searching_and_the_manager_now_stays_offered(app, login, demo):
    hire_many(app)
    admin = login("admin")
    erin = demo.user(ERIN)
    page = admin.get(f"/admin/people/{erin}").get_data(as_text=True)
    assert options_of(page, "manager_id") == ["No manager (top of the chain)", "Marco Diaz · manager@example.com"]
    found = admin.post(
        f"/admin/people/{erin}",
        {
            "name": "Erin Park",
            "email": ERIN,
            "manager_id": str(demo.user("manager@example.com")),
            "manager_search": "sofia",
            "find": "1",
        },
    )
    assert found.status_code == 200 and not errors_of(found)
    offered = options_of(found.get_data(as_text=True), "manager_id")
    assert offered[1:] == ["Marco Diaz · manager@example.com", "Sofia Alvarez · sofia.alvarez@example.com"]
    with app.app_context():
        assert db.session.get(User, erin).manager.email == "manager@example.com"  # finding saved nothing
    answers = {"name": "Erin Park", "email": ERIN, "manager_search": "sofia"}
    sofia = demo.user("sofia.alvarez@example.com")
    chosen = admin.post(f"/admin/people/{erin}", {**answers, "manager_id": str(sofia), "find": "1"})
    assert found_note(chosen.get_data(as_text=True), "manager_search") == ""  # the one chosen matches too
    junk = admin.post(f"/admin/people/{erin}", {**answers, "manager_id": "-"})  # not an id: refused, not a crash
    assert junk.status_code == 422 and "Not a valid choice" in errors_of(junk)
    saved = admin.post(f"/admin/people/{erin}", {**answers, "manager_id": str(sofia)})
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(User, erin).manager.email == "sofia.alvarez@example.com"


def test_the_approval_policy_pages_name_a_person_found_by_searching(app, login, demo):
    hire_many(app)
    admin = login("admin")
    index = admin.get("/admin/approval-policies").get_data(as_text=True)
    assert options_of(index, "employee") == ["Choose a person"]
    found = admin.get("/admin/approval-policies?employee_search=erin&find=1").get_data(as_text=True)
    assert "Erin Park · employee@example.com" in options_of(found, "employee") and "try-result" not in found
    with app.app_context():
        from app.models import ApprovalPolicy

        policy_id = db.session.scalar(select(ApprovalPolicy.id).order_by(ApprovalPolicy.id))
    edit = admin.get(f"/admin/approval-policies/{policy_id}").get_data(as_text=True)
    assert options_of(edit, "user_id") == ["Nobody named"]
    step = admin.post(f"/admin/approval-policies/{policy_id}/steps", {"user_search": "sofia", "find": "1"})
    assert step.status_code == 200 and not errors_of(step)
    assert "Sofia Alvarez · sofia.alvarez@example.com" in options_of(step.get_data(as_text=True), "user_id")


def test_the_ordering_for_search_runs_the_same_statements_however_many_it_finds(app, login, demo):
    """Each person found shows their department: loaded with them, not one query per person found."""
    hana = login("helpdesk")
    hana.get("/orders/people?person=erin")  # the session's own statements settle first
    counted: list[int] = []
    with app.app_context():
        engine = db.engine

    def statements(url: str) -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page = hana.get(url).get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        counted.append(page.count("Order for "))
        return len(seen)

    one, many = statements("/orders/people?person=erin"), statements("/orders/people?person=e")
    assert counted[0] <= 2 and counted[1] > 5  # Erin (and a namesake); then people of several departments
    assert one == many


def test_a_search_sorts_only_the_people_it_found_first_by_name(app, login, demo, monkeypatch):
    """A search takes the people of at most PEOPLE_SORTED of the words it finds in the index of words (a person may
    have two: a name and an email that match), then the first by name among them: never the company walked in name
    order until enough match."""
    from app.inventory import search

    hire_many(app)
    monkeypatch.setattr(search, "PEOPLE_SORTED", 5, raising=False)
    with app.app_context():
        hana = db.session.scalar(select(User).where(User.email == "helpdesk@example.com"))
        found = service.orderable_people(db.session, hana, "filler", limit=PEOPLE_FOUND)
        picked = search.people_found(db.session, "filler", where=[User.active])
    names = [p.name for p in found]
    assert 1 <= len(names) <= 5 and names == sorted(names) and all(n.startswith("Aaron Filler") for n in names)
    assert [p.name for p in picked.people] == names and picked.matched
