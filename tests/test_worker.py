"""Jobs go through real Redis to a real worker process, which runs them inside an app context."""

import os
import subprocess
import sys
from pathlib import Path

from rq import Queue
from rq.job import JobStatus

ROOT = Path(__file__).resolve().parent.parent


def test_a_job_enqueued_through_redis_is_run_by_the_worker(app, database_url, redis_url):
    from app.queue import enqueue

    with app.app_context():
        job = enqueue("app.jobs.ping", "hello")
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RQ_QUEUE": app.config["RQ_QUEUE"]}
    subprocess.run(
        [sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True
    )
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED
    assert job.return_value() == {"users": 40, "note": "hello"}


def test_the_queue_is_named_by_configuration(app):
    from app.queue import task_queue

    with app.app_context():
        queue = task_queue()
    assert isinstance(queue, Queue) and queue.name == app.config["RQ_QUEUE"]


def test_periodic_jobs_are_scheduled_once_and_reschedule_themselves(app, redis_url):
    from app.jobs import PERIODIC, run_periodic, schedule_periodic
    from app.queue import task_queue

    assert "app.jobs.approval_sweep" in PERIODIC
    with app.app_context():
        schedule_periodic()
        schedule_periodic()  # a second worker starting changes nothing
        scheduled = task_queue().scheduled_job_registry.get_job_ids()
        assert len([j for j in scheduled if j.startswith("periodic-app_jobs_approval_sweep-")]) == 1
        task_queue().scheduled_job_registry.remove(scheduled[0], delete_job=True)
        assert run_periodic("app.jobs.approval_sweep") == {"reminded": 0, "escalated": 0}
        again = task_queue().scheduled_job_registry.get_job_ids()
        assert len([j for j in again if j.startswith("periodic-app_jobs_approval_sweep-")]) == 1


def test_the_real_worker_runs_a_periodic_job_and_schedules_its_next_run(app, database_url, redis_url):
    from app.queue import task_queue

    with app.app_context():
        job = task_queue().enqueue("app.jobs.run_periodic", "app.jobs.approval_sweep")
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RQ_QUEUE": app.config["RQ_QUEUE"]}
    subprocess.run(
        [sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True
    )
    job.refresh()
    assert job.get_status() == JobStatus.FINISHED, job.latest_result()
    with app.app_context():
        scheduled = task_queue().scheduled_job_registry.get_job_ids()
    assert any(j.startswith("periodic-app_jobs_approval_sweep-") for j in scheduled)
