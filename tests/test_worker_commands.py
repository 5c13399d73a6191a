"""The worker's command channel (RQ's pub/sub thread) never holds up its exit: a burst worker does not listen for
commands, a long-running one listens a second at a time."""

from __future__ import annotations

from redis import Redis
from rq import Queue

from worker import DialtoneWorker


def test_a_burst_worker_runs_what_is_queued_without_a_command_listener(redis_url):
    connection = Redis.from_url(redis_url)
    queue = Queue("burst-commands", connection=connection)
    job = queue.enqueue("os.getpid")
    worker = DialtoneWorker([queue], connection=connection)
    worker.work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert worker.pubsub is None and worker.pubsub_thread is None


def test_a_long_running_worker_listens_for_commands_a_second_at_a_time(redis_url):
    connection = Redis.from_url(redis_url)
    worker = DialtoneWorker([Queue("listening-commands", connection=connection)], connection=connection)
    worker.subscribe()
    try:
        assert worker.pubsub_thread.is_alive() and worker.pubsub_thread.daemon
        assert worker.pubsub_thread.sleep_time == 1
        assert worker.pubsub.channels.keys() == {worker.pubsub_channel_name.encode()}
    finally:
        worker.unsubscribe()


def test_a_worker_whose_redis_is_gone_does_not_quit_on_its_suspension_check(redis_url):
    """Before each job RQ reads `rq suspend` from Redis; with Redis down that read must not end the worker (RQ
    quits on any error there), it waits for Redis in its dequeue instead."""
    from tests.support.helpers import free_port

    connection = Redis.from_url(redis_url)
    worker = DialtoneWorker([Queue("gone", connection=connection)], connection=connection)
    worker.connection = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)  # Redis went away
    worker.check_for_suspension(burst=False)  # no ConnectionError


def test_a_worker_whose_redis_is_gone_as_a_job_ends_does_not_quit_going_back_to_wait(redis_url):
    """Back to waiting for a job, RQ first writes the worker's state ("idle") to Redis, outside its retry of the
    wait: with Redis down that write must not end the worker (found by the recovery test)."""
    from tests.support.helpers import free_port

    connection = Redis.from_url(redis_url)
    worker = DialtoneWorker([Queue("gone", connection=connection)], connection=connection)
    worker.connection = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)  # Redis went away
    worker.set_state("idle")  # no ConnectionError
    assert worker.get_state() == "idle"
