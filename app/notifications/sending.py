"""Sending: from the outbox to SMTP through Flask-Mail, once per notification, retried with backoff.

A send first claims its row (PENDING → SENDING, a conditional update the database decides): of two jobs for the
same notification, or a job and the sweep, only one sends. Each outcome is recorded: sent; not sent (no mail
server configured); a failure with its error, retried after a growing delay, then failed after the last
attempt. A worker that dies while sending leaves the row SENDING; once its lease runs out the sweep retries it
(that one email may then go twice: at least once, never lost).
"""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta
from email.charset import QP, Charset
from email.mime.text import MIMEText

from flask import current_app
from flask_mail import Connection, Message
from sqlalchemy import and_, or_, select, update

from app import clock
from app.database import DbSession, rows_changed
from app.extensions import mail
from app.models import Notification, NotificationStatus
from app.notifications.milestones import NO_MAIL_SERVER
from app.notifications.outbox import TO_SEND, queue_sends

S = NotificationStatus
RETRY_DELAYS = (30, 120, 600, 1800)  # seconds before the 2nd, 3rd… attempt; FAILED after the last
SWEEP_AFTER = timedelta(seconds=10)  # the sweep leaves newer ones to their own job
LEASE = timedelta(minutes=5)  # a claimed send not finished by then is taken to have died with its worker
SMTP_TIMEOUT = 30


class NotificationError(Exception):
    """Something that cannot be done with a notification; the message says why."""


def retry_delays() -> tuple[int, ...]:
    return tuple(current_app.config.get("NOTIFICATION_RETRY_DELAYS", RETRY_DELAYS))


def max_attempts() -> int:
    return len(retry_delays()) + 1


def deliver(session: DbSession, notification_id: int, now: datetime | None = None) -> str:
    """Send one notification if it is still pending; says what happened. Commits."""
    now = now or clock.now()
    note = _claim(session, notification_id, now)
    if note is None:
        return "already handled"
    if not current_app.config.get("MAIL_SERVER"):
        _finish(note, S.NOT_SENT, NO_MAIL_SERVER)
        session.commit()
        return "not sent: " + NO_MAIL_SERVER
    try:
        send_message(note)
    except Exception as error:  # any failure is recorded and retried, whatever raised it
        return _failed(session, note, describe(error), now)
    _finish(note, S.SENT, "")
    note.sent_at = clock.now()
    session.commit()
    return "sent"


