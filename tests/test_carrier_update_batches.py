"""Carrier updates applied in batches: a drain applies the unapplied updates, up to BATCH_SIZE per transaction
in one savepoint (a savepoint each when one is refused), and the jobs of updates already applied finish at once.
Exactly once and in order per order, also with two drains at once; the emails of a batch recorded and queued
once; a burst of updates received queues one drain job, ahead of the emails."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from app import clock
from app.extensions import db
from app.fulfilment import updates as carrier_updates
from app.fulfilment.updates import receive
from app.models import (
    Carrier,
    CarrierUpdate,
    CarrierUpdateState,
    FulfilmentMode,
    Line,
    LineStatus,
    Notification,
    NotificationStatus,
    Order,
    OrderEvent,
    OrderStatus,
    Plan,
)


# ---------------------------------------------------------------- helpers
def _orders(app, count: int) -> list[str]:
    """`count` approved plan changes with the manual carriers (never moved by the simulator), as the bench
    makes them: on the demo's active lines, in turn."""
    with app.app_context():
        session = db.session
        lines = session.execute(
            select(Line.id, Line.employee_id, Line.carrier_id, Line.plan_id, Line.cost_center_id)
            .join(Carrier, Line.carrier_id == Carrier.id)
            .where(
                Carrier.fulfilment_mode == FulfilmentMode.MANUAL,
                Line.status == LineStatus.ACTIVE,
                Line.employee_id.is_not(None),
            )
            .order_by(Line.id)
        ).all()
        plans: dict[int, list[int]] = {}
        for plan in session.scalars(select(Plan).order_by(Plan.id)):
            plans.setdefault(plan.carrier_id, []).append(plan.id)
        numbers = []
        now = clock.now()
        for k in range(count):
            line_id, employee_id, carrier_id, plan_id, cost_center_id = lines[k % len(lines)]
            new_plan = next(p for p in plans[carrier_id] if p != plan_id)
            number = f"TB-{k:05d}"
            session.add(
                Order(
                    number=number,
                    type="change_plan",
                    status=OrderStatus.APPROVED,
                    requester_id=employee_id,
                    employee_id=employee_id,
                    line_id=line_id,
                    carrier_id=carrier_id,
                    cost_center_id=cost_center_id,
                    monthly_cents=3000,
                    details={"plan": new_plan, "_summary": [["New plan", str(new_plan)]]},
                    submitted_at=now - timedelta(days=2),
                    approved_at=now - timedelta(days=1),
                )
            )
            numbers.append(number)
        session.commit()
        return numbers


def _store(app, number: str, status: str, **fields) -> int:
    """Store a carrier update as the API does (validated, once by update id); returns its row id."""
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        payload = {"update_id": f"{number}-{status}", "order_number": number, "status": status, **fields}
        received = receive(db.session, order.carrier, payload)
        assert received.outcome == "accepted"
        db.session.commit()
        return received.update.id


def _acknowledge_all(app, numbers: list[str]) -> list[int]:
    return [_store(app, n, "acknowledged", carrier_reference=f"REF-{n}") for n in numbers]


def _rows(app, ids: list[int]) -> dict[int, tuple]:
    """Each update: (applied?, outcome)."""
    with app.app_context():
        return {
            row.id: (row.applied_at is not None, row.outcome)
            for row in db.session.scalars(select(CarrierUpdate).where(CarrierUpdate.id.in_(ids)))
        }


def _timeline(app, number: str) -> list[str]:
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        return [
            e.kind
            for e in db.session.scalars(
                select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id)
            )
        ]


def _states(ids: list[int]) -> dict[int, CarrierUpdateState]:
    rows = db.session.execute(select(CarrierUpdate.id, CarrierUpdate.state).where(CarrierUpdate.id.in_(ids)))
    return {row.id: row.state for row in rows}


class Counter:
    """Statements and (outermost) commits on the app's engine, while `with`."""

    def __init__(self, app):
        self.app, self.statements, self.commits, self.sql = app, 0, 0, []

    def _statement(self, connection, cursor, statement, *args):
        self.statements += 1
        self.sql.append(statement)

    def _commit(self, connection):
        self.commits += 1

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._statement)
        event.listen(self.engine, "commit", self._commit)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._statement)
        event.remove(self.engine, "commit", self._commit)


