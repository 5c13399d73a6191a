"""The RQ worker (with its scheduler) for Dialtone's background jobs: `python worker.py [--burst]`.

Jobs run in the worker process itself (RQ's SimpleWorker), one after another. RQ's default forks a process per
job: for Dialtone's small jobs that meant a new database connection and cold statement and template caches every
time, about eight times slower (see bench/README.md). A job's time limit still applies (RQ raises in the job
when it runs out); run more workers for more throughput.
"""

import argparse
import os
import sys

from redis import Redis
from rq import Queue, SimpleWorker

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="run the jobs waiting now, then exit")
    parser.add_argument(
        "--no-scheduler",
        action="store_true",
        help="run jobs only: the periodic jobs and scheduled jobs are left to another worker",
    )
    args = parser.parse_args()

    import app.jobs
    from app import create_app
    from app.config import Config

    config = Config()
    # Built once: every job runs inside this process, with this app (and its pool of database connections).
    app.jobs._app = create_app()
    connection = Redis.from_url(config.REDIS_URL)
    queue = Queue(config.RQ_QUEUE, connection=connection)
    scheduler = not (args.burst or args.no_scheduler)
    if scheduler:
        with app.jobs._app.app_context():
            app.jobs.schedule_periodic()  # reminders, sweeps… each re-schedules itself after it runs
    SimpleWorker([queue], connection=connection).work(burst=args.burst, with_scheduler=scheduler)


if __name__ == "__main__":
    main()
