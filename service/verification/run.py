"""Running verifications (the worker's side, what the tasks call): mark them running, evaluate each
distinct request once, cache the result, finish every row waiting on it, and announce it."""

import logging

import orjson

import workers.rules
from schemas.errors import where
from service.models import utcnow
from service.verification import cache, store
from service.verification.finished import followed_up

log = logging.getLogger(__name__)

EVALUATION_FAILED = "The rule modules could not evaluate this request; it has been logged for review."


def run(verification_id) -> None:
    """Evaluate one queued verification (the verify task's body); a finished one is never evaluated again."""
    run_many([verification_id])


def run_many(verification_ids) -> None:
    """Evaluate queued verifications (a task's body), each distinct request once, and finish every row
    waiting on the same requests; rows already finished are never evaluated again."""
    pending = store.mark_running(list(verification_ids))
    if not pending:
        return
    results, failed = {}, set()
    for row in pending:
        if row.fingerprint in results or row.fingerprint in failed:
            continue
        try:
            results[row.fingerprint] = workers.rules.evaluate(row.request)
        except Exception as error:
            # The request is valid (the schema passed it), so this is a bug in a rule module. Log where it
            # happened but not the exception's message, which may quote the request (PHI).
            log.error("rule evaluation failed for verification %s: %s at %s", row.id, type(error).__name__, where(error))
            failed.add(row.fingerprint)
    # Each result serialized once, for the cache and the announcement alike.
    serialized = {fingerprint: orjson.dumps(result) for fingerprint, result in results.items()}
    # Cached first: an identical request saved after the rows are finished below finds the result there
    # (its claim fails while ours is held); one saved before is finished below with the rest.
    cache.put_many(serialized)
    completed_at = utcnow()
    finished = store.finish_all(results, cached=False, completed_at=completed_at, serialized=serialized)
    if failed:
        finished += store.fail_all(failed, EVALUATION_FAILED, completed_at)
    announcements = {fingerprint: announcement("complete", completed_at, result_json=serialized[fingerprint])
                     for fingerprint in results}
    announcements |= {fingerprint: announcement("failed", completed_at, error=EVALUATION_FAILED) for fingerprint in failed}
    cache.release_and_announce(announcements)
    followed_up(finished)


def announcement(status: str, completed_at, *, result_json: bytes | None = None, error=None) -> bytes:
    """What the task publishes once the rows of one request are committed: enough to answer a waiting POST
    (`accept._waited`) without reading the row."""
    result = orjson.Fragment(result_json) if result_json is not None else None
    return orjson.dumps({"status": status, "completed_at": completed_at.isoformat(), "result": result, "error": error})
