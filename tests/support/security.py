"""Support for the security tests: the demo company plus one of everything a URL can name (an order waiting for
approval, a draft, an approval step, a delegation, an email, an import batch, a logo), every route's URL filled
with those real ids, and a crawl of every page a person may open."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app import clock
from app.extensions import db
from app.models import (
    Approval,
    ApprovalPolicy,
    ApprovalStatus,
    Carrier,
    CarrierRequest,
    Delegation,
    DeviceModel,
    ImportBatch,
    Line,
    Notification,
    Order,
    OrderStatus,
    Plan,
    Site,
    Stipend,
    User,
    WirelineService,
)
from tests.support.helpers import DEMO_USERS
from tests.support.ordering import Demo, fill, place, valid_orders

ROLES = ["anonymous", *DEMO_USERS]  # anonymous, employee, manager, telecom, helpdesk, admin
VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def build_world(app, login, *, order_data: dict | None = None, order_code: str = "new_line") -> dict[str, Any]:
    """Place Erin's order (waiting for Marco), save a draft, and add what the demo lacks; returns the ids."""
    demo = Demo(app)
    data = order_data or valid_orders(demo)[order_code][1]
    erin = login("employee")
    number = place(erin, order_code, data)
    draft = fill(erin, "change_plan", valid_orders(demo)["change_plan"][1], action="save_draft")
    assert draft.status_code == 302
    with app.app_context():
        from app.catalog.settings import set_company_logo

        order = db.session.scalar(select(Order).where(Order.number == number))
        draft_order = db.session.scalar(
            select(Order).where(Order.requester_id == order.requester_id, Order.status == OrderStatus.DRAFT)
        )
        step = db.session.scalar(
            select(Approval).where(Approval.order_id == order.id, Approval.status == ApprovalStatus.PENDING)
        )
        people = {
            role: db.session.scalar(select(User).where(User.email == email)) for role, email in DEMO_USERS.items()
        }
        erin_user, marco = people["employee"], people["manager"]
        line = db.session.scalar(select(Line).where(Line.employee_id == erin_user.id).order_by(Line.id))
        stipend = db.session.scalar(select(Stipend).order_by(Stipend.id))
        delegation = Delegation(
            user_id=marco.id,
            delegate_id=people["telecom"].id,
            starts_on=clock.today() + timedelta(days=30),
            ends_on=clock.today() + timedelta(days=35),
        )
        batch = ImportBatch(filename="lines.csv", content="number\n", uploaded_by=people["helpdesk"], row_count=0)
        # A send to a carrier's API on record (the order is not approved: nothing is sent again).
        carrier_request = CarrierRequest(
            order=order, kind="order", idempotency_key=f"{number}-hand-off", created_at=clock.now()
        )
        db.session.add_all([delegation, batch, carrier_request])
        from app import commands
        from app.orders.attachments import Upload

        message = commands.write(db.session, order, erin_user, "The receipt.", [Upload("receipt.png", PNG)])
        logo = set_company_logo(db.session, PNG, "logo.png", people["admin"])
        policy = db.session.scalar(select(ApprovalPolicy).order_by(ApprovalPolicy.priority, ApprovalPolicy.id))
        bystander = db.session.scalar(
            select(User)
            .where(User.email.notin_(list(DEMO_USERS.values())), User.manager_id.isnot(None))
            .order_by(User.id)
        )
        db.session.commit()
        notification = db.session.scalar(
            select(Notification.id).where(Notification.order_id == order.id).order_by(Notification.id)
        )
        return {
            "number": number,
            "draft": draft_order.number,
            "approval_id": step.id,
            "delegation_id": delegation.id,
            "notification_id": notification,
            "batch_id": batch.id,
            "file_id": logo.id,
            "picture_id": db.session.scalar(select(DeviceModel.picture_id).where(DeviceModel.picture_id.is_not(None))),
            "policy_id": policy.id,
            "step_id": policy.steps[0].id,
            "plan_id": db.session.scalar(select(Plan.id).order_by(Plan.id)),
            "carrier_id": db.session.scalar(select(Carrier.id).where(Carrier.code == "contoso")),
            "person_id": bystander.id,
            "employee_id": erin_user.id,
            "line_id": line.id,
            "device_id": line.device_id,
            "sim_id": line.sims[0].id,
            "stipend_id": stipend.id,
            "request_id": carrier_request.id,
            "attachment_id": message.attachments[0].id,
            "site_id": db.session.scalar(select(Site.id).order_by(Site.id)),
            "service_id": db.session.scalar(select(WirelineService.id).order_by(WirelineService.id)),
        }


DRAFT_ENDPOINTS = {"orders.edit", "orders.review", "orders.submit", "orders.delete"}


def url_for_rule(rule, ids: dict[str, Any]) -> str:
    """The rule's URL with every variable filled from `ids` (real records of the world)."""
    endpoint = rule.endpoint

    def value(match: re.Match) -> str:
        name = match["name"]
        if match["converter"] == "any":
            return match["options"].split(",")[0].strip()
        if name == "number":
            return ids["draft"] if endpoint in DRAFT_ENDPOINTS else ids["number"]
        if name == "item_id":
            return str(ids["carrier_id"] if "/carriers/" in rule.rule else ids["plan_id"])
        if name == "record_id":
            return str(ids["line_id"])
        if name == "kind":
            return "plans"
        if name == "code":
            return "new_line"
        if name == "filename":
            return "css/app.css"
        if name == "name":
            return "account_number"  # a line's field edited in place
        if name == "token":
            return "a-link-nobody-signed"  # an email's decision link, forged: refused for everyone
        return str(ids[name])

    return VARIABLE.sub(value, rule.rule)


def routes(app, method: str) -> list[tuple[str, str]]:
    """(endpoint, rule) for every rule that answers `method`."""
    return sorted(
        ((rule.endpoint, rule) for rule in app.url_map.iter_rules() if method in rule.methods),
        key=lambda pair: pair[1].rule,
    )


def get_urls(app, ids: dict[str, Any]) -> dict[str, str]:
    """endpoint → URL for every GET route."""
    return {endpoint: url_for_rule(rule, ids) for endpoint, rule in routes(app, "GET")}


def crawl(client, app, ids: dict[str, Any], *, extra: list[str] = ()) -> dict[str, Any]:
    """GET every GET route (and `extra` URLs), also as HTMX asks for fragments; returns url → response."""
    seen = {}
    for url in [*get_urls(app, ids).values(), *extra]:
        seen[url] = client.get(url)
        seen[url].get_data()  # streamed exports run to their end here, inside the request's context
        if seen[url].status_code == 200 and seen[url].mimetype == "text/html":
            seen[url + " (htmx)"] = client.get(
                url, headers={"HX-Request": "true", "HX-Current-URL": "http://localhost/"}
            )
            seen[url + " (htmx)"].get_data()
    return seen


def row_counts(app) -> dict[str, int]:
    """How many rows every table holds."""
    with app.app_context():
        counts = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
        return counts


def database_text(app) -> str:
    """Every value in every table, as text (to look for a secret stored in the clear)."""
    chunks = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(select(table)).all():
                chunks.extend(repr(value) for value in row)
        db.session.remove()
    return "\n".join(chunks)


__all__ = ["ROLES", "build_world", "url_for_rule", "routes", "get_urls", "crawl", "row_counts", "database_text"]
