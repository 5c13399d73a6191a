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


class DialtoneWorker(SimpleWorker):
    """RQ's SimpleWorker whose command channel never holds up its exit.

    RQ listens for commands (stop a job, shut down) in a pub/sub thread that waits up to 60 s for a message, and
    stops it on the way out. Since redis-py 8.2 stopping that thread waits for it to finish, so a worker whose
    thread had just gone back to waiting took a whole minute to exit. A burst worker (it runs what is queued and
    exits, in moments) does not listen for commands at all; a long-running one waits 1 s at a time.
    """

    _listens = True

    def work(self, burst: bool = False, **kwargs) -> bool:
        self._listens = not burst
        return super().work(burst, **kwargs)

    def subscribe(self) -> None:
        if not self._listens:
            return
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )


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
    DialtoneWorker([queue], connection=connection).work(burst=args.burst, with_scheduler=scheduler)


if __name__ == "__main__":
    main()