def _job(app, update_id: int) -> str:
    from app.jobs import apply_carrier_update

    with app.app_context():
        return apply_carrier_update(update_id)


# ---------------------------------------------------------------- batches
def test_one_job_applies_a_batch_of_updates_in_one_commit_and_the_other_jobs_find_theirs_applied(app):
    numbers = _orders(app, 30)
    ids = _acknowledge_all(app, numbers)
    with Counter(app) as counted:
        assert _job(app, ids[0]) == "applied"
    assert counted.commits == 1  # 30 updates, one transaction
    # Their 30 emails are made together at the commit: the milestone switches are read once, not per update.
    assert sum("FROM milestone_settings" in sql for sql in counted.sql) == 1
    assert all(applied and outcome == "applied" for applied, outcome in _rows(app, ids).values())
    for number in numbers:
        assert _timeline(app, number).count("place") == 1
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Order)
                .where(Order.number.in_(numbers), Order.status == OrderStatus.WITH_CARRIER)
            )
            == 30
        )
    for update_id in ids[1:]:  # each of the others: one statement, nothing written
        with Counter(app) as counted:
            assert _job(app, update_id) == "already applied"
        assert (counted.statements, counted.commits) == (1, 0)
    assert all(_timeline(app, n).count("place") == 1 for n in numbers)


def test_batches_hold_at_most_batch_size_updates_oldest_first(app, monkeypatch):
    monkeypatch.setattr(carrier_updates, "BATCH_SIZE", 4)
    numbers = _orders(app, 10)
    ids = _acknowledge_all(app, numbers)
    with Counter(app) as counted:
        assert _job(app, ids[7]) == "applied"  # its own update first, then the oldest
    assert counted.commits == 3  # 4 + 4 + 2
    assert all(applied for applied, _ in _rows(app, ids).values())


def test_a_drain_stops_starting_batches_when_its_time_is_up(app):
    numbers = _orders(app, 6)
    ids = _acknowledge_all(app, numbers)
    with app.app_context():
        done = carrier_updates.drain(db.session, first=ids[3], batch_size=2, seconds=0)
    assert done.batches == 1 and set(done.outcomes) == {ids[0], ids[3]}  # its own, then the oldest
    rows = _rows(app, ids)
    assert [rows[i][0] for i in ids] == [True, False, False, True, False, False]
    assert _job(app, ids[1]) == "applied"  # the job of an update left waits no longer than its turn
    assert all(applied for applied, _ in _rows(app, ids).values())


def test_a_refused_update_in_the_middle_of_a_batch_is_recorded_and_stops_or_undoes_nothing(app):
    numbers = _orders(app, 5)
    ids = _acknowledge_all(app, numbers)
    with app.app_context():  # cancelled after the update was stored: the carrier can no longer update it
        order = db.session.scalar(select(Order).where(Order.number == numbers[2]))
        order.status = OrderStatus.CANCELLED
        db.session.commit()
    with Counter(app) as counted:
        assert _job(app, ids[0]) == "applied"
    assert counted.commits == 1
    rows = _rows(app, ids)
    assert all(applied for applied, _ in rows.values())
    assert rows[ids[2]][1].startswith("refused: ") and "cannot update it" in rows[ids[2]][1]
    assert [rows[i][1] for i in ids if i != ids[2]] == ["applied"] * 4
    assert _timeline(app, numbers[2])[-1] == "carrier_update_failed"  # the refusal, on the order's timeline
    with app.app_context():
        states = _states(ids)
    assert states[ids[2]] is CarrierUpdateState.FAILED  # waits for the team in "Needs attention"
    assert {states[i] for i in ids if i != ids[2]} == {CarrierUpdateState.APPLIED}
    with app.app_context():
        refused = db.session.scalar(
            select(OrderEvent).join(Order).where(Order.number == numbers[2]).order_by(OrderEvent.id.desc())
        )
        assert "could not be applied" in refused.comment
    for number in numbers[:2] + numbers[3:]:
        assert _timeline(app, number).count("place") == 1


