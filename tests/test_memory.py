"""A web process and a job worker keep the garbage collector off their requests and jobs: what they hold once
started is frozen out of its walks, and the young generation is collected less often (app.memory)."""

import gc
import os
import subprocess
import sys
from pathlib import Path

from rq.job import JobStatus

from app.memory import YOUNG_THRESHOLD, settle_after_start

ROOT = Path(__file__).resolve().parent.parent


def test_settling_freezes_what_the_process_holds_and_collects_the_young_less_often():
    threshold = gc.get_threshold()
    try:
        settle_after_start()
        assert gc.get_freeze_count() > 10_000  # this test process, its modules and apps
        assert gc.get_threshold() == (YOUNG_THRESHOLD, threshold[1], threshold[2])
        assert YOUNG_THRESHOLD > 700  # Python's default
    finally:
        gc.unfreeze()  # back where they were: a test process builds many apps, and must be free to drop them
        gc.set_threshold(*threshold)


def test_the_web_entry_point_settles_once_the_app_is_built(database_url, redis_url):
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url}
    probe = "import gc, wsgi; print(gc.get_freeze_count(), gc.get_threshold()[0])"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True, text=True
    )
    frozen, young = map(int, done.stdout.split()[-2:])
    assert frozen > 10_000 and young == YOUNG_THRESHOLD


def test_the_worker_runs_its_jobs_settled(app, database_url, redis_url):
    from app.queue import task_queue

    with app.app_context():
        frozen = task_queue().enqueue("gc.get_freeze_count")  # run inside the worker's own process
        threshold = task_queue().enqueue("gc.get_threshold")
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "RQ_QUEUE": app.config["RQ_QUEUE"]}
    subprocess.run(
        [sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, check=True, timeout=120, capture_output=True
    )
    for job in (frozen, threshold):
        job.refresh()
        assert job.get_status() == JobStatus.FINISHED, job.latest_result()
    assert frozen.return_value() > 10_000
    assert threshold.return_value()[0] == YOUNG_THRESHOLD
