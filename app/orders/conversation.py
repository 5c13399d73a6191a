"""One conversation per order: what the people taking part wrote to each other, in one thread.

The thread is drawn from the order's timeline: an approver's question and the answer to it, a rejection's reason,
the fulfilment team's question (a problem reported with a question for the requester), its answer, and the
messages anyone taking part writes. So a question asked anywhere is answered in one place, and the approver, the
requester and the team read the same words.

Who takes part: the requester, the person the order is for (and the helpdesk acting for them), every approver of
the order (the assignee, the delegate's principal, who decided, the members of a step's group), and the
fulfilment team. Plain module: a session, an order and a person in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.database import DbSession
from app.models import Approval, EventKind, Group, Order, OrderAttachment, OrderEvent, OrderStatus, Role, User, UserRole
from app.orders import lifecycle
from app.orders.lifecycle import Party
from app.orders.service import OrderError, may_change

E = EventKind
# The kinds of event the thread is drawn from (each still shown only when it has words: see _entry_of).
THREAD_KINDS = tuple(
    kind.value
    for kind in (
        E.MESSAGE,
        E.ANSWER,
        E.REQUEST_INFO,
        E.PROVIDE_INFO,
        E.REPORT_PROBLEM,
        E.REJECT,
        E.APPROVE,
        E.APPROVE_STEP,
        E.CANCEL,
    )
)
MAX_MESSAGE = 4000  # characters in one entry
# The order is at the fulfilment team's stage: a message from the requester's side reaches the whole team.
WITH_THE_TEAM = frozenset(
    {
        OrderStatus.APPROVED,
        OrderStatus.WITH_CARRIER,
        OrderStatus.SHIPPED,
        OrderStatus.NEEDS_ATTENTION,
        OrderStatus.CANCELLATION_REQUESTED,
    }
)


@dataclass(frozen=True)
class Entry:
    """One entry of the thread, as people read it."""

    event: OrderEvent
    kind: str  # "question", "answer", "rejection", "approval", "cancellation" or "message"
    text: str
    author: User | None
    attachments: list[OrderAttachment] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.event.id

    @property
    def label(self) -> str:
        return KIND_WORDS[self.kind]


KIND_WORDS = {
    "question": "Question",
    "answer": "Answer",
    "rejection": "Rejected",
    "approval": "Approved",
    "cancellation": "Cancelled",
    "message": "Message",
}


@dataclass(frozen=True)
class Question:
    """A question waiting for an answer from the requester's side; it holds the order until it is answered."""

    event: OrderEvent | None  # None: an order sent back with no question on record (older data)
    text: str
    asked_by: User | None
    from_team: bool  # the fulfilment team asked (the order needs attention), else an approver (info requested)


def _question_of(event: OrderEvent) -> str:
    """The question an event asks of the requester's side ("" for none)."""
    if event.kind == E.REQUEST_INFO.value:
        return event.comment
    if event.kind == E.REPORT_PROBLEM.value:
        return str((event.data or {}).get("question") or "")
    return ""


def entries(events: Iterable[OrderEvent]) -> list[Entry]:
    """The thread among an order's events (oldest first), with their authors and attachments."""
    thread: list[Entry] = []
    for event in events:
        kind, text = _entry_of(event)
        if kind:
            thread.append(Entry(event, kind, text, event.actor, list(event.attachments)))
    return thread


def thread(session: DbSession, order: Order, after: int = 0) -> list[Entry]:
    """The order's thread read from the database (its entries after event `after`): three queries in all."""
    events = session.scalars(
        select(OrderEvent)
        .where(OrderEvent.order_id == order.id, OrderEvent.id > after, OrderEvent.kind.in_(THREAD_KINDS))
        .options(joinedload(OrderEvent.actor), selectinload(OrderEvent.attachments))
        .order_by(OrderEvent.id)
    ).all()
    return entries(events)


def _entry_of(event: OrderEvent) -> tuple[str, str]:
    comment = (event.comment or "").strip()
    if event.kind in (E.MESSAGE.value,):
        return "message", comment
    if question := _question_of(event):
        return "question", question
    if event.kind in (E.PROVIDE_INFO.value, E.ANSWER.value):
        return "answer", comment
    if event.kind == E.REJECT.value and comment:
        return "rejection", comment
    if event.kind in (E.APPROVE.value, E.APPROVE_STEP.value) and comment:
        return "approval", comment
    if event.kind == E.CANCEL.value and comment and event.actor is not None:
        return "cancellation", comment
    return "", ""


