"""Hostile input: a script payload typed into every free-text field a person can reach — order notes, reasons,
addresses and account details, the cancel reason, approval comments, questions and answers, the fulfilment
team's notes, inventory edits, catalog names, policy names, people's names, the company name, search boxes —
is shown escaped on every page, every HTMX fragment and every email, never as markup."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Approval, ApprovalStatus, Line, Notification, Order, User
from tests.support.catalog import CASES
from tests.support.helpers import Client
from tests.support.ordering import place, valid_orders
from tests.support.pages import form_values
from tests.support.security import ROLES, build_world, crawl

PAYLOAD = """<script>alert(1)</script>"'><img src=x onerror=alert(1)>"""
SHORT = "<script>alert(2)</script>"  # for fields of 40 characters or fewer
# What would run if any of it reached a page unescaped.
LIVE = re.compile(r"<script>alert\(\d\)|<img src=x onerror|<x-live", re.I)
ESCAPED = html.escape("<script>alert(1)</script>")
ERIN, MARCO = "employee@example.com", "manager@example.com"


def _step(app, number: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Approval.id).join(Order).where(Order.number == number, Approval.status == ApprovalStatus.PENDING)
        )


def _ok(response, *codes):
    assert response.status_code in (codes or (302,)), (response.status_code, response.get_data(as_text=True)[:3000])
    return response


def _hostile_company(app, login, demo) -> dict:
    """Every reachable free-text field gets the payload, through the real pages; returns the world's ids."""
    admin, erin, marco, tara, helpdesk = (login(r) for r in ("admin", "employee", "manager", "telecom", "helpdesk"))
    # an order with notes, a justification and a shipping address, asked about, answered and approved
    new_line = {
        **valid_orders(demo)["new_line"][1],
        "notes": PAYLOAD,
        "justification": PAYLOAD,
        "ship_to": "other",
        "ship_street": PAYLOAD,
        "ship_city": PAYLOAD,
        "ship_state": "NY",
        "ship_postal_code": "10001",
    }
    ids = build_world(app, login, order_data=new_line)
    number = ids["number"]
    _ok(marco.post(f"/approvals/{ids['approval_id']}/request-information", {"question": PAYLOAD}))
    _ok(erin.post(f"/orders/{number}/answer", {"answer": PAYLOAD}))
    _ok(marco.post(f"/approvals/{ids['approval_id']}/approve", {"comment": PAYLOAD}))
    _ok(tara.post(f"/approvals/{_step(app, number)}/approve", {"comment": PAYLOAD}))
    # the fulfilment team's notes on it
    _ok(tara.post(f"/fulfillment/orders/{number}/placed", {"carrier_reference": PAYLOAD}))
    _ok(tara.post(f"/fulfillment/orders/{number}/problem", {"message": PAYLOAD, "question": PAYLOAD}))
    # a port-in with the account holder's name and account number; rejected with a reason
    port_in = {
        **valid_orders(demo)["port_in"][1],
        "account_holder": PAYLOAD[:60],
        "account_number": SHORT,
        "notes": PAYLOAD,
    }
    rejected = place(erin, "port_in", port_in)
    _ok(marco.post(f"/approvals/{_step(app, rejected)}/reject", {"reason": PAYLOAD}))
    # a suspension with a reason, cancelled with a reason; a warranty claim, cancelled by the carrier team
    cancelled = place(erin, "suspend", {"line": demo.line_of(ERIN), "reason": PAYLOAD})
    _ok(erin.post(f"/orders/{cancelled}/cancel", {"reason": PAYLOAD}))
    # inventory edits by the helpdesk
    with app.app_context():
        line = db.session.get(Line, demo.line_of(ERIN))
        line_id, device_id = line.id, line.device_id
    for kind, record_id, changes in (
        ("lines", line_id, {"account_number": SHORT, "suspend_reason": PAYLOAD}),
        ("devices", device_id, {"serial": SHORT}),
    ):
        page = helpdesk.get(f"/inventory/{kind}/{record_id}/edit").get_data(as_text=True)
        _ok(helpdesk.post(f"/inventory/{kind}/{record_id}/edit", {**form_values(page), **changes}))
    # the catalog, a policy, a person's name and the company's name, by the admin
    for kind, case in CASES.items():
        with app.app_context():
            data = case["new"]()
        data["name"] = f"{SHORT} {kind}"[:60]
        _ok(admin.post(f"/admin/catalog/{kind}/new", data), 302, 200)
    page = admin.get("/admin/approval-policies/new").get_data(as_text=True)
    _ok(admin.post("/admin/approval-policies/new", {**form_values(page), "name": PAYLOAD}))
    with app.app_context():
        erin_id = db.session.scalar(select(User.id).where(User.email == ERIN))
    page = admin.get(f"/admin/people/{erin_id}").get_data(as_text=True)
    _ok(admin.post(f"/admin/people/{erin_id}", {**form_values(page), "name": PAYLOAD}))
    page = admin.get("/admin/settings").get_data(as_text=True)
    _ok(admin.post("/admin/settings", {**form_values(page), "company_name": PAYLOAD}))
    return {**ids, "employee_id": erin_id}


