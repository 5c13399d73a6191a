"""Choosing a person in a company too large to list: the "Ordering for" list of New order and the "Assign to"
field of Assign line offer a bounded list and a search, with JavaScript and without, and checking an Assign line
order again at approval reads the person it names, not everyone."""

from __future__ import annotations

import html
import re

from sqlalchemy import event, select

from app import clock
from app.extensions import db
from app.models import Order, User
from app.orders import service
from app.orders.types.parts import PEOPLE_FOUND
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
    assert options_of(nobody.get_data(as_text=True), "new_employee") == ["No one matches “zzzz”"]


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
