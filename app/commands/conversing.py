"""The order's conversation: anyone taking part writes, with files attached; the requester's side answers the
question that holds the order (an approver's or the fulfilment team's). Emails to the other participants follow
from the timeline through the outbox."""

from __future__ import annotations

from collections.abc import Sequence

from app.database import DbSession
from app.models import Order, OrderEvent, User
from app.orders import attachments, conversation
from app.orders.attachments import Upload


def write(session: DbSession, order: Order, person: User, text: str, uploads: Sequence[Upload] = ()) -> OrderEvent:
    """Add a message to the order's thread, with its attachments. Raises OrderError or AttachmentRefused, having
    stored nothing."""
    _check_uploads(uploads)
    event = conversation.write(session, order, person, text)
    attachments.attach(session, event, list(uploads), person)
    return event


def answer(
    session: DbSession,
    order: Order,
    person: User,
    text: str,
    uploads: Sequence[Upload] = (),
    *,
    expected_version: int | None = None,
) -> OrderEvent:
    """Answer the question that holds the order: an approver's goes back to the same step and approver; the
    fulfilment team's stays with the team, answered."""
    _check_uploads(uploads)
    event = conversation.answer(session, order, person, text, expected_version=expected_version)
    attachments.attach(session, event, list(uploads), person)
    return event


def _check_uploads(uploads: Sequence[Upload]) -> None:
    problems = attachments.check_all(list(uploads))
    if problems:
        raise attachments.AttachmentRefused(" ".join(problems))
