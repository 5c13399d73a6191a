"""A line whose phone was lost or stolen: one short report suspends it.

The report is a Suspend line order, drafted and submitted through the same rules as any other. How it is approved
is the company's policy (Admin › Settings): by default the policy itself approves it, and the line is suspended in
the records at once (its device marked lost or stolen) while the carrier's suspension follows; else it goes to the
approvers like any suspension. Either way a replacement device is ordered next (an Upgrade on that line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from werkzeug.datastructures import MultiDict

from app import formatting
from app.approvals.decisions import route
from app.commands.fulfilling import queue_hand_off
from app.commands.ordering import enter
from app.database import DbSession
from app.models import EventKind, Line, LineStatus, Order, User, get_setting
from app.orders import lifecycle, service
from app.orders.lifecycle import Party
from app.orders.service import OrderRefused
from app.orders.types import REGISTRY
from app.orders.types.base import SUSPENDED_AT_ONCE
from app.orders.types.forms import bind
from app.orders.types.lines import suspend_for_loss

KINDS = {"lost": "Lost", "stolen": "Stolen"}
AT_ONCE = "at_once"
APPROVAL_CHOICES = (
    (AT_ONCE, "At once: approved by this policy, the line suspended as soon as it is reported"),
    ("policies", "After approval, like any suspension (the approval policies decide who approves)"),
)
FAST_TRACKED = "Approved at once by the company's policy for lines reported lost or stolen."


@dataclass(frozen=True)
class LossReport:
    kind: str  # "lost" or "stolen"
    on: date | None
    what_happened: str = ""


def check(report: LossReport, line: Line, today: date) -> dict[str, str]:
    """What is wrong with the report, by field ({} when nothing)."""
    errors: dict[str, str] = {}
    if report.kind not in KINDS:
        errors["kind"] = "Say whether the phone was lost or stolen."
    if report.on is None:
        errors["lost_on"] = "Enter the day it happened."
    elif report.on > today:
        errors["lost_on"] = f"The day cannot be after today ({formatting.day(today)})."
    if len(report.what_happened) > 400:
        errors["what_happened"] = "Keep it to 400 characters."
    if line.status is not LineStatus.ACTIVE:
        errors["line"] = (
            f"{formatting.phone(line.number)} is {line.status.value.replace('_', ' ')}: only an active "
            "line is suspended for a loss."
        )
    return errors


def report_lost(session: DbSession, line: Line, person: User, report: LossReport) -> Order:
    """Report the line's phone lost or stolen, for its holder: the suspension is submitted, and approved and
    carried out in the records at once when the company's policy says so. Raises OrderRefused (errors by field)
    or OrderError (who may). The caller commits."""
    holder = line.employee
    if holder is None:
        raise service.OrderError(f"{formatting.phone(line.number)} has no holder to report it for.")
    ctx = service.context(session, person, holder)
    errors = check(report, line, ctx.today)
    if errors:
        raise OrderRefused(errors)
    word = KINDS[report.kind]
    what = report.what_happened.strip()
    order_type = REGISTRY["suspend"]
    answers = MultiDict({"line": str(line.id), "reason": f"{word}: {what}" if what else word, "planned_end": ""})
    form, valid = bind(order_type, ctx, answers, validate=True)
    if not valid:
        raise OrderRefused({name: str(f.errors[0]) for name, f in form._fields.items() if f.errors})
    order = service.save_draft(session, order_type, ctx, form, price=order_type.price(ctx))
    summary = list(order.details.get("_summary", []))
    summary.append([f"{word} on", formatting.day(report.on or ctx.today)])
    order.details = {
        **order.details,
        "lost_or_stolen": report.kind,
        "lost_on": (report.on or ctx.today).isoformat(),
        "_summary": summary,
    }
    session.flush()
    enter(session, order, person)
    if get_setting("lost_stolen_approval") == AT_ONCE:
        lifecycle.transition(session, order, EventKind.APPROVE, None, party=Party.SYSTEM, comment=FAST_TRACKED)
        suspend_for_loss(session, order, person)
        order.line_claim = None  # done in the records: the line is free for its replacement device's order
        queue_hand_off(session, order)
    else:
        route(session, order)
    return order


def suspended_at_once(order: Order) -> bool:
    return bool(order.details.get(SUSPENDED_AT_ONCE))
