"""In Chromium: one conversation per order. Tara's question from the console reaches Erin by email and on her home
page; Erin answers with a photo; Tara sees both, and a message Erin writes appears on Tara's open page by itself.
Marco approves from the email's link without signing in first; a rejected order is changed and resubmitted."""

import base64
import re
from urllib.parse import urlsplit

from sqlalchemy import select

from app.extensions import db
from app.models import Approval, ApprovalStatus, Order, OrderStatus, User
from tests.support.fulfilment import approved
from tests.support.helpers import DEMO_USERS
from tests.support.notifications import run_send_jobs
from tests.support.ordering import Demo, place, valid_orders

ERIN, MARCO, TARA = DEMO_USERS["employee"], DEMO_USERS["manager"], DEMO_USERS["telecom"]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def link_path(text: str, label: str) -> str:
    """The path of the link an email's text gives after `label` (the email's host is the configured BASE_URL)."""
    match = re.search(re.escape(label) + r"[^\n]*?(https?://\S+)", text)
    assert match, f"no link after {label!r} in:\n{text}"
    parts = urlsplit(match.group(1))
    return parts.path + (f"#{parts.fragment}" if parts.fragment else "")


def test_taras_question_reaches_erin_who_answers_with_a_photo_and_tara_sees_both(app, login, new_page, smtp):
    demo = Demo(app)
    number = approved(app, login, demo, "new_line")

    tara = new_page()
    tara.sign_in(TARA)
    tara.goto(f"/fulfillment/orders/{number}")
    tara.get_by_label("Carrier's order reference").fill("CM-7781")
    tara.get_by_role("button", name="Mark as placed").click()
    tara.get_by_text(f"{number} marked as placed").wait_for()
    tara.get_by_label("What is the problem?").fill("The iPhone 16 is out of stock for six weeks.")
    tara.get_by_label(re.compile("^Question for the requester")).fill("Would a Galaxy S25 do instead?")
    tara.get_by_role("button", name="Report problem").click()
    tara.wait_for_load_state("load")
    tara.check()

    run_send_jobs(app)
    email = next(r for r in smtp.to(ERIN) if r.milestone == "team_question")
    assert "Would a Galaxy S25 do instead?" in email.text

    erin = new_page()
    erin.sign_in(ERIN)  # the home page: the question waits for her
    answers = erin.get_by_role("region", name="Answers to give")
    assert "Would a Galaxy S25 do instead?" in answers.inner_text()
    answers.get_by_role("link", name=f"Answer the question on {number}").click()
    erin.wait_for_load_state("load")
    erin.check()
    assert erin.url.endswith(link_path(email.text, f"Answer the question on {number}"))
    erin.get_by_label("Your answer").fill("Yes, a Galaxy S25 is fine. Here is the box I have now.")
    erin.get_by_label(re.compile("^Attach photos or PDFs")).first.set_input_files(
        files=[{"name": "box.png", "mimeType": "image/png", "buffer": PNG}]
    )
    erin.get_by_role("button", name="Send answer").click()
    erin.get_by_text("Answer sent to the telecom team.").wait_for()
    erin.check()
    conversation = erin.get_by_role("region", name="Conversation")
    assert "Would a Galaxy S25 do instead?" in conversation.inner_text()
    conversation.get_by_role("img", name=re.compile("^box.png, attached by Erin")).wait_for()

    tara.goto(f"/fulfillment/orders/{number}")  # the console: the question, the answer and the photo
    thread = tara.get_by_role("region", name="Conversation")
    assert "Would a Galaxy S25 do instead?" in thread.inner_text()
    assert "Yes, a Galaxy S25 is fine." in thread.inner_text()
    thread.get_by_role("img", name=re.compile("^box.png")).wait_for()
    run_send_jobs(app)
    assert any(r.milestone == "team_answered" for r in smtp.to(TARA))

    # Erin writes (HTMX: the thread is swapped in place); Tara's open page shows it by itself.
    erin.get_by_label("Message").fill("Could it arrive before Friday?")
    erin.get_by_role("button", name="Send message").click()
    conversation.get_by_text("Could it arrive before Friday?").wait_for()
    assert erin.get_by_label("Message").input_value() == ""
    thread.get_by_text("Could it arrive before Friday?").wait_for(timeout=30_000)
    tara.check()
    erin.screenshot_for_docs("order-conversation")


def test_marco_approves_from_the_email_link_without_signing_in(app, login, new_page, smtp):
    demo = Demo(app)
    role, data, _ = valid_orders(demo)["new_line"]
    number = place(login(role), "new_line", data)
    run_send_jobs(app)
    email = next(r for r in smtp.to(MARCO) if r.milestone == "approval_needed" and number in r.subject)

    marco = new_page()  # not signed in
    marco.goto(link_path(email.text, f"Approve {number}:"))
    assert marco.get_by_role("heading", level=1).inner_text() == f"Approve {number}?"
    marco.get_by_role("button", name=f"Approve {number}").click()
    marco.get_by_role("heading", name=f"Approved: {number}").wait_for()
    marco.check()
    marco.goto(link_path(email.text, f"Approve {number}:"))  # a second time: it says so plainly
    assert marco.get_by_role("heading", level=1).inner_text() == "This link cannot be used"
    with app.app_context():
        decided = db.session.scalars(
            select(Approval.status)
            .join(Order)
            .join(User, User.id == Approval.decided_by_id)
            .where(Order.number == number, User.email == MARCO)
        ).all()
    assert decided == [ApprovalStatus.APPROVED]


def test_a_rejected_order_is_changed_and_resubmitted(app, login, new_page):
    demo = Demo(app)
    role, data, _ = valid_orders(demo)["new_line"]
    number = place(login(role), "new_line", data)

    marco = new_page()
    marco.sign_in(MARCO)
    marco.goto("/approvals")
    marco.get_by_role("link", name=f"Open {number}").click()
    panel = marco.locator(".approval-panel")
    panel.get_by_label("Reason for rejecting").fill("Take the plan with less data: you travel little.")
    panel.get_by_role("button", name="Reject").click()
    marco.get_by_text(f"Rejected {number}.").wait_for()
    marco.check()

    erin = new_page()
    erin.sign_in(ERIN)
    erin.goto(f"/orders/{number}")
    thread = erin.get_by_role("region", name="Conversation")
    assert "Take the plan with less data" in thread.inner_text()
    erin.get_by_role("button", name="Change and resubmit").click()
    erin.wait_for_load_state("load")
    erin.check()
    assert f"A copy of {number}" in erin.locator("main").inner_text()
    erin.get_by_role("button", name="Review order").click()
    erin.get_by_role("button", name="Submit order").click()
    erin.wait_for_url(re.compile(r".*/orders/WO-\d+$"))
    erin.check()
    new_number = erin.url.rsplit("/", 1)[1]
    assert new_number != number
    erin.get_by_role("link", name=number).wait_for()  # the new order links the old one
    with app.app_context():
        resubmitted = db.session.scalar(select(Order).where(Order.number == new_number))
        assert resubmitted.status is OrderStatus.PENDING_APPROVAL
        assert resubmitted.details["_copied_from"] == number
