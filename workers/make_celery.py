"""Entry point for `celery -A workers.make_celery worker`."""

from service import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
