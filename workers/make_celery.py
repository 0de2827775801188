"""Entry point for `celery -A workers.make_celery worker`."""

from service import create_app

# The worker's commits do not wait for the disk: see SYNCHRONOUS_COMMIT in service/config.py.
flask_app = create_app({"SYNCHRONOUS_COMMIT": False})
celery_app = flask_app.extensions["celery"]