def test_an_update_that_fails_is_marked_failed_and_the_later_updates_of_its_order_go_on(app, monkeypatch):
    """Not a refusal but an error: the batch is redone one update per transaction, and the failing update is
    marked failed with its error (once, not at every sweep); the later update of its order, which does not need
    what it carried, is applied; the others apply. Tried again once fixed, it is applied (late by then)."""
    numbers = _orders(app, 4)
    ids = _acknowledge_all(app, numbers)
    later = _store(app, numbers[1], "completed", message="Plan changed.")
    real = carrier_updates.apply_report
    calls = []

    def apply_report(session, order, report, actor=None):
        if order.number == numbers[1] and report.status == "acknowledged":
            calls.append(1)
            raise RuntimeError("the inventory is in a state nobody foresaw")
        return real(session, order, report, actor)

    monkeypatch.setattr(carrier_updates, "apply_report", apply_report)
    assert _job(app, ids[0]) == "applied"
    rows = _rows(app, ids + [later])
    assert [rows[i][0] for i in ids + [later]] == [True] * 5
    assert rows[ids[1]][1] == "failed: RuntimeError: the inventory is in a state nobody foresaw"
    assert rows[later][1] == "applied"
    assert _job(app, ids[1]) == "already applied"  # its own job finds it taken
    from app.jobs import carrier_sweep

    with app.app_context():
        before = len(calls)
        assert carrier_sweep()["applied"] == 0  # not tried again at every sweep
        assert len(calls) == before
        states = _states(ids)
        assert states[ids[1]] is CarrierUpdateState.FAILED
    kinds = _timeline(app, numbers[1])
    assert "carrier_update_failed" in kinds and kinds[-1] == "complete"
    monkeypatch.setattr(carrier_updates, "apply_report", real)  # fixed: the team tries it again
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == numbers[1]))
        assert carrier_updates.retry_failed(db.session, order, None) == 1
        db.session.commit()
        assert carrier_sweep()["applied"] == 1
    assert _rows(app, [ids[1]]) == {ids[1]: (True, "late: recorded")}


def test_a_passing_fault_leaves_the_update_for_the_sweep_with_the_later_updates_of_its_order(app, monkeypatch):
    """The database went away for a moment: nothing is marked failed; the update and those behind it wait."""
    from sqlalchemy.exc import OperationalError

    numbers = _orders(app, 2)
    ids = _acknowledge_all(app, numbers)
    later = _store(app, numbers[1], "completed", message="Plan changed.")
    real = carrier_updates.apply_report

    def apply_report(session, order, report, actor=None):
        if order.number == numbers[1]:
            raise OperationalError("UPDATE orders", {}, Exception("server closed the connection unexpectedly"))
        return real(session, order, report, actor)

    monkeypatch.setattr(carrier_updates, "apply_report", apply_report)
    assert _job(app, ids[0]) == "applied"
    with pytest.raises(OperationalError):
        _job(app, ids[1])  # its own job fails, as it would alone
    assert _job(app, later) == carrier_updates.WAITING
    assert _rows(app, [ids[1], later]) == {ids[1]: (False, ""), later: (False, "")}
    monkeypatch.setattr(carrier_updates, "apply_report", real)  # back: the sweep applies both, in order
    from app.jobs import carrier_sweep

    with app.app_context():
        assert carrier_sweep()["applied"] == 2
    assert _timeline(app, numbers[1])[-2:] == ["place", "complete"]


