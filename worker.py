"""The RQ worker (with its scheduler) for Dialtone's background jobs: `python worker.py [--burst]`."""
import argparse
import os
import sys

from redis import Redis
from rq import Queue, Worker

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--burst", action="store_true", help="run the jobs waiting now, then exit")
    args = parser.parse_args()

    import app.jobs
    from app import create_app
    from app.config import Config

    config = Config()
    # Build the app once in the parent: every forked job process inherits it instead of building its own.
    app.jobs._app = create_app()
    connection = Redis.from_url(config.REDIS_URL)
    queue = Queue(config.RQ_QUEUE, connection=connection)
    if not args.burst:
        with app.jobs._app.app_context():
            app.jobs.schedule_periodic()  # reminders, sweeps… each re-schedules itself after it runs
    Worker([queue], connection=connection).work(burst=args.burst, with_scheduler=not args.burst)


if __name__ == "__main__":
    main()
