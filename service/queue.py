"""The Celery tasks the service sends, and sending them to the app's queue.

The tasks (`workers/tasks.py`) sit on top of the service and call into it, so the service does not
import them: `workers.celery_app.celery_init_app`, which the app factory calls, registers them and
hands them over here (`init_app`). Nothing is sent by name.
"""

from typing import NamedTuple

import kombu.exceptions
from celery import Task
from flask import Flask, current_app

from service.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE

# What sending a task raises while Redis (the broker) is down.
BROKER_UNAVAILABLE = (*REDIS_UNAVAILABLE, kombu.exceptions.OperationalError)


class Tasks(NamedTuple):
    verify: Task
    verify_many: Task
    deliver_webhook: Task


def init_app(app: Flask, tasks: Tasks) -> None:
    app.extensions["tasks"] = tasks


def _send(task: Task, argument) -> None:
    task.apply_async(args=[argument], queue=current_app.config["CELERY_QUEUE"])


def verify(verification_id) -> None:
    """Queue the evaluation of one verification (and of every identical one waiting on it)."""
    _send(current_app.extensions["tasks"].verify, str(verification_id))


def verify_many(verification_ids) -> None:
    """Queue the evaluation of a chunk of a batch's verifications, in one task."""
    _send(current_app.extensions["tasks"].verify_many, [str(verification_id) for verification_id in verification_ids])


def deliver_webhook(delivery_id: int) -> None:
    _send(current_app.extensions["tasks"].deliver_webhook, delivery_id)