# ---------------------------------------------------------------- order within an order
def test_two_updates_of_one_order_apply_in_order_even_when_their_jobs_run_in_reverse(app):
    number = _orders(app, 1)[0]
    first = _store(app, number, "acknowledged", carrier_reference="REF-1")
    second = _store(app, number, "completed", message="Plan changed.")
    with app.app_context():  # claimed alone, the later update waits for the earlier one
        assert carrier_updates.apply_update(db.session, second) == carrier_updates.WAITING
        db.session.rollback()
    assert _rows(app, [second]) == {second: (False, "")}
    assert _job(app, second) == "applied"  # the second's job applies the first, then the second
    assert _job(app, first) == "already applied"
    assert _rows(app, [first, second]) == {first: (True, "applied"), second: (True, "applied")}
    kinds = _timeline(app, number)
    assert kinds[-2:] == ["place", "complete"] and "carrier_update" not in kinds  # nothing recorded as late
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert order.status is OrderStatus.COMPLETED and order.carrier_reference == "REF-1"


def test_the_carrier_sweep_drains_in_batches_too(app):
    numbers = _orders(app, 12)
    ids = _acknowledge_all(app, numbers)
    ids += [_store(app, n, "completed", message="Plan changed.") for n in numbers[:3]]
    from app.jobs import carrier_sweep

    with Counter(app) as counted, app.app_context():
        assert carrier_sweep()["applied"] == 15
    # Two transactions: the 12 placements, then the 3 completions (each waited for its order's placement).
    assert counted.commits == 2
    assert all(applied and outcome == "applied" for applied, outcome in _rows(app, ids).values())
    assert all(_timeline(app, n)[-2:] == ["place", "complete"] for n in numbers[:3])


# ---------------------------------------------------------------- two drains at once
def test_two_drains_at_once_apply_every_update_exactly_once_and_in_order(app):
    """Two threads, each with its own session and connection, run the jobs: one in the order the updates came,
    the other in reverse. Every update applied once, each order's in turn: one placement and one completion
    on each timeline, nothing late, one email per milestone and recipient."""
    numbers = _orders(app, 24)
    acks = _acknowledge_all(app, numbers)
    completions = [_store(app, n, "completed", message="Plan changed.") for n in numbers]
    ids = [i for pair in zip(acks, completions, strict=True) for i in pair]
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(order: list[int]) -> None:
        try:
            start.wait(timeout=30)
            for update_id in order:
                _job(app, update_id)
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(ids,)), threading.Thread(target=run, args=(ids[::-1],))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert all(applied and outcome == "applied" for applied, outcome in _rows(app, ids).values())
    with app.app_context():
        orders = {o.id: o for o in db.session.scalars(select(Order).where(Order.number.in_(numbers)))}
        assert {o.status for o in orders.values()} == {OrderStatus.COMPLETED}
        events = db.session.execute(
            select(OrderEvent.order_id, OrderEvent.kind, OrderEvent.id)
            .where(OrderEvent.order_id.in_(orders))
            .order_by(OrderEvent.id)
        ).all()
        for order_id in orders:
            assert [kind for o, kind, _ in events if o == order_id] == ["place", "complete"]
        notes = db.session.execute(
            select(Notification.event_id, Notification.milestone, Notification.email).where(
                Notification.order_id.in_(orders)
            )
        ).all()
        assert len(notes) == len(set(notes)) and {event_id for event_id, _, _ in notes} == {e for _, _, e in events}


