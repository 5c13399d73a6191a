"""How an order is shown: the progress stepper and the words for its timeline events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.formatting import day
from app.models import EventKind, Order, OrderStatus
from app.orders import lifecycle
from app.orders.types import REGISTRY, WIRELINE, OrderType
from app.orders.types.base import WIRELINE_FACTS

S = OrderStatus


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current", "upcoming" or "stopped"


RANK = lifecycle.RANK
STOPPED_WORDS = {
    S.CANCELLATION_REQUESTED: "Cancellation requested",
    S.REJECTED: "Rejected",
    S.CANCELLED: "Cancelled",
    S.NEEDS_ATTENTION: "Needs attention",
    S.INFO_REQUESTED: "Information requested",
}


def milestones_of(order_type: OrderType | None) -> list[tuple[str, OrderStatus]]:
    """The milestones an order of this type passes: no carrier steps for internal types, no "Shipped" for types
    that ship nothing."""
    steps = [("Submitted", S.PENDING_APPROVAL), ("Approved", S.APPROVED)]
    if order_type is None or order_type.carrier_fulfilled:
        steps.append(("With carrier", S.WITH_CARRIER))
        if order_type is None or order_type.ships:
            steps.append(("Shipped", S.SHIPPED))
    return [*steps, ("Completed", S.COMPLETED)]


def progress_steps(order: Order) -> list[Step]:
    """Submitted → Approved → With carrier → Shipped → Completed (as the type goes), or where the order stopped.
    A wireline order shows its carrier's milestones instead of "Shipped" (see `wireline_steps`)."""
    order_type = REGISTRY.get(order.type)
    if order_type is not None and order_type.module == WIRELINE:
        return wireline_steps(order)
    return _status_steps(order, milestones_of(order_type))


def _status_steps(order: Order, milestones: list[tuple[str, OrderStatus]]) -> list[Step]:
    stopped = STOPPED_WORDS.get(order.status)
    reached = _furthest_milestone(order) if stopped else RANK[order.status]
    steps: list[Step] = []
    for label, status in milestones:
        if RANK[status] <= reached:
            steps.append(Step(label, "done"))
        elif stopped:
            steps.append(Step(stopped, "stopped"))
            if order.status in (S.REJECTED, S.CANCELLED):
                return steps
            stopped = None
            steps.append(Step(label, "upcoming"))
        elif not any(step.state == "current" for step in steps):
            steps.append(Step(label, "current"))
        else:
            steps.append(Step(label, "upcoming"))
    return steps


# A wireline order's milestones after "Acknowledged", as the carrier reports them (the events' kinds).
WIRELINE_MILESTONES = (
    ("foc", "FOC date"),
    ("site_survey", "Site survey"),
    ("install_scheduled", "Install scheduled"),
    ("installed", "Installed"),
    ("turned_up", "Turned up"),
)


def wireline_steps(order: Order) -> list[Step]:
    """Submitted → Approved → Acknowledged → FOC date → (Site survey) → Install scheduled → Installed → Turned up →
    Completed, each milestone with its date; the site survey only when there was one."""
    steps = _status_steps(order, [("Submitted", S.PENDING_APPROVAL), ("Approved", S.APPROVED)])
    if order.status in (S.REJECTED, S.CANCELLED) and any(s.state == "stopped" for s in steps):
        return steps
    seen = {e.kind for e in order.events}
    facts = order.details.get(WIRELINE_FACTS) or {}
    dated = {
        "foc": _on(facts.get("foc_on")),
        "site_survey": _on(facts.get("survey_on")),
        "install_scheduled": " ".join(x for x in (_on(facts.get("install_on")), facts.get("install_window", "")) if x),
        "installed": _on(facts.get("installed_on")),
    }
    done = order.status is S.COMPLETED
    carrier = [("Acknowledged", "place" in seen or order.status not in (S.APPROVED, *lifecycle.AWAITING_APPROVAL))]
    carrier += [
        (f"{label} {dated.get(kind, '')}".strip(), kind in seen or done)
        for kind, label in WIRELINE_MILESTONES
        if kind != "site_survey" or kind in seen
    ]
    carrier.append(("Completed", done))
    open_now = order.status not in lifecycle.FINAL and order.status not in lifecycle.STOPPED
    current_taken = any(s.state == "current" for s in steps)
    for label, reached in carrier:
        if reached:
            steps.append(Step(label, "done"))
        elif open_now and not current_taken and all(s.state == "done" for s in steps):
            steps.append(Step(label, "current"))
            current_taken = True
        else:
            steps.append(Step(label, "upcoming"))
    return steps


