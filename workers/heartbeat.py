"""A worker's heartbeat: while its consumer runs, a thread records it as alive (service/heartbeats.py)."""

import logging
import threading

from celery import bootsteps

from service import heartbeats
from service.redis_store import UNAVAILABLE

log = logging.getLogger(__name__)


class Heartbeat(bootsteps.StartStopStep):
    """A consumer step: it starts once the worker consumes, and stops when it stops (the broker lost, a shutdown)."""

    def __init__(self, parent, **kwargs):
        super().__init__(parent, **kwargs)
        self._stopped = threading.Event()
        self._thread = None

    def start(self, parent):
        self._stopped.clear()
        self._thread = threading.Thread(target=self._beat, args=(parent.app.flask_app, parent.hostname),
                                        name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self, parent):
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(heartbeats.INTERVAL_SECONDS)
            self._thread = None
            with parent.app.flask_app.app_context():
                try:
                    heartbeats.forget(parent.hostname)
                except UNAVAILABLE:
                    pass

    shutdown = stop

    def _beat(self, flask_app, name: str) -> None:
        with flask_app.app_context():
            while True:
                try:
                    heartbeats.record(name)
                except UNAVAILABLE as error:
                    log.warning("heartbeat not recorded: Redis unavailable (%s)", type(error).__name__)
                if self._stopped.wait(heartbeats.INTERVAL_SECONDS):
                    return
