"""The Celery tasks the service sends, and sending them to their queues.

The tasks (`workers/tasks.py`) sit on top of the service and call into it, so the service does not
import them: `workers.celery_app.celery_init_app`, which the app factory calls, registers them and
hands them over here (`init_app`). Nothing is sent by name.

Sending is bounded: a producer is taken from the pool with a timeout, and the broker's sockets and
the publish's retries are bounded (`workers.celery_app.celery_config`), so a broker that hangs
makes a send fail within seconds (one of BROKER_UNAVAILABLE) instead of holding a server thread;
the caller has already saved the row, and the sweep queues it later.
"""

from typing import NamedTuple

import kombu.exceptions
from celery import Task
from flask import Flask, current_app

from service.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE

# What sending a task raises while the broker is down, hung, or every pooled connection is busy.
BROKER_UNAVAILABLE = (*REDIS_UNAVAILABLE, kombu.exceptions.OperationalError, kombu.exceptions.LimitExceeded,
                      TimeoutError, ConnectionError)


class Tasks(NamedTuple):
    verify: Task
    verify_many: Task
    deliver_webhook: Task
    check_eligibility: Task


def init_app(app: Flask, tasks: Tasks) -> None:
    app.extensions["tasks"] = tasks


def webhooks_queue(config) -> str:
    """Webhook deliveries have their own queue: a slow receiver never holds up a verification."""
    return f"{config['CELERY_QUEUE']}-webhooks"


def eligibility_queue(config) -> str:
    """270s to the clearinghouse have their own queue: a payer slow to answer never holds up a verification."""
    return f"{config['CELERY_QUEUE']}-eligibility"


def _send(task: Task, argument, queue: str, **options) -> None:
    pool = task.app.producer_pool
    args = [argument]
    # Two things Celery would do on every send, a quarter of its cost: declare the queue again (the worker
    # declares it; a Redis queue is the list the message is pushed onto), and work out a size-bounded repr
    # of the arguments for the message's headers, which for one id is its repr (a batch chunk's list of ids
    # is left to Celery, which cuts it short).
    reprs = {} if isinstance(argument, list) else {"argsrepr": repr(args), "kwargsrepr": "{}"}
    with pool.acquire(block=True, timeout=current_app.config["BROKER_TIMEOUT_SECONDS"]) as producer:
        task.apply_async(args=args, queue=queue, producer=producer, declare=[], **reprs, **options)


def verify(verification_id) -> None:
    """Queue the evaluation of one verification (and of every identical one waiting on it)."""
    _send(current_app.extensions["tasks"].verify, str(verification_id), current_app.config["CELERY_QUEUE"])


def verify_many(verification_ids) -> None:
    """Queue the evaluation of a chunk of a batch's verifications, in one task."""
    _send(current_app.extensions["tasks"].verify_many, [str(verification_id) for verification_id in verification_ids],
          current_app.config["CELERY_QUEUE"])


def deliver_webhook(delivery_id: int) -> None:
    _send(current_app.extensions["tasks"].deliver_webhook, delivery_id, webhooks_queue(current_app.config))


def check_eligibility(inquiry_id: int) -> None:
    """Queue one eligibility inquiry: send its 270 (or join an identical one) and apply the 271."""
    _send(current_app.extensions["tasks"].check_eligibility, inquiry_id, eligibility_queue(current_app.config))
