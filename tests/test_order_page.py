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
    assert (
        "1. Manager" in chain
        and "Marco Diaz" in chain
        and re.search(r"Waiting</span> for (less than a minute|\d+ min)", chain)
    )
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


def test_a_rejected_order_is_changed_and_resubmitted_as_a_new_order_linked_to_the_old(app, login, demo):
    from app import commands
    from app.models import Approval, ApprovalStatus, OrderStatus

    number = place(login("employee"), "change_plan", valid_orders(demo)["change_plan"][1])
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        step = db.session.scalar(
            select(Approval).where(Approval.order_id == order.id, Approval.status == ApprovalStatus.PENDING)
        )
        commands.reject(db.session, step, step.assignee, "Choose the 10 GB plan only if you travel.")
        db.session.commit()
    erin = login("employee")
    page = erin.get(f"/orders/{number}").get_data(as_text=True)
    assert "Change and resubmit" in page
    copied = erin.post(f"/orders/{number}/copy", {})
    assert copied.status_code == 302 and copied.headers["Location"].endswith("/edit")
    draft_number = copied.headers["Location"].split("/")[2]
    form = erin.get(f"/orders/{draft_number}/edit").get_data(as_text=True)
    assert f'A copy of <a href="/orders/{number}">{number}</a>' in form
    assert f'<option selected value="{demo.plan("northwind", "Business 10 GB")}"' in form
    review = erin.post(f"/orders/{draft_number}/edit", {**valid_orders(demo)["change_plan"][1], "action": "review"})
    assert review.status_code == 302
    erin.post(f"/orders/{draft_number}/submit", {})
    with app.app_context():
        resubmitted = db.session.scalar(select(Order).where(Order.number == draft_number))
        assert resubmitted.status is OrderStatus.PENDING_APPROVAL and resubmitted.details["_copied_from"] == number
    shown = erin.get(f"/orders/{draft_number}").get_data(as_text=True)
    assert f'<th scope="row">Copied from</th><td><a href="/orders/{number}">{number}</a>' in shown
