"""One conversation per order: the fulfilment team's question reaches the requester (page, home, email) and her
answer reaches the team; approvers see the answers to their questions; anyone taking part writes, with photos and
PDFs that are checked by their content, kept outside the web root and shown only to those who may see the order."""

import base64
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from app import commands
from app.extensions import db
from app.models import Approval, ApprovalStatus, EventKind, Order, OrderAttachment, OrderStatus, User
from app.orders import attachments, conversation
from app.orders.attachments import AttachmentRefused, Upload
from app.orders.service import OrderError
from tests.support.fulfilment import approved
from tests.support.helpers import DEMO_USERS, Client
from tests.support.notifications import run_send_jobs
from tests.support.ordering import ERIN, place, valid_orders

TARA, MARCO, HANA = DEMO_USERS["telecom"], DEMO_USERS["manager"], DEMO_USERS["helpdesk"]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def person(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def outsider(order: Order) -> User:
    """Someone with no part in the order: not its people, their managers, its approvers or the staff."""
    return next(
        u
        for u in db.session.scalars(select(User).where(User.active).order_by(User.id))
        if not u.roles
        and u.id not in (order.requester_id, order.employee_id)
        and u not in order.employee.management_chain()
        and not conversation.may_write(db.session, order, u)
    )


def order_of(number: str) -> Order:
    return db.session.scalar(select(Order).where(Order.number == number).execution_options(populate_existing=True))


def team_asks(app, login, demo) -> str:
    """An approved new line that Tara sends back to Erin with a question from the console."""
    number = approved(app, login, demo, "new_line")
    tara = login("telecom")
    tara.post(f"/fulfillment/orders/{number}/placed", {"carrier_reference": "CM-1"})
    response = tara.post(
        f"/fulfillment/orders/{number}/problem",
        {"message": "Model out of stock for 6 weeks.", "question": "Would a Galaxy S25 do instead?"},
    )
    assert response.status_code == 302
    return number


# ---------------------------------------------------------------- the team's question and its answer
def test_the_teams_question_holds_the_order_until_the_requester_answers_with_a_photo(app, login, demo, smtp):
    number = team_asks(app, login, demo)
    run_send_jobs(app)
    asked = [r for r in smtp.to(ERIN) if r.milestone == "team_question"]
    assert len(asked) == 1
    assert "Would a Galaxy S25 do instead?" in asked[0].text
    assert "Model out of stock" not in asked[0].text  # the team's own note stays with the team
    assert f"/orders/{number}#order-question" in asked[0].text

    erin = login("employee")
    home = erin.get("/").get_data(as_text=True)
    assert f"Answer the question on {number}" in home and "Would a Galaxy S25 do instead?" in home
    page = erin.get(f"/orders/{number}").get_data(as_text=True)
    assert "Send answer" in page and "(telecom team) asks" in page

    response = erin.post(
        f"/orders/{number}/answer",
        {"answer": "Yes, a Galaxy S25 is fine.", "files": (BytesIO(PNG), "box.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        order = order_of(number)
        assert order.status is OrderStatus.NEEDS_ATTENTION  # the team carries on from here
        assert conversation.open_question(order) is None
        answer = order.events[-1]
        assert answer.kind == EventKind.ANSWER.value and answer.comment == "Yes, a Galaxy S25 is fine."
        assert [a.filename for a in answer.attachments] == ["box.png"]
        assert not any(number == o.number for o, _ in _answers_of(ERIN))
    run_send_jobs(app)
    told = [r for r in smtp.to(TARA) if r.milestone == "team_answered"]
    assert len(told) == 1 and "Yes, a Galaxy S25 is fine." in told[0].text and "box.png (PNG" in told[0].text
    console = login("telecom").get(f"/fulfillment/orders/{number}").get_data(as_text=True)
    assert "Would a Galaxy S25 do instead?" in console and "Yes, a Galaxy S25 is fine." in console
    assert "box.png" in console


def _answers_of(email: str):
    from app.dashboard import home

    return home.answers_to_give(db.session, person(email))


def test_an_approvers_question_and_its_answer_are_in_the_approvers_panel(app, login, demo):
    role, data, _ = valid_orders(demo)["new_line"]
    number = place(login(role), "new_line", data)
    with app.app_context():
        step = db.session.scalar(
            select(Approval).join(Order).where(Order.number == number, Approval.status == ApprovalStatus.PENDING)
        )
        approver, step_id = step.assignee.email, step.id
    marco = login("manager")
    assert approver == MARCO
    marco.post(f"/approvals/{step_id}/request-information", {"question": "Which office will you work from?"})
    erin = login("employee")
    erin.post(f"/orders/{number}/answer", {"answer": "The New York office."})
    panel = marco.get(f"/approvals/{step_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Which office will you work from?" in panel and "The New York office." in panel
    assert "Send message" in panel  # the approver can write back


def test_only_people_taking_part_write_and_a_message_changes_nothing_else(app, login, demo):
    number = approved(app, login, demo, "new_line")
    with app.app_context():
        order = order_of(number)
        version, updated = order.version, order.updated_at
        commands.write(db.session, order, person(TARA), "Ordered from the carrier today.")
        commands.write(db.session, order, person(MARCO), "Thanks, Tara.")  # he approved it
        db.session.commit()
        order = order_of(number)
        assert (order.version, order.updated_at) == (version, updated)  # no form someone is filling goes stale
        assert [e.text for e in conversation.thread(db.session, order)][-2:] == [
            "Ordered from the carrier today.",
            "Thanks, Tara.",
        ]
        stranger = outsider(order)
        with pytest.raises(OrderError, match="do not take part"):
            commands.write(db.session, order, stranger, "Hello")
        with pytest.raises(OrderError, match="Write your message"):
            commands.write(db.session, order, person(ERIN), "   ")
        with pytest.raises(OrderError, match="4,000 characters"):
            commands.write(db.session, order, person(ERIN), "x" * 4001)


def test_a_message_emails_every_other_participant_once(app, login, demo, smtp):
    number = approved(app, login, demo, "new_line")
    run_send_jobs(app)
    before = len(smtp.received)
    erin = login("employee")
    response = erin.post(f"/orders/{number}/messages", {"message": "Could it come before Friday?"})
    assert response.status_code == 302
    run_send_jobs(app)
    sent = [r for r in smtp.received[before:] if r.milestone == "message"]
    recipients = sorted(r.to[0] for r in sent)
    assert ERIN not in recipients  # not to its author
    assert MARCO in recipients  # the approver
    assert TARA in recipients  # the order is with the team, and no team member has acted on it yet
    assert len(recipients) == len(set(recipients))  # one email per person for the one entry
    assert all("Could it come before Friday?" in r.text for r in sent)


def test_the_page_keeps_up_with_new_entries_and_says_when_there_is_nothing_new(app, login, demo):
    number = approved(app, login, demo, "new_line")
    erin = login("employee")
    response = erin.get(f"/orders/{number}/conversation?after=0", headers={"HX-Request": "true"})
    assert response.status_code == 204  # nothing written yet: nothing to swap
    login("telecom").post(f"/orders/{number}/messages", {"message": "On its way to the carrier."})
    response = erin.get(f"/orders/{number}/conversation?after=0", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "On its way to the carrier." in response.get_data(as_text=True)
    with app.app_context():
        last = conversation.thread(db.session, order_of(number))[-1].id
    assert erin.get(f"/orders/{number}/conversation?after={last}").status_code == 204


def test_a_refused_message_keeps_what_was_typed_with_the_error_beside_the_field(app, login, demo):
    number = approved(app, login, demo, "new_line")
    erin = login("employee")
    response = erin.post(
        f"/orders/{number}/messages",
        {"message": "Here is the receipt.", "files": (BytesIO(b"MZ\x90\x00 not a picture"), "receipt.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "receipt.jpg is not a photo (PNG, JPEG, GIF or WebP) or a PDF" in page
    assert "Here is the receipt.</textarea>" in page
    with app.app_context():
        assert db.session.scalar(select(OrderAttachment)) is None
    response = erin.post(f"/orders/{number}/messages", {"message": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Write your message." in response.get_data(as_text=True)


# ---------------------------------------------------------------- attachments
def test_files_are_checked_by_content_and_size():
    assert attachments.check(Upload("scan.bin", PDF)) == "application/pdf"
    assert attachments.check(Upload("photo", PNG)) == "image/png"
    with pytest.raises(AttachmentRefused, match=r"^evil\.svg is not a photo"):
        attachments.check(Upload("evil.svg", b"<svg onload=alert(1)></svg>"))
    with pytest.raises(AttachmentRefused, match=r"big\.jpg is 10\.0 MB: attach files of 10 MB or less"):
        attachments.check(Upload("big.jpg", b"\xff\xd8\xff" + b"0" * attachments.MAX_BYTES))
    with pytest.raises(AttachmentRefused, match="empty.png is empty"):
        attachments.check(Upload("empty.png", b""))
    assert attachments.clean_name("C:\\Users\\erin\\..\\police\x00report.pdf") == "policereport.pdf"
    assert len(attachments.check_all([Upload(f"{i}.png", PNG) for i in range(4)])) == 1  # at most three


def test_files_are_kept_outside_the_web_root_and_served_only_to_those_who_may_see_the_order(app, login, demo):
    number = approved(app, login, demo, "new_line")
    erin = login("employee")
    erin.post(
        f"/orders/{number}/messages",
        {"message": "The police report and a photo.", "files": [(BytesIO(PDF), "report.pdf"), (BytesIO(PNG), "a.png")]},
        content_type="multipart/form-data",
    )
    with app.app_context():
        files = db.session.scalars(select(OrderAttachment).order_by(OrderAttachment.id)).all()
        assert [(f.filename, f.content_type) for f in files] == [
            ("report.pdf", "application/pdf"),
            ("a.png", "image/png"),
        ]
        stored = Path(app.config["ATTACHMENTS_DIR"]) / files[0].storage_key[:2] / files[0].storage_key
        assert stored.read_bytes() == PDF
        assert Path(app.static_folder or "") not in stored.parents
        pdf_id, png_id = files[0].id, files[1].id
    pdf = erin.get(f"/orders/{number}/attachments/{pdf_id}")
    assert pdf.status_code == 200 and pdf.data == PDF
    assert pdf.headers["Content-Disposition"].startswith("attachment")  # saved, never opened in the portal
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in pdf.headers["Content-Security-Policy"]
    png = login("telecom").get(f"/orders/{number}/attachments/{png_id}")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["Content-Disposition"].startswith("inline")
    hana_sees = login("helpdesk").get(f"/orders/{number}/attachments/{png_id}")
    assert hana_sees.status_code == 200  # the helpdesk sees every order
    with app.app_context():
        stranger = outsider(order_of(number)).email
    someone_else = Client(app)
    someone_else.sign_in(stranger)
    assert someone_else.get(f"/orders/{number}/attachments/{png_id}").status_code == 404
    assert someone_else.post(f"/orders/{number}/messages", {"message": "Hi"}).status_code == 404