def _on(value: str | None) -> str:
    return day(date.fromisoformat(value)) if value else ""


def install_date(order: Order) -> tuple[str, str] | None:
    """The install date a wireline order's page shows first: (what it is, the date and window), or None."""
    order_type = REGISTRY.get(order.type)
    if order_type is None or order_type.module != WIRELINE:
        return None
    facts = order.details.get(WIRELINE_FACTS) or {}
    if facts.get("installed_on"):
        return "Installed on", _on(facts["installed_on"])
    if facts.get("install_on"):
        when = " ".join(x for x in (_on(facts["install_on"]), facts.get("install_window", "")) if x)
        return ("Install delayed to" if facts.get("jeopardy") else "Install scheduled for"), when
    if order.details.get("install_on"):
        return "Install requested for", _on(order.details["install_on"])
    return None


def _furthest_milestone(order: Order) -> int:
    """How far an order that stopped got, from its timeline."""
    furthest = RANK[S.PENDING_APPROVAL]
    for event in order.events:
        for value in (event.from_status, event.to_status):
            status = STATUSES.get(value or "")
            if status is not None and status not in lifecycle.STOPPED:
                furthest = max(furthest, RANK[status])
    return furthest


E = EventKind
KINDS = {kind.value: kind for kind in EventKind}
STATUSES = {status.value: status for status in OrderStatus}
EVENT_WORDS: dict[EventKind, str] = {
    E.SUBMIT: "Submitted",
    E.APPROVE_STEP: "Approved a step",
    E.APPROVE: "Approved",
    E.REJECT: "Rejected",
    E.REQUEST_INFO: "Asked for more information",
    E.PROVIDE_INFO: "Answered",
    E.CANCEL: "Cancelled",
    E.PLACE: "Placed with the carrier",
    E.SHIP: "Shipped",
    E.COMPLETE: "Completed",
    E.REPORT_PROBLEM: "Reported a problem",
    E.HOLD: "Cannot go ahead as it is",
    E.REQUEST_CANCEL: "Cancellation asked of the carrier",
    E.CONFIRM_CANCEL: "Cancelled by the carrier",
    E.REFUSE_CANCEL: "Too late to cancel: the carrier goes on",
    E.HANDED_OFF: "Handed to the carrier",
    E.ROUTING_NOTE: "Routing",
    E.NO_APPROVER: "No approver",
    E.CARRIER_UPDATE: "Carrier update",
    E.BACKORDERED: "Backordered",
    E.DELIVERED: "Delivered",
    E.APPROVAL_REMINDER: "Approval reminder",
    E.APPROVAL_ESCALATED: "Approval escalated",
    E.CARRIER_UPDATE_FAILED: "A carrier update could not be applied",
    E.NOTE: "Note",
    E.TOOK_EFFECT: "Took effect on its date",
    E.DATED_CHANGE_FAILED: "Could not take effect on its date",
    E.PLANNED_END_REMINDER: "Reminder: the planned end is near",
    E.RETURN_REMINDER: "Reminder: a device is due back",
    E.CARRIER_TRY: "Not through to the carrier yet",
    E.CARRIER_SEND_FAILED: "The carrier's API did not take it",
    E.MESSAGE: "Wrote in the conversation",
    E.ANSWER: "Answered the telecom team's question",
    E.FOC: "Firm order commitment (FOC) date",
    E.SITE_SURVEY: "Site survey",
    E.INSTALL_SCHEDULED: "Install scheduled",
    E.INSTALLED: "Installed",
    E.TURNED_UP: "Tested and turned up",
    E.JEOPARDY: "Jeopardy: delayed",
}


def event_label(kind: str) -> str:
    known = KINDS.get(kind)
    return EVENT_WORDS[known] if known is not None else kind.replace("_", " ").capitalize()


def carrier_refusal(order: Order) -> str | None:
    """What the carrier said when it refused the order, while the order is held or was cancelled after it."""
    if order.status not in (S.NEEDS_ATTENTION, S.CANCELLED):
        return None
    refusals = [e for e in order.events if e.kind == E.REPORT_PROBLEM.value and (e.data or {}).get("refused")]
    return refusals[-1].comment if refusals else None


def outside_area_code(order: Order) -> str | None:
    """The area code the order asked for, when the number the carrier gave is outside it (else None)."""
    wanted = order.details.get("preferred_area_code")
    number = order.service_number or ""
    return wanted if wanted and number.startswith("+1") and number[2:5] != wanted else None
