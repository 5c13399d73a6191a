"""How an order is shown: the progress stepper and the words for its timeline events."""
from __future__ import annotations

from dataclasses import dataclass

from app.models import Order, OrderStatus
from app.orders.types import REGISTRY

S = OrderStatus


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current", "upcoming" or "stopped"


CARRIER_STEPS = (("Submitted", S.PENDING_APPROVAL), ("Approved", S.APPROVED), ("With carrier", S.WITH_CARRIER),
                 ("Shipped", S.SHIPPED), ("Completed", S.COMPLETED))
INTERNAL_STEPS = (("Submitted", S.PENDING_APPROVAL), ("Approved", S.APPROVED), ("Completed", S.COMPLETED))
RANK = {S.DRAFT: -1, S.PENDING_APPROVAL: 0, S.INFO_REQUESTED: 0, S.APPROVED: 1, S.WITH_CARRIER: 2,
        S.NEEDS_ATTENTION: 2, S.SHIPPED: 3, S.COMPLETED: 4}
STOPPED = {S.REJECTED: "Rejected", S.CANCELLED: "Cancelled", S.NEEDS_ATTENTION: "Needs attention",
           S.INFO_REQUESTED: "Information requested"}


def progress_steps(order: Order) -> list[Step]:
    """Submitted → Approved → With carrier → Shipped → Completed, or where the order stopped."""
    carrier = REGISTRY[order.type].carrier_fulfilled if order.type in REGISTRY else True
    milestones = CARRIER_STEPS if carrier else INTERNAL_STEPS
    stopped = STOPPED.get(order.status)
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


def _furthest_milestone(order: Order) -> int:
    """How far an order that stopped got, from its timeline."""
    furthest = 0
    for event in order.events:
        for value in (event.from_status, event.to_status):
            status = S._value2member_map_.get(value or "")
            if status is not None and status not in STOPPED:
                furthest = max(furthest, RANK.get(status, 0))
    return furthest


EVENT_WORDS = {
    "submitted": "Submitted", "submit": "Submitted", "approve_step": "Approved a step", "approve": "Approved",
    "reject": "Rejected", "request_info": "Asked for more information", "provide_info": "Answered",
    "cancel": "Cancelled", "place": "Placed with the carrier", "ship": "Shipped", "complete": "Completed",
    "report_problem": "Reported a problem", "note": "Note",
}


def event_label(kind: str) -> str:
    return EVENT_WORDS.get(kind, kind.replace("_", " ").capitalize())
