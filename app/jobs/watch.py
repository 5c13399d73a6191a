"""The worker that keeps watch: besides running jobs, every few seconds it says it is alive (a heartbeat in Redis
per queue it serves), puts back the periodic jobs Redis lost (restarted empty, say) and restarts its RQ scheduler
process if that died. Without this, a Redis restarted empty stopped every sweep — hand-offs, carrier updates,
emails, reminders — silently, until someone restarted the worker.

Jobs run in the worker process itself (RQ's SimpleWorker), one after another: see worker.py.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from rq import SimpleWorker

from app.jobs import restore_schedule
from app.queue import ROLES, beat

log = logging.getLogger(__name__)
WATCH_SECONDS = 10  # how often the worker looks (and beats), when it is not running a job


class WatchfulWorker(SimpleWorker):
    """An RQ SimpleWorker whose maintenance, run every `watch_seconds` between jobs, keeps the watch (given the
    app), and whose command channel never holds up its exit.

    RQ listens for commands (stop a job, shut down) in a pub/sub thread that waits up to 60 s for a message, and
    stops it on the way out. Since redis-py 8.2 stopping that thread waits for it to finish, so a worker whose
    thread had just gone back to waiting took a whole minute to exit. A burst worker (it runs what is queued and
    exits, in moments) does not listen for commands at all; a long-running one waits 1 s at a time.
    """

    _listens = True

    def __init__(
        self,
        queues: list[Any],
        *,
        app: Flask | None = None,
        roles: tuple[str, ...] = ROLES,
        watch_seconds: int = WATCH_SECONDS,
        **kwargs: Any,
    ):
        # RQ blocks waiting for a job for (worker_ttl - 15) seconds at most, then runs its maintenance when due.
        super().__init__(queues, worker_ttl=watch_seconds + 15, maintenance_interval=watch_seconds, **kwargs)
        self.app, self.roles = app, roles
        self.watching_schedule = False
        self.max_connection_wait_time = float(watch_seconds)  # Redis gone: try again at least this often

    def work(self, burst: bool = False, *, with_scheduler: bool = False, **kwargs: Any) -> bool:  # type: ignore[override]
        self._listens = not burst
        self.watching_schedule = with_scheduler
        return super().work(burst, with_scheduler=with_scheduler, **kwargs)

    def subscribe(self) -> None:
        if not self._listens:
            return
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        # RQ declares the attribute as None; it holds the thread while the worker listens.
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def run_maintenance_tasks(self) -> None:
        try:
            super().run_maintenance_tasks()  # RQ's: clean the registries, restart the scheduler process if it died
        except RedisConnectionError as error:
            log.warning("Worker %s could not clean its registries (Redis: %s); trying again shortly", self.name, error)
        self.keep_watch()

    # Redis going away as a job ends (RQ writes the job's end and the worker's heartbeat there) must not stop the
    # worker: RQ quits on any error but a time-out there. The job's work is in the database, and what it could not
    # queue is found by the sweeps; the worker waits for Redis as it waits for its next job (RQ retries that).
    def execute_job(self, job: Any, queue: Any) -> None:
        try:
            super().execute_job(job, queue)
        except RedisConnectionError as error:
            log.warning("Worker %s: Redis went away as job %s ended (%s); going on", self.name, job.id, error)

    def check_for_suspension(self, burst: bool) -> None:
        """`rq suspend` is read from Redis before each job: a Redis that is down is no suspension (the worker then
        waits for it in its dequeue, as RQ retries that)."""
        try:
            super().check_for_suspension(burst)
        except RedisConnectionError as error:
            log.warning("Worker %s could not read whether it is suspended (Redis: %s); going on", self.name, error)

    def set_state(self, state: str, pipeline: Any = None) -> None:
        """RQ writes the worker's state to Redis as it goes back to waiting for a job, outside its retry of the wait
        itself: a Redis gone just then must not end the worker (the state is written again at the next job)."""
        try:
            super().set_state(state, pipeline)
        except RedisConnectionError as error:
            log.warning("Worker %s could not record its state (Redis: %s); going on", self.name, error)

    def heartbeat(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().heartbeat(*args, **kwargs)
        except RedisConnectionError as error:
            log.warning("Worker %s could not beat (Redis: %s); trying again shortly", self.name, error)

    def keep_watch(self) -> None:
        """Beat, and put back what Redis lost; a Redis that is down now is tried again at the next watch."""
        if self.app is None:
            return
        try:
            beat(self.connection, self.app.config["RQ_QUEUE"], self.name, self.roles)
            if self.watching_schedule:
                with self.app.app_context():
                    restore_schedule(self.roles)
        except RedisError as error:
            log.warning("Worker %s could not keep watch (Redis: %s); trying again shortly", self.name, error)
