"""Deciding from the email: the approval-needed email carries signed links, one for approving and one for
rejecting, that stand for that approver and that step. Opening one shows a confirmation page with the order's
summary and one button (pressing it is a POST with CSRF; opening the link changes nothing). A link works once —
the step is decided then —, for a week, and only while the step is still that person's to decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app import clock
from app.approvals.decisions import may_decide
from app.database import DbSession
from app.formatting import local_time
from app.models import Approval, ApprovalStatus, OrderStatus, User

SALT = "dialtone-approval-link"
LIFETIME = timedelta(days=7)
DECISIONS = ("approve", "reject")


class LinkRefused(Exception):
    """The link cannot be used: the message says why, in words for the person who clicked it."""


@dataclass(frozen=True)
class Link:
    step: Approval
    person: User
    decision: str  # "approve" or "reject"


class _ClockSigner(TimestampSigner):
    """Signs with the app's clock (app.clock), not the system's: a link's age is what the portal's time says."""

    def get_timestamp(self) -> int:
        return int(clock.now().replace(tzinfo=UTC).timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner)


def make(step: Approval, person: User, decision: str) -> str:
    """The signed token of a link for `person` to take `decision` on `step`."""
    if decision not in DECISIONS:
        raise ValueError(decision)
    return _serializer().dumps({"a": step.id, "u": person.id, "d": decision})


def read(session: DbSession, token: str) -> Link:
    """The step, person and decision a token stands for, or LinkRefused saying plainly why it no longer works."""
    try:
        data = _serializer().loads(token, max_age=int(LIFETIME.total_seconds()))
    except SignatureExpired:
        raise LinkRefused(
            "This link has expired: links in emails work for 7 days. Open the order from your approvals instead."
        ) from None
    except BadSignature:
        raise LinkRefused("This link is not valid: it may have been cut short when it was copied.") from None
    step = session.get(Approval, data.get("a")) if isinstance(data, dict) else None
    person = session.get(User, data.get("u")) if step is not None else None
    if step is None or person is None or not person.active or data.get("d") not in DECISIONS:
        raise LinkRefused("This link no longer leads to an approval.")
    if step.status is not ApprovalStatus.PENDING:
        who = f" by {step.decided_by.name}" if step.decided_by else ""
        when = f" on {local_time(step.decided_at)}" if step.decided_at else ""
        raise LinkRefused(f"This step of {step.order.number} was already decided{who}{when}: the link has been used.")
    if step.order.status is not OrderStatus.PENDING_APPROVAL:
        raise LinkRefused(f"{step.order.number} is {step.order.status.label.lower()}: there is nothing to decide now.")
    if not may_decide(step, person):
        raise LinkRefused("This step is no longer yours to decide (it was handed to someone else).")
    return Link(step, person, data["d"])
