"""The request id travels with the tasks a request sends, in the message's headers (never its arguments),
and is the current id while the task runs, so the worker's log lines carry it (service/request_ids.py).
A task that sends another (a finished check's webhook) passes its id on the same way."""

from celery.signals import before_task_publish, task_postrun, task_prerun

from service import request_ids

HEADER = "bv_request_id"


@before_task_publish.connect
def carry(headers=None, **kwargs) -> None:
    if headers is not None and (request_id := request_ids.current.get()):
        headers[HEADER] = request_id


@task_prerun.connect
def adopt(task=None, **kwargs) -> None:
    request_id = getattr(task.request, HEADER, None)
    request_ids.current.set(request_id if request_ids.well_formed(request_id) else None)


@task_postrun.connect
def forget(**kwargs) -> None:
    request_ids.current.set(None)
