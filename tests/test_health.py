"""GET /healthz: the database and Redis (503 when either is down), the workers and schedulers of each queue by their
heartbeats in Redis, and the oldest work waiting; "degraded" (still 200) with the reasons when background work
stopped or fell behind. Admins read the same at /admin/health."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from rq.scheduler import RQScheduler
from sqlalchemy import select

from app import clock
from app.extensions import db
from app.models import CarrierUpdate, Notification, NotificationStatus, Order, OrderStatus
from app.queue import ROLES, beat, queue_name, redis_connection
from tests.support.helpers import free_port


@pytest.fixture
def running(app):
    """As if a worker served every queue and its RQ scheduler held their locks (RQ's own bookkeeping)."""
    with app.app_context():
        redis = redis_connection()
        beat(redis, app.config["RQ_QUEUE"], "worker-1", ROLES)
        scheduler = RQScheduler([queue_name(role) for role in ROLES], connection=redis)
        scheduler.acquire_locks()
        scheduler.register_birth()
    return redis


def _health(client) -> dict:
    response = client.get("/healthz")
    assert response.status_code == 200
    return response.json


def test_healthz_is_ok_when_everything_answers_and_nothing_waits_too_long(client, running):
    found = _health(client)
    assert found["status"] == "ok" and found["reasons"] == []
    assert found["database"] == "ok" and found["redis"] == "ok"
    assert set(found["workers"]) == set(ROLES) == set(found["schedulers"])
    assert found["workers"]["emails"]["state"] == "ok" and found["workers"]["emails"]["age_seconds"] < 60
    assert found["backlog"]["unsent_email"] == {"state": "ok", "limit_seconds": 900}


def test_healthz_is_degraded_but_200_when_no_worker_or_scheduler_runs(client):
    found = _health(client)
    assert found["status"] == "degraded"
    assert "no worker for emails (queue emails) is running" in found["reasons"]
    assert "no scheduler for carrier work (queue carrier) is running" in found["reasons"]


def test_healthz_names_a_worker_not_heard_from_for_too_long(app, client, running):
    with app.app_context():
        beat(redis_connection(), app.config["RQ_QUEUE"], "worker-1", ("carrier",), now=time.time() - 200)
        redis_connection().delete(f"dialtone:{app.config['RQ_QUEUE']}:heartbeat:emails")
    found = _health(client)
    assert found["status"] == "degraded"
    assert found["workers"]["carrier"]["state"] == "degraded" and found["workers"]["carrier"]["age_seconds"] >= 200
    assert "no worker for carrier work (queue carrier) has been heard from for 3 minutes" in found["reasons"]
    assert "no worker for emails (queue emails) is running" in found["reasons"]


def test_healthz_names_the_oldest_unsent_email_unapplied_update_and_unhanded_order(app, client, running, login):
    from tests.support.fulfilment import approved, push
    from tests.support.ordering import Demo

    number = approved(app, login, Demo(app), "port_in")  # Contoso: handed off by the worker, which is not here
    assert (
        push(
            app.test_client(), "contoso", {"update_id": "u-1", "order_number": number, "status": "acknowledged"}
        ).status_code
        == 202
    )
    found = _health(client)
    assert found["status"] == "ok"  # all of it is young
    with app.app_context():
        long_ago = clock.now() - timedelta(minutes=40)
        db.session.scalar(select(Order).where(Order.number == number)).approved_at = long_ago
        for note in db.session.scalars(select(Notification).where(Notification.status == NotificationStatus.PENDING)):
            note.created_at = long_ago
        db.session.scalar(select(CarrierUpdate)).received_at = long_ago
        db.session.commit()
        assert db.session.scalar(select(Order.status).where(Order.number == number)) is OrderStatus.APPROVED
    found = _health(client)
    assert found["status"] == "degraded"
    assert set(found["reasons"]) == {
        "the oldest unsent email has waited 40 minutes",
        "the oldest unapplied carrier update has waited 40 minutes",
        "the oldest approved order not handed to its carrier has waited 40 minutes",
    }
    assert found["backlog"]["unapplied_update"]["state"] == "degraded"
    page = login("admin").get("/admin/health").get_data(as_text=True)
    assert "Degraded: background work has stopped or fallen behind" in page
    assert "The oldest unapplied carrier update has waited 40 minutes." in page


def test_healthz_is_503_naming_redis_when_redis_is_down(database_url):
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "ok"
    assert response.json["redis"].startswith("down")


def test_healthz_is_503_naming_the_database_when_it_is_unreachable(redis_url, tmp_path):
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db", "REDIS_URL": redis_url})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"].startswith("down")
    assert response.json["redis"] == "ok"


def test_only_admins_see_the_health_page(login, running):
    assert login("telecom").get("/admin/health").status_code == 403
    page = login("admin").get("/admin/health")
    assert page.status_code == 200 and "All is well" in page.get_data(as_text=True)
