"""Emails from templates: each milestone's words in templates/emails/copy/<milestone>.jinja, laid out once as
HTML (emails/layout.html) and once as plain text (emails/layout.txt), with the order's facts.

The order's details come from `order.details["_summary"]`, which is already masked; `Order.secrets_encrypted`
is never read here. Links are absolute, built from BASE_URL, since an email is read outside the portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from app.approvals import links
from app.approvals.decisions import may_decide
from app.database import DbSession
from app.formatting import phone, without_hint
from app.models import Approval, OrderEvent, User, get_setting
from app.notifications.milestones import Milestone, Recipient
from app.orders import attachments
from app.orders.types import REGISTRY
from app.orders.types.base import WIRELINE_FACTS
from app.orders.types.wireline.effects import install_site


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


DECIDING = {"approval_needed", "approval_reminder", "approval_escalated"}  # emails asking someone to decide


def render_email(session: DbSession, event: OrderEvent, milestone: Milestone, recipient: Recipient) -> RenderedEmail:
    """The email `milestone` sends `recipient` about `event`."""
    env = current_app.jinja_env
    context = email_context(session, event, milestone, recipient)
    words = env.get_template(f"emails/copy/{milestone.key}.jinja").make_module(context)
    context.update(
        subject=_one_line(getattr(words, "subject")),  # each copy template sets these  # noqa: B009
        happened=getattr(words, "happened").strip(),  # noqa: B009
        next_step=getattr(words, "next_step").strip(),  # noqa: B009
        comment_label=getattr(words, "comment_label", "").strip(),
    )
    return RenderedEmail(
        subject=context["subject"],
        text=env.get_template("emails/layout.txt").render(context),
        html=env.get_template("emails/layout.html").render(context),
    )


def email_context(session: DbSession, event: OrderEvent, milestone: Milestone, recipient: Recipient) -> dict[str, Any]:
    """Everything the templates may show: the order's public facts, the event, and the links."""
    order = event.order
    base = current_app.config["BASE_URL"].rstrip("/")
    order_url = f"{base}/orders/{order.number}"
    approval = recipient.approval
    deciding = approval is not None and milestone.key in DECIDING and may_decide(approval, recipient.user)
    order_type = REGISTRY.get(order.type)
    data = event.data or {}
    details = [(without_hint(label), str(text)) for label, text in order.details.get("_summary", [])]
    return {
        "milestone": milestone,
        "order": order,
        "event": event,
        "person": recipient.user,
        "approval": approval,
        "actor_name": event.actor.name if event.actor else "",
        # the team's question is what the requester reads, not the problem it noted for itself
        "comment": str(data.get("question") if milestone.key == "team_question" else event.comment or "").strip(),
        "attachments": [attachments.describe(attachment) for attachment in event.attachments],
        "company_name": get_setting("company_name"),
        "type_name": order_type.name if order_type else order.type.replace("_", " ").capitalize(),
        "carrier_fulfilled": order_type.carrier_fulfilled if order_type else True,
        # the line, unless the order's own summary already names it
        "line_number": phone(order.line.number) if order.line and "Line" not in dict(details) else "",
        "for_someone_else": order.requester_id != order.employee_id,
        "details": details,
        "shipments": list(order.shipments),  # loaded once per order (with a batch of carrier updates, for all)
        "devices": sorted(order.reported_devices, key=lambda device: device.id),
        "service_number": phone(order.service_number) if order.service_number else "",
        "carrier_name": order.carrier.name if order.carrier else "the carrier",
        "carrier_reference": order.carrier_reference or data.get("carrier_reference") or "",
        "step": data.get("step"),
        "from_person": session.get(User, data["from_user_id"]) if data.get("from_user_id") else None,
        "to_person": session.get(User, data["to_user_id"]) if data.get("to_user_id") else None,
        "order_url": order_url,
        "action_url": _action_url(base, order_url, order.number or "", milestone, approval),
        # the step's decider may decide from the email itself (a confirmation page, no sign-in first)
        "approve_url": _decision_url(base, approval, recipient.user, "approve") if deciding else "",
        "reject_url": _decision_url(base, approval, recipient.user, "reject") if deciding else "",
        "action_label": _action_label(order.number or "", milestone, approval),
        "profile_url": f"{base}/profile",
        # wireline: the site the carrier installs at, and what the carrier reported (dates, window, circuit ID)
        "site": install_site(session, order),
        "wireline": order.details.get(WIRELINE_FACTS) or {},
    }


ANSWERING = {"info_requested", "team_question"}  # emails asking the requester's side to answer


def _action_url(base: str, order_url: str, number: str, milestone: Milestone, approval: Approval | None) -> str:
    if approval is not None:
        return f"{base}/approvals/{approval.id}"
    if milestone.key in ANSWERING:
        return f"{order_url}#order-question"
    if milestone.key == "team_answered":
        return f"{base}/fulfillment/orders/{number}"
    return order_url


def _action_label(number: str, milestone: Milestone, approval: Approval | None) -> str:
    if approval is not None:
        return "Open it in your approvals"
    if milestone.key in ANSWERING:
        return f"Answer the question on {number}"
    return f"Open order {number}"


def _decision_url(base: str, approval: Approval | None, person: User, decision: str) -> str:
    return f"{base}/approvals/email/{links.make(approval, person, decision)}" if approval is not None else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())
