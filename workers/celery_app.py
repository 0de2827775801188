"""The Celery app, bound to a Flask app as in Flask's Celery pattern (`celery_init_app`).

With the tasks, this sits on top of the service: the app factory calls `celery_init_app`, the one
import from the service up to here (the import-linter contracts in pyproject.toml)."""

import gc
import os
from pathlib import Path

from celery import Celery, Task
from celery.schedules import crontab
from celery.signals import worker_process_init
from flask import Flask
from kombu import Queue

from service import queue
from service.extensions import db
from workers import heartbeat, request_ids, task_metrics, tasks  # noqa: F401  (request_ids: ids through Celery's signals)


def broker_url(redis_url: str) -> str:
    """kombu spells a Unix-socket Redis `socket://` (workers/broker.py's SocketTransport), redis-py `unix://`."""
    return "socket://" + redis_url[len("unix://"):] if redis_url.startswith("unix://") else redis_url


def queues(config) -> list[Queue]:
    """The queues this process's workers consume (WORKER_QUEUES): verifications, webhook deliveries, eligibility
    inquiries, any of them."""
    names = {"verifications": config["CELERY_QUEUE"], "webhooks": queue.webhooks_queue(config),
             "eligibility": queue.eligibility_queue(config)}
    return [Queue(names[role]) for role in config["WORKER_QUEUES"]]


def celery_config(config) -> dict:
    timeout = config["BROKER_TIMEOUT_SECONDS"]
    settings = {
        "broker_url": broker_url(config["REDIS_URL"]),
        "broker_connection_retry_on_startup": True,
        # Longer than the longest task (its hard time limit), or Redis hands a running task to a second worker.
        "broker_transport_options": {
            "global_keyprefix": config["REDIS_KEY_PREFIX"],
            "visibility_timeout": max(3600, 10 * config["TASK_TIME_LIMIT"]),
            # A broker that accepts connections and never answers must not hold a request: every connect,
            # read and write is bounded, and a connection is tried again once at most.
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            "max_retries": 1,
            "connect_retries_timeout": 2 * timeout,
        },
        # A send is tried twice at most (each bounded as above); one that fails leaves the row to the sweep.
        "task_publish_retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
        # A broker connection for every server thread, so a thread waits for one only when the broker is slow.
        "broker_pool_limit": config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_size", 10),
        # Results live in the database; Celery's own result backend is not used.
        "task_ignore_result": True,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # When Redis drops, a running task still finishes and saves its result (in the database);
        # its acknowledgement is lost, and a second delivery finds the verification complete.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_default_queue": config["CELERY_QUEUE"],
        # Webhook deliveries on their own queue (service/queue.py sends them there), consumed by a worker
        # started with WORKER_QUEUES naming it: a receiver that is slow holds no verification up.
        "task_queues": queues(config),
        "task_routes": {"workers.tasks.deliver_webhook": {"queue": queue.webhooks_queue(config)},
                        "workers.tasks.check_eligibility": {"queue": queue.eligibility_queue(config)}},
        "task_time_limit": config["TASK_TIME_LIMIT"],
        "task_soft_time_limit": max(1, config["TASK_TIME_LIMIT"] - 5),
        "worker_hijack_root_logger": False,
        # Celery beat (`celery beat`, or a worker with --beat): the sweep, and the nightly retention purge.
        # A sweep not picked up before the next one is due is dropped rather than piled up.
        "beat_schedule": {
            "requeue-lost-verifications": {
                "task": "workers.tasks.sweep",
                "schedule": config["SWEEP_INTERVAL_SECONDS"],
                "options": {"expires": config["SWEEP_INTERVAL_SECONDS"]},
            },
            "purge-expired-verifications": {
                "task": "workers.tasks.purge",
                "schedule": crontab(hour=3, minute=17),
                "options": {"expires": 3600},
            },
        },
        "beat_schedule_filename": str(Path(config["DATA_DIR"]) / "celerybeat-schedule"),
        **config.get("CELERY", {}),
    }
    # kombu's Redis transport, keeping one client per channel (workers/broker.py), over TCP or a Unix socket.
    socket = settings["broker_url"].startswith("socket://")
    settings.setdefault("broker_transport", f"workers.broker:{'SocketTransport' if socket else 'Transport'}")
    return settings


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(celery_config(app.config))
    celery_app.set_default()
    celery_app.steps["consumer"].add(heartbeat.Heartbeat)
    celery_app.flask_app = app
    app.extensions["celery"] = celery_app

    parent = os.getpid()

    @worker_process_init.connect(weak=False)
    def fresh_child(**kwargs):
        # A pool inherited across fork shares sockets with the parent: start each child with its own.
        # (The solo pool sends this signal too, in the parent itself, where there is nothing to do.)
        if os.getpid() == parent:
            return
        with app.app_context():
            db.engine.dispose(close=False)
        # What the parent loaded lives as long as the child: frozen, full collections stop walking it
        # (see gunicorn.conf.py's post_worker_init).
        gc.freeze()

    task_metrics.init_app(app, celery_app)
    # The shared tasks, bound to this app, handed to the service, which sends them but cannot import them.
    queue.init_app(app, queue.Tasks(*(celery_app.tasks[task.name] for task in (
        tasks.verify, tasks.verify_many, tasks.deliver_webhook, tasks.check_eligibility))))
    return celery_app
