"""Entry point for `celery -A workers.make_celery worker`."""

from service.metrics_files import private_directory

# Before the app loads prometheus_client: the pool's processes count in files the worker adds up (workers/task_metrics.py).
private_directory("worker")

from service import create_app  # noqa: E402

# The worker's commits do not wait for the disk: see SYNCHRONOUS_COMMIT in service/config.py.
flask_app = create_app({"SYNCHRONOUS_COMMIT": False})
celery_app = flask_app.extensions["celery"]
