"""Notifications: a real SMTP server's mailbox, and the send jobs run as the worker runs them."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass

from app.extensions import db


@dataclass
class Received:
    to: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return " ".join(str(self.message["Subject"]).split())  # unfolded

    @property
    def milestone(self) -> str:
        return str(self.message["X-Dialtone-Milestone"])

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts, and refuses the next `refusals` messages with a 451."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.raw: list[bytes] = []
        self.refusals = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.refusals:
                self.refusals -= 1
                return "451 4.3.0 Mailbox busy, try again later"
            self.raw.append(envelope.content)
            self.received.append(
                Received(
                    list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default)
                )
            )
        return "250 2.0.0 Accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.to]

    def pairs(self) -> list[tuple[str, str]]:
        return sorted((r.to[0], r.milestone) for r in self.received)

    def wait_for(self, count: int, seconds: float = 60) -> None:
        """Poll (with a deadline) until `count` messages have arrived."""
        deadline = time.monotonic() + seconds
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.received) >= count, f"{len(self.received)} of {count} emails arrived: {self.pairs()}"


def run_send_jobs(app) -> list[str]:
    """Run the send jobs waiting on the queue, here, as the worker would (the same job function)."""
    from app.jobs import send_notification
    from app.queue import EMAILS, task_queue

    outcomes = []
    with app.app_context():
        queue = task_queue(EMAILS)
        for job in queue.get_jobs():
            if job.func_name == "app.jobs.send_notification":
                queue.remove(job)
                outcomes.append(send_notification(*job.args))
        db.session.remove()
    return outcomes
