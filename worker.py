"""The RQ worker (with its scheduler) for Dialtone's background jobs: `python worker.py [--queues …] [--burst]`.

Jobs run in the worker process itself (RQ's SimpleWorker), one after another. RQ's default forks a process per
job: for Dialtone's small jobs that meant a new database connection and cold statement and template caches every
time, about eight times slower (see bench/README.md). A job's time limit still applies (RQ raises in the job
when it runs out); run more workers for more throughput.

Jobs are on three queues: carrier work, emails, and the rest (`app.queue`). A worker serves all three by default,
carrier work first; `--queues emails` (say) makes one that serves only emails, so that a slow mail server never
holds up a carrier update. The worker keeps watch (`app.jobs.watch`): a heartbeat in Redis, and the periodic
jobs and its scheduler put back when Redis lost them.
"""

import argparse
import os
import sys

from redis import Redis
from rq import Queue

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app.jobs.watch import WatchfulWorker as DialtoneWorker  # noqa: E402 - the app is importable from here on

ROLES = ("carrier", "default", "emails")  # app.queue.ROLES, in the order they are served


def _queues(values: list[str]) -> tuple[str, ...]:
    chosen = {role.strip() for value in values for role in value.split(",") if role.strip()}
    unknown = chosen - set(ROLES)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown queue {', '.join(sorted(unknown))}: choose from {', '.join(ROLES)}")
    return tuple(role for role in ROLES if role in chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--queues",
        nargs="+",
        default=list(ROLES),
        metavar="QUEUE",
        help="the queues to serve, of carrier, default and emails (default: all three, carrier work first)",
    )
    parser.add_argument("--burst", action="store_true", help="run the jobs waiting now, then exit")
    parser.add_argument(
        "--no-scheduler",
        action="store_true",
        help="run jobs only: the periodic jobs and scheduled jobs are left to another worker",
    )
    args = parser.parse_args()
    try:
        roles = _queues(args.queues)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))

    import app.jobs
    from app import create_app
    from app.config import Config
    from app.jobs.watch import WATCH_SECONDS
    from app.memory import settle_after_start
    from app.queue import queue_name

    config = Config()
    # Built once: every job runs inside this process, with this app (and its pool of database connections).
    application = app.jobs._app = create_app()
    connection = Redis.from_url(config.REDIS_URL)
    queues = [Queue(queue_name(role, config.RQ_QUEUE), connection=connection) for role in roles]
    scheduler = not (args.burst or args.no_scheduler)
    if scheduler:
        with application.app_context():
            app.jobs.schedule_periodic(roles)  # reminders, sweeps… each re-schedules itself after it runs
    settle_after_start()  # the app and its caches stay out of the garbage collector's walks
    watch = int(application.config.get("WORKER_WATCH_SECONDS") or WATCH_SECONDS)
    worker = DialtoneWorker(queues, connection=connection, app=application, roles=roles, watch_seconds=watch)
    worker.work(burst=args.burst, with_scheduler=scheduler)


if __name__ == "__main__":
    main()
