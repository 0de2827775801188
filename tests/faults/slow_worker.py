"""`celery -A tests.faults.slow_worker worker`: the service's own worker, with each rule evaluation
taking BV_TEST_EVALUATION_SECONDS longer, so a test can kill it while it holds verifications.

BV_TEST_CELERY (JSON) adds Celery settings, e.g. a short broker visibility timeout.
BV_TEST_FAILING_MEMBER_ID: a request with this member id makes the rules raise an error that
quotes the request, as a careless bug would.
"""

import json
import os
import time

from service.metrics_files import private_directory

# As workers/make_celery.py does, before the app loads prometheus_client.
private_directory("worker")

import workers.rules  # noqa: E402
from service import create_app  # noqa: E402

flask_app = create_app({"CELERY": json.loads(os.environ.get("BV_TEST_CELERY") or "{}")})
celery_app = flask_app.extensions["celery"]

_evaluate = workers.rules.evaluate


def _slow_evaluate(request):
    time.sleep(float(os.environ.get("BV_TEST_EVALUATION_SECONDS") or 0))
    if request["coverage"].get("member_id") == os.environ.get("BV_TEST_FAILING_MEMBER_ID"):
        raise ValueError(f"cannot evaluate {request}")
    return _evaluate(request)


workers.rules.evaluate = _slow_evaluate
