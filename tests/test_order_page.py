"""The order page tells the truth about where the order is: the approval chain (who decides each step, who
decided and when, whom it waits on and for how long), and forms that no longer apply go when the page updates."""

import re

from sqlalchemy import select

from app.extensions import db
from app.models import Order
from tests.support.factories import approve_all
from tests.support.ordering import place, valid_orders

HTMX = {"HX-Request": "true"}


def test_the_order_page_shows_the_approval_chain_and_whom_it_waits_on(app, login, demo):
    number = place(login("employee"), "change_plan", valid_orders(demo)["change_plan"][1])
    erin = login("employee")
    page = erin.get(f"/orders/{number}").get_data(as_text=True)
    chain = page[page.index('id="approvals-heading"') :]
    assert "1. Manager" in chain and "Marco Diaz" in chain and re.search(r"Waiting</span> for \d+ min", chain)
    with app.app_context():
        approve_all(db.session, db.session.scalar(select(Order).where(Order.number == number)))
    chain = erin.get(f"/orders/{number}").get_data(as_text=True)
    assert re.search(r"Approved</span> by [A-Z][a-z]+ [A-Z][a-z]+, \w{3} \d{2}, \d{4}", chain)


def test_a_status_refresh_takes_away_the_cancel_form_once_the_order_cannot_be_cancelled(app, login, demo):
    number = place(login("employee"), "stipend_enroll", valid_orders(demo)["stipend_enroll"][1])
    erin = login("employee")
    open_fragment = erin.get(f"/orders/{number}?part=status", headers=HTMX).get_data(as_text=True)
    assert 'id="cancel-order"' not in open_fragment  # still cancellable: the form stays as it is
    with app.app_context():
        approve_all(db.session, db.session.scalar(select(Order).where(Order.number == number)))  # completes it
    done = erin.get(f"/orders/{number}?part=status", headers=HTMX).get_data(as_text=True)
    assert '<div id="cancel-order" data-hx-swap-oob="true" hidden></div>' in done
