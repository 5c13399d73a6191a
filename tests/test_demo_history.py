"""The demo company's history: twelve weeks of orders made through the domain, decided and fulfilled at
plausible times, so that every list and chart shows something on the first look. Loaded once."""

import time
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from app import clock
from app.demo_history import DAYS, load_history
from app.extensions import db
from app.models import (
    Approval,
    ApprovalStatus,
    Device,
    Line,
    LineStatus,
    Notification,
    Order,
    OrderEvent,
    OrderStatus,
    ServiceStatus,
    Site,
    User,
)
from app.orders.types.base import WIRELINE_FACTS

S = OrderStatus


def test_the_history_has_orders_of_many_types_and_statuses_made_through_the_domain(app, demo):
    with app.app_context():
        started = time.perf_counter()
        made = load_history(db.session, orders=160)
        print(f"history: {made} orders in {time.perf_counter() - started:.1f} s")  # noqa: T201 - a figure to read
        orders = list(db.session.scalars(select(Order)))
        statuses = Counter(o.status for o in orders)
        types = Counter(o.type for o in orders)
        assert made == len(orders) >= 100
        assert len(types) >= 6
        assert {S.COMPLETED, S.REJECTED, S.PENDING_APPROVAL} <= set(statuses)
        assert statuses[S.COMPLETED] > len(orders) / 3
        assert set(statuses) & {S.WITH_CARRIER, S.SHIPPED, S.APPROVED}  # some still with the carrier
        assert statuses[S.NEEDS_ATTENTION] >= 2, statuses  # the carrier raised a problem on a few: the team has work
        marco = db.session.scalar(select(User).where(User.email == "manager@example.com"))
        waiting = select(func.count(Approval.id)).where(Approval.status == ApprovalStatus.PENDING)
        on_marco = db.session.scalar(waiting.where(Approval.assignee_id == marco.id))
        assert on_marco >= 2  # his inbox has work
        today = clock.now()
        assert all(today - timedelta(days=DAYS + 1) <= o.submitted_at <= today for o in orders)
        assert all(e.at <= today for e in db.session.scalars(select(OrderEvent)))  # nothing in the future
        # decided by the approvers their policies name: every decided step has its decider
        decided = db.session.scalars(select(Approval).where(Approval.status == ApprovalStatus.APPROVED)).all()
        assert decided and all(a.decided_by_id is not None and a.decided_at is not None for a in decided)
        assert db.session.scalar(select(func.count(Notification.id))) > len(orders)  # the emails went with them
        # the inventory followed: every completed new line is a live line with its device
        for order in (o for o in orders if o.type == "new_line" and o.status is S.COMPLETED):
            line = db.session.scalar(select(Line).where(Line.number == order.service_number))
            assert line is not None and line.status is LineStatus.ACTIVE and line.device is not None
        devices_on_two_lines = db.session.execute(
            select(Line.device_id)
            .where(Line.device_id.is_not(None), Line.status.in_([LineStatus.ACTIVE, LineStatus.SUSPENDED]))
            .group_by(Line.device_id)
            .having(func.count() > 1)
        ).all()
        assert devices_on_two_lines == [] and db.session.scalar(select(func.count(Device.id)))


def test_the_history_loads_once(app, demo):
    with app.app_context():
        assert load_history(db.session, orders=20) > 0
        count = db.session.scalar(select(func.count(Order.id)))
        assert load_history(db.session, orders=20) == 0
        assert db.session.scalar(select(func.count(Order.id))) == count


def test_the_history_has_wireline_orders_at_the_demos_sites(app, demo):
    """HQ's internet made faster and its toll-free number disconnected (completed, with the inventory following),
    and the Boston branch office's new internet waiting for its install, scheduled in the coming weeks."""
    with app.app_context():
        load_history(db.session, orders=20)
        wireline = {o.type: o for o in db.session.scalars(select(Order).where(Order.type.like("wireline_%")))}
        assert set(wireline) == {"wireline_capacity", "wireline_disconnect", "wireline_new"}
        faster, ended, boston = (wireline[t] for t in ("wireline_capacity", "wireline_disconnect", "wireline_new"))
        assert faster.status is ended.status is S.COMPLETED
        assert faster.service.bandwidth_mbps == 2000 and faster.service.status is ServiceStatus.ACTIVE
        assert ended.service.status is ServiceStatus.DISCONNECTED
        assert boston.status is S.WITH_CARRIER
        facts = boston.details[WIRELINE_FACTS]
        assert facts["milestones"] == ["foc", "install_scheduled"] and facts["install_window"]
        assert clock.today() < date.fromisoformat(facts["install_on"]) <= clock.today() + timedelta(days=30)
        site = db.session.scalar(select(Site).where(Site.name == "Boston branch office"))
        assert boston.details["site"] == site.id
        assert all(e.at <= clock.now() for o in wireline.values() for e in o.events)