def open_question(order: Order) -> Question | None:
    """The question that holds the order, while it waits for the requester's side to answer it."""
    if order.status is OrderStatus.INFO_REQUESTED:
        event = next((e for e in reversed(order.events) if e.kind == E.REQUEST_INFO.value), None)
        return Question(event, event.comment if event else "", event.actor if event else None, False)
    if order.status is not OrderStatus.NEEDS_ATTENTION:
        return None
    for event in reversed(order.events):
        if event.kind == E.ANSWER.value:
            return None  # the team's latest question was answered
        if event.kind == E.REPORT_PROBLEM.value:
            text = _question_of(event)
            return Question(event, text, event.actor, True) if text else None
    return None


def may_answer(order: Order, person: User) -> bool:
    """The requester's side answers: the requester, the person it is for, the helpdesk acting for them."""
    return may_change(order, person)


def _approver_ids(session: DbSession, order: Order) -> set[int]:
    """Everyone with a step on the order: assignee, principal, who decided, and the members of its group."""
    steps = session.scalars(
        select(Approval)
        .where(Approval.order_id == order.id)
        .options(selectinload(Approval.group).selectinload(Group.members))
    ).all()
    ids: set[int] = set()
    for step in steps:
        ids.update(i for i in (step.assignee_id, step.on_behalf_of_id, step.decided_by_id) if i)
        if step.group is not None and step.assignee_id is None:
            ids.update(member.id for member in step.group.members)
    return ids


def may_write(session: DbSession, order: Order, person: User) -> bool:
    """The requester's side, the approvers of the order and the fulfilment team (and administrators)."""
    if order.status is OrderStatus.DRAFT:
        return False
    if may_change(order, person) or person.is_fulfillment or person.is_admin:
        return True
    return person.id in _approver_ids(session, order)


def _check(session: DbSession, order: Order, person: User, text: str) -> str:
    text = (text or "").strip()
    if not may_write(session, order, person):
        raise OrderError("You do not take part in this order, so you cannot write on it.")
    if not text:
        raise OrderError("Write your message.")
    if len(text) > MAX_MESSAGE:
        raise OrderError(f"Keep it to {MAX_MESSAGE:,} characters (it has {len(text):,}).")
    return text


def write(session: DbSession, order: Order, person: User, text: str) -> OrderEvent:
    """Add a message to the order's thread. It changes nothing else (not even the order's version, so no form
    someone is filling in goes stale). The caller commits; the other participants are emailed with it."""
    text = _check(session, order, person, text)
    return _entry(session, order, E.MESSAGE, person, text)


def answer(
    session: DbSession, order: Order, person: User, text: str, *, expected_version: int | None = None
) -> OrderEvent:
    """Answer the question that holds the order. An approver's question: the order goes back to the same step
    and approver. The fulfilment team's: the answer is added for the team, and the order stays with them."""
    question = open_question(order)
    if question is None:
        raise OrderError(f"{order.number} has no question waiting for an answer.")
    if not may_answer(order, person):
        raise OrderError("Only the requester, the person it is for or the helpdesk can answer.")
    text = (text or "").strip()
    if not text:
        raise OrderError("Write your answer.")
    if len(text) > MAX_MESSAGE:
        raise OrderError(f"Keep it to {MAX_MESSAGE:,} characters (it has {len(text):,}).")
    if not question.from_team:
        return lifecycle.transition(
            session,
            order,
            E.PROVIDE_INFO,
            person,
            party=Party.REQUESTER,
            comment=text,
            expected_version=expected_version,
        )
    lifecycle.check_version(order, expected_version)
    asked = question.event.id if question.event is not None else None
    return _entry(session, order, E.ANSWER, person, text, {"question_event_id": asked})


def _entry(
    session: DbSession, order: Order, kind: EventKind, person: User, text: str, data: dict | None = None
) -> OrderEvent:
    return lifecycle.record(session, order, kind, person, comment=text, data=data, touch=False)


# ---------------------------------------------------------------- who hears of a new entry
def fulfilment_staff(session: DbSession) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.FULFILLMENT, User.active)
            .order_by(User.name)
        )
    )


def participants(session: DbSession, order: Order) -> list[User]:
    """The people who hear of a new entry: the requester and the person it is for, the approvers of the order,
    and the fulfilment team — its members who acted on the order, or the whole team once the order is theirs and
    none of them has yet."""
    people: dict[int, User] = {}

    def add(found: Iterable[User | None]) -> None:
        for person in found:
            if person is not None and person.active:
                people.setdefault(person.id, person)

    add([order.requester, order.employee])
    add(session.get(User, i) for i in sorted(_approver_ids(session, order)))
    team = fulfilment_staff(session)
    team_ids = {person.id for person in team}
    acted = [e.actor for e in order.events if e.actor is not None and e.actor_id in team_ids]
    if acted:
        add(acted)
    elif order.status in WITH_THE_TEAM:
        add(team)
    return list(people.values())


def listeners(session: DbSession, event: OrderEvent) -> list[User]:
    """Who is emailed about a new entry: every participant but its author."""
    return [person for person in participants(session, event.order) if person.id != event.actor_id]