def _two_burst_workers_apply_every_update_once(
    app, database_url, redis_url, ids: list[int], numbers: list[str]
) -> None:
    """Two real `worker.py --burst` processes run what is queued; each order is placed, then completed, once."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE": app.config["RQ_QUEUE"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "MAIL_SERVER": "",
    }
    root = Path(__file__).resolve().parent.parent
    workers = [
        subprocess.Popen(
            [sys.executable, "worker.py", "--burst"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(2)
    ]
    for worker in workers:
        assert worker.wait(timeout=180) == 0
    assert all(applied and outcome == "applied" for applied, outcome in _rows(app, ids).values())
    for number in numbers:
        assert _timeline(app, number) == ["place", "complete"]


def test_two_real_worker_processes_apply_every_update_once(app, database_url, redis_url):
    from rq import Queue

    numbers = _orders(app, 20)
    ids = _acknowledge_all(app, numbers)
    ids += [_store(app, n, "completed", message="Plan changed.") for n in numbers]
    with app.app_context():
        from app.queue import CARRIER, task_queue

        queue = task_queue(CARRIER)
        queue.enqueue_many([Queue.prepare_data("app.jobs.apply_carrier_update", (i,)) for i in ids[::-1]])
    _two_burst_workers_apply_every_update_once(app, database_url, redis_url, ids, numbers)


# ---------------------------------------------------------------- the emails of a batch
def test_the_emails_of_a_batch_are_recorded_with_it_and_queued_once_after_its_commit(app):
    numbers = _orders(app, 10)
    ids = _acknowledge_all(app, numbers)
    with app.app_context():
        from app.queue import EMAILS, task_queue

        queue = task_queue(EMAILS)
        queue.empty()
        seen_at_commit: list[tuple[bool, int]] = []

        def after_commit(session):
            seen_at_commit.append((session.in_nested_transaction(), queue.count))

        event.listen(db.session, "after_commit", after_commit)
        try:
            assert _job(app, ids[0]) == "applied"
        finally:
            event.remove(db.session, "after_commit", after_commit)
        pending = set(
            db.session.scalars(
                select(Notification.id)
                .join(Order)
                .where(
                    Order.number.in_(numbers),
                    Notification.milestone == "placed",
                    Notification.status == NotificationStatus.PENDING,
                )
            )
        )
        recorded = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .join(Order)
            .where(Order.number.in_(numbers), Notification.milestone == "placed")
        )
        queued = [job.args[0] for job in queue.get_jobs() if job.func_name == "app.jobs.send_notification"]
    assert recorded >= 10 and pending  # one "placed" email per order (and recipient), stored with the batch
    assert sorted(queued) == sorted(pending)  # each pending email queued once
    # The batch is applied in one savepoint (not one per update); its release queues nothing: its rows are not
    # committed yet.
    assert [count for nested, count in seen_at_commit if nested] == [0]


def test_queue_sends_puts_every_job_on_redis_in_one_round_trip(app, monkeypatch):
    from redis import Redis
    from redis.client import Pipeline

    from app.notifications.outbox import queue_sends
    from app.queue import EMAILS, task_queue

    direct, pipelines = [], []
    real_command, real_execute = Redis.execute_command, Pipeline.execute
    monkeypatch.setattr(
        Redis, "execute_command", lambda self, *a, **k: direct.append(a[0]) or real_command(self, *a, **k)
    )
    monkeypatch.setattr(
        Pipeline, "execute", lambda self, *a, **k: pipelines.append(len(self)) or real_execute(self, *a, **k)
    )
    with app.app_context():
        task_queue(EMAILS).empty()
        task_queue(EMAILS).get_redis_server_version()  # asked once per connection, then kept by RQ
        direct.clear()
        assert queue_sends(range(1, 21)) == 20
        assert (direct, len(pipelines)) == ([], 1)
        queued = sorted(job.args[0] for job in task_queue(EMAILS).get_jobs())
        assert queued == list(range(1, 21))
        pipelines.clear()
        assert queue_sends([31, 32], delay=timedelta(seconds=60)) == 2  # retries: scheduled, also in one trip
        assert len(pipelines) == 1
        scheduled = task_queue(EMAILS).scheduled_job_registry.get_job_ids()
        assert len(scheduled) == 2 and task_queue(EMAILS).count == 20


def test_queue_sends_with_redis_down_leaves_the_emails_for_the_sweep(app, monkeypatch):
    from redis import Redis

    from app.notifications import outbox
    from tests.support.helpers import free_port

    nowhere = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    monkeypatch.setitem(app.extensions, "redis", nowhere)  # nothing listens there
    warned = []
    monkeypatch.setattr(outbox.log, "warning", lambda message, *args: warned.append(message % args))
    with app.app_context():
        assert outbox.queue_sends([1, 2, 3]) == 0
        assert outbox.queue_sends([4], delay=timedelta(seconds=30)) == 0
    assert len(warned) == 2 and all(
        w.startswith("Redis unavailable, all notification(s) left for the sweep") for w in warned
    )


# ---------------------------------------------------------------- the drain job: one per burst, ahead of emails
def _drain_jobs(queue) -> list:
    return [job for job in queue.get_jobs() if job.func_name == carrier_updates.DRAIN_JOB]


def test_updates_received_through_the_api_queue_one_drain_job_on_the_carrier_queue(app):
    from app.jobs import drain_carrier_updates
    from app.notifications.outbox import SEND_JOB
    from tests.support.fulfilment import carrier_code, push

    numbers = _orders(app, 6)
    with app.app_context():
        from app.queue import CARRIER, EMAILS, task_queue

        queue, emails = task_queue(CARRIER), task_queue(EMAILS)
        queue.empty()
        emails.enqueue(SEND_JOB, 999999)  # an email waiting to be sent, on its own queue
    api = app.test_client()
    for number in numbers:
        body = {
            "update_id": f"{number}-ack",
            "order_number": number,
            "status": "acknowledged",
            "carrier_reference": f"REF-{number}",
        }
        assert push(api, carrier_code(app, number), body).status_code == 202
    with app.app_context():
        assert [job.func_name for job in queue.get_jobs()] == [carrier_updates.DRAIN_JOB]  # one job
        assert [job.func_name for job in emails.get_jobs()] == [SEND_JOB]  # served after carrier work
        assert drain_carrier_updates() == {"applied": 6, "failed": 0, "batches": 1}
    with app.app_context():
        ids = list(db.session.scalars(select(CarrierUpdate.id).join(Order).where(Order.number.in_(numbers))))
    assert all(applied and outcome == "applied" for applied, outcome in _rows(app, ids).values())
    assert all(_timeline(app, number) == ["place"] for number in numbers)


def test_an_update_received_once_the_drain_job_started_queues_the_next_one(app):
    numbers = _orders(app, 2)
    with app.app_context():
        from app.queue import CARRIER, task_queue

        queue = task_queue(CARRIER)
        queue.empty()
    first = _store(app, numbers[0], "acknowledged", carrier_reference="R-1")
    with app.app_context():
        assert carrier_updates.queue_drain() is True
        assert carrier_updates.queue_drain() is False  # one is waiting to start: it will see this update too
        assert len(_drain_jobs(queue)) == 1
        queue.empty()  # the worker took the job …
        done = carrier_updates.drain_job(db.session)  # … which forgets the marker before it claims
        assert list(done.outcomes) == [first]
    second = _store(app, numbers[1], "acknowledged", carrier_reference="R-2")
    with app.app_context():
        assert carrier_updates.queue_drain() is True  # stored after the job started: a new job
        assert len(_drain_jobs(queue)) == 1
        assert list(carrier_updates.drain_job(db.session).outcomes) == [second]


def test_a_drain_job_that_fills_a_batch_asks_for_another_so_a_second_worker_helps(app, monkeypatch):
    numbers = _orders(app, 5)
    ids = _acknowledge_all(app, numbers)
    with app.app_context():
        from app.queue import CARRIER, task_queue

        queue = task_queue(CARRIER)
        queue.empty()
        done = carrier_updates.drain_job(db.session, batch_size=2)
        assert sorted(done.outcomes) == sorted(ids) and done.batches == 3
        assert len(_drain_jobs(queue)) == 1  # asked for at the first full batch; the later ones found it waiting
        queue.empty()
        assert carrier_updates.drain_job(db.session, batch_size=2).batches == 0  # nothing left: no job asked for
        assert _drain_jobs(queue) == []


def test_two_real_workers_apply_a_burst_received_through_the_api_once_and_in_order(app, database_url, redis_url):
    numbers = _orders(app, 30)
    ids = _acknowledge_all(app, numbers) + [_store(app, n, "completed", message="Plan changed.") for n in numbers]
    with app.app_context():
        from app.queue import CARRIER, task_queue

        task_queue(CARRIER).empty()
        for _ in ids:
            carrier_updates.queue_drain()  # as the API does after storing each
        assert len(_drain_jobs(task_queue(CARRIER))) == 1
    _two_burst_workers_apply_every_update_once(app, database_url, redis_url, ids, numbers)