def _claim(session: DbSession, notification_id: int, now: datetime) -> Notification | None:
    claimed = rows_changed(
        session.execute(
            update(Notification)
            .where(Notification.id == notification_id, Notification.status == S.PENDING)
            .values(status=S.SENDING, attempts=Notification.attempts + 1, next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return session.get(Notification, notification_id) if claimed == 1 else None


def _finish(note: Notification, status: NotificationStatus, error: str) -> None:
    note.status, note.last_error, note.next_attempt_at = status, error, None


def _failed(session: DbSession, note: Notification, error: str, now: datetime) -> str:
    delays = retry_delays()
    if note.attempts > len(delays):
        _finish(note, S.FAILED, error)
        session.commit()
        return f"failed after {note.attempts} attempts: {error}"
    delay = delays[note.attempts - 1]
    note.status, note.last_error, note.next_attempt_at = S.PENDING, error, now + timedelta(seconds=delay)
    session.commit()
    queue_sends([note.id], delay=timedelta(seconds=delay))  # if Redis is down too, the sweep retries it
    return f"attempt {note.attempts} failed, retrying in {delay} s: {error}"


def describe(error: Exception) -> str:
    """An SMTP failure as the server said it ("451 Try again later"), anything else by its type."""
    if isinstance(error, smtplib.SMTPResponseException):
        said = error.smtp_error
        return f"{error.smtp_code} {said.decode(errors='replace') if isinstance(said, bytes) else said}"[:1000]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()))
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"[:1000]
    return f"{type(error).__name__}: {error}"[:1000]


# ---------------------------------------------------------------- SMTP through Flask-Mail
class _Connection(Connection):
    """Flask-Mail's connection, with a timeout so a silent SMTP server cannot hold a worker forever."""

    def configure_host(self) -> smtplib.SMTP:
        settings = self.mail
        factory = smtplib.SMTP_SSL if settings.use_ssl else smtplib.SMTP
        host = factory(settings.server, settings.port, timeout=SMTP_TIMEOUT)
        if settings.use_tls:
            host.starttls()
        if settings.username and settings.password:
            host.login(settings.username, settings.password)
        return host


class _Message(Message):
    """Flask-Mail's message, with its text and HTML parts quoted-printable: Flask-Mail sends them unencoded, and
    SMTP servers refuse a line over 998 characters (RFC 5321), so an email with one long line (a long reason
    typed on one line) would fail every retry. Quoted-printable keeps every line short and the text exact."""

    def _mimetext(self, text: str | None, subtype: str = "plain") -> MIMEText:
        quoted = Charset(self.charset or "utf-8")
        quoted.body_encoding = QP
        return MIMEText(text or "", _subtype=subtype, _charset=quoted)  # type: ignore[arg-type]  # a Charset works


def send_message(note: Notification) -> None:
    """Send the stored email (never re-rendered: what the log shows is what went out)."""
    config = current_app.config
    settings = mail.init_mail(config, testing=False)  # the settings as they are now, never suppressed
    recipient = (note.recipient.name, note.email) if note.recipient else note.email
    message = _Message(
        subject=note.subject,
        recipients=[recipient],
        body=note.body_text,
        html=note.body_html,
        sender=config["MAIL_DEFAULT_SENDER"],
        extra_headers={
            "Auto-Submitted": "auto-generated",
            "X-Dialtone-Notification": str(note.id),
            "X-Dialtone-Milestone": note.milestone,
        },
    )
    with _Connection(settings) as connection:  # type: ignore[arg-type]  # Flask-Mail's settings object
        connection.send(message)


# ---------------------------------------------------------------- the sweep and Resend
def sweep(session: DbSession, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send what is due and was not sent by its own job: queued while Redis was down, a retry whose job was
    lost, or a send whose worker died (its lease ran out). Commits."""
    now = now or clock.now()
    abandoned = and_(Notification.status == S.SENDING, Notification.next_attempt_at <= now)
    gave_up = rows_changed(
        session.execute(
            update(Notification)
            .where(abandoned, Notification.attempts >= max_attempts())
            .values(status=S.FAILED, last_error="The worker stopped while sending it, and no attempts are left.")
            .execution_options(synchronize_session=False)
        )
    )
    recovered = rows_changed(
        session.execute(
            update(Notification)
            .where(abandoned)
            .values(
                status=S.PENDING,
                next_attempt_at=now - SWEEP_AFTER,
                last_error="The worker stopped while sending it; sending it again.",
            )
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    due = session.scalars(
        select(Notification.id)
        .where(
            Notification.status == S.PENDING,
            or_(
                Notification.next_attempt_at <= now - SWEEP_AFTER,
                and_(Notification.next_attempt_at.is_(None), Notification.created_at <= now - SWEEP_AFTER),
            ),
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    ).all()
    outcomes = [deliver(session, notification_id, now) for notification_id in due]
    return {
        "recovered": recovered,
        "gave_up": gave_up,
        "due": len(due),
        "sent": sum(1 for outcome in outcomes if outcome == "sent"),
    }


def resend(session: DbSession, note: Notification, now: datetime | None = None) -> None:
    """Send a notification again (an admin asked): it goes back to pending, with every attempt available, and
    is queued when the caller commits. Even an email that was not sent (switched off, turned off) goes."""
    if note.status is S.SENDING:
        raise NotificationError(f"The email to {note.email} is being sent right now.")
    note.status, note.attempts, note.last_error = S.PENDING, 0, ""
    note.next_attempt_at, note.sent_at = now or clock.now(), None
    session.info.setdefault(TO_SEND, []).append(note.id)