REFLECTED = {
    "q": PAYLOAD,
    "status": PAYLOAD,
    "type": PAYLOAD,
    "requester": PAYLOAD,
    "tab": PAYLOAD,
    "page": PAYLOAD,
    "next": PAYLOAD,
    "part": PAYLOAD,
    "edit": PAYLOAD,
    "sort": PAYLOAD,
    "from": PAYLOAD,
    "to": PAYLOAD,
    "period": PAYLOAD,
    "carrier": PAYLOAD,
}


def test_a_script_payload_in_every_free_text_field_is_escaped_on_every_page_and_in_every_email(app, login, demo):
    ids = _hostile_company(app, login, demo)
    escaped_somewhere = 0
    for role in ROLES:
        client = Client(app) if role == "anonymous" else login(role)
        pages = crawl(client, app, ids, extra=["/login?next=" + PAYLOAD, "/admin/audit?page=2"])
        for url, response in pages.items():
            assert response.status_code != 500, url
            if not response.mimetype.startswith(("text/", "application/json")):
                continue  # the logo
            text = response.get_data(as_text=True)
            if response.mimetype in ("text/html", "application/json") or "htmx" in url:
                assert not LIVE.search(text), (
                    f"{role} {url}: the payload is live\n"
                    + text[max(0, LIVE.search(text).start() - 300) : LIVE.search(text).start() + 100]
                )
            escaped_somewhere += ESCAPED in text
            for header in ("HX-Trigger", "HX-Redirect", "Location"):
                value = response.headers.get(header, "")
                assert "<script" not in value or header == "HX-Trigger", (url, header)
    assert escaped_somewhere > 50  # the payload was really shown, escaped, on many pages
    with app.app_context():
        notes = db.session.scalars(select(Notification)).all()
        assert len(notes) > 5
        for note in notes:
            assert not LIVE.search(note.body_html), note.subject
            assert "\n" not in note.subject and "\r" not in note.subject
        assert any(ESCAPED in note.body_html for note in notes)  # the emails carried it, escaped
        assert any(PAYLOAD in note.body_text for note in notes)  # plain text shows it as typed (not HTML)


def test_search_boxes_and_filters_reflect_a_payload_only_escaped(app, login):
    ids = build_world(app, login)
    from urllib.parse import urlencode

    query = urlencode(REFLECTED)
    for role in ("employee", "telecom", "helpdesk", "admin"):
        client = login(role)
        pages = crawl(client, app, ids)
        for url in list(pages):
            if " (htmx)" in url or pages[url].status_code != 200:
                continue
            joined = url + ("&" if "?" in url else "?") + query
            for headers in ({}, {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}):
                response = client.get(joined, headers=headers)
                text = response.get_data(as_text=True) if response.mimetype.startswith("text/") else ""
                assert response.status_code < 500, (role, joined)
                assert not LIVE.search(text), (role, joined, headers)


