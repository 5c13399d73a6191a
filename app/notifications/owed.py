"""What an order event owes: its Notification rows, rendered, and either pending or recorded as not sent with the
reason. It runs inside the event's own transaction (see app.notifications.outbox), so an event is never
committed without its emails."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.models import Notification, NotificationStatus, OrderEvent, User
from app.notifications.milestones import MILESTONES, RULES, Milestone, switches
from app.notifications.rendering import render_email


def notifications_for(
    session: Session, event: OrderEvent, now: datetime, switched: dict[str, bool] | None = None
) -> list[Notification]:
    """The emails `event` owes, rendered: one per milestone per address. Not added to the session."""
    switched = switched if switched is not None else switches(session)
    made: list[Notification] = []
    for key, audience in RULES.get(event.kind, ()):
        milestone = MILESTONES[key]
        seen: set[str] = set()
        for recipient in audience(session, event):
            person = recipient.user
            address = (person.email or "").strip().lower()
            if not address or address in seen or not person.active:
                continue
            seen.add(address)
            email = render_email(session, event, milestone, recipient)
            reason = why_not_sent(milestone, person, switched)
            made.append(
                Notification(
                    event=event,
                    order_id=event.order_id,
                    milestone=key,
                    recipient=person,
                    email=address,
                    subject=email.subject[:250],
                    body_text=email.text,
                    body_html=email.html,
                    status=NotificationStatus.NOT_SENT if reason else NotificationStatus.PENDING,
                    last_error=reason,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    return made


def why_not_sent(milestone: Milestone, person: User, switched: dict[str, bool]) -> str:
    """Why this email is recorded but not sent ("" when it should go)."""
    if not switched.get(milestone.key, True):
        return f"The “{milestone.label}” milestone is switched off."
    if not milestone.asks_to_act and not person.informational_emails:
        return f"{person.name} turned off informational emails."
    return ""