# ---------------------------------------------------------------- text no database stores, lines no header takes
@pytest.mark.parametrize(
    "url",
    ["/orders/WO-000001%00", "/orders/WO-000001%00/review", "/fulfillment/orders/WO-000001%00", "/inventory/lines%00"],
)
def test_a_nul_in_the_address_is_refused_before_the_database(login, url):
    response = login("admin").get(url)
    assert response.status_code == 400
    assert "The address contains a character that cannot be used (a NUL)." in response.get_data(as_text=True)


def test_a_nul_in_a_carrier_api_address_is_a_json_400(app):
    response = app.test_client().get("/api/v1/orders/WO-000001%00", headers={"X-Dialtone-Carrier": "contoso"})
    assert response.status_code == 400 and response.get_json() == {"error": "the address holds a NUL character"}


def test_an_inventory_import_with_a_nul_in_a_cell_or_its_file_name_is_refused_with_a_message(app, login):
    import io

    from app.models import ImportBatch
    from tests.support.inventory import as_csv, new_row
    from tests.support.security import row_counts

    helpdesk = login("helpdesk")
    before = row_counts(app)
    text = as_csv([new_row(1, serial="SA\x0000000001")])
    cell = helpdesk.post(
        "/inventory/import", {"file": (io.BytesIO(text.encode()), "lines.csv")}, content_type="multipart/form-data"
    )
    assert cell.status_code == 422
    assert "The file contains a NUL character (on line 2): it is not a CSV text file." in html.unescape(
        cell.get_data(as_text=True)
    )
    named = helpdesk.post(
        "/inventory/import",
        {"file": (io.BytesIO(as_csv([new_row(2)]).encode()), "lines\x00.csv")},
        content_type="multipart/form-data",
    )
    assert named.status_code == 400
    assert "The name of the file you chose contains a character that cannot be stored" in named.get_data(as_text=True)
    assert row_counts(app) == before
    with app.app_context():
        assert db.session.scalars(select(ImportBatch)).all() == []


@pytest.mark.parametrize(
    "name,column",
    [
        ('"Nia Brooks\r\nBcc: everyone@example.com"', "name"),
        ('"Nia\nBrooks"', "name"),
        ("Nia\x00Brooks", "name"),
        ("Nia Brooks", "department"),
    ],
)
def test_the_hr_import_refuses_line_breaks_and_control_characters_in_a_name(app, login, name, column):
    """A name with a line break made every email to that person fail; a NUL cannot be stored."""
    import io

    department = '"Sa\r\nles"' if column == "department" else "Sales"
    data = f"employee id,name,email,manager email,department,cost center\nE3001,{name},nia@example.com,,{department},\n"
    admin = login("admin")
    response = admin.post(
        "/admin/people/import", {"file": (io.BytesIO(data.encode()), "hr.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    words = "name" if column == "name" else "department"
    assert f"the {words} contains a line break or another control character: keep each value on one line." in (
        html.unescape(response.get_data(as_text=True))
    )
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "nia@example.com")) is None


@pytest.mark.parametrize(
    "serial",
    ["＝HYPERLINK(1)", "\u200b=HYPERLINK(1)", "\ufeff+SUM(A1)", " =1+1", "\u2060@SUM(1)", "＠SUM(1)", "－1+1"],
)
def test_exports_neutralise_full_width_and_zero_width_prefixed_formulas(app, login, serial):
    import csv
    import io

    from app.inventory.exports import cell

    with app.app_context():
        line = db.session.scalar(
            select(Line).join(User, Line.employee_id == User.id).where(User.email == ERIN).order_by(Line.id)
        )
        line.device.serial = serial
        db.session.commit()
    exported = login("helpdesk").get("/inventory/lines.csv?q=erin").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert rows[0]["serial"] == "'" + serial
    assert cell("+1 212 555 0100") == "+1 212 555 0100" and cell("-12.5") == "-12.5"  # numbers stay numbers
    assert cell("Ｏｋ") == "Ｏｋ" and cell("a=b") == "a=b"
