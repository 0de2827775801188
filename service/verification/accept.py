"""Accepting a verification (the API's side): answer it from the cache, join an identical request in
flight, or save it and queue its task; wait for it when asked to. A batch's rows are accepted together.

A request is written to the database before anything is queued, so nothing accepted is lost if
Redis or a worker goes away; a task only ever gets row ids.
"""

import logging
import time
from datetime import datetime

import orjson
from flask import current_app
from sqlalchemy.exc import IntegrityError

import workers.rules
from schemas.verification_request import VerificationRequestSchema
from service import audit, body_memo, metrics, queue, x12_exchange
from service.errors import reject
from service.models import utcnow
from service.signing import sign
from service.verification import cache, inquiries, row, store
from service.verification.cache import Outcome
from service.verification.finished import followed_up
from service.verification.row import FINISHED, Row

log = logging.getLogger(__name__)

_request_schema = VerificationRequestSchema()


def canonical(request: dict) -> dict:
    """The validated request in its JSON form: what is stored, hashed, and given to the rules."""
    return _request_schema.dump(x12_exchange.merged(request))


def fingerprints(request_json: dict) -> tuple[str, str]:
    """(digest of the request alone, digest of the request with the rule versions): the second is the cache key."""
    request_digest = sign("request", orjson.dumps(request_json, option=orjson.OPT_SORT_KEYS))
    return request_digest, sign("result", f"{request_digest}:{workers.rules.rules_version()}".encode())


def request_columns(request: dict) -> dict:
    """The columns a request fills: its canonical form, its digests, and what is looked up by; computed
    once per rule version for a body the memo keeps (`body_memo.Validated`)."""
    version = workers.rules.rules_version()
    if (derived := getattr(request, "derived", None)) is not None and derived[0] == version:
        return derived[1]
    request_json = canonical(request)
    request_digest, fingerprint = fingerprints(request_json)
    columns = {
        "request": request_json,
        "request_digest": request_digest,
        "fingerprint": fingerprint,
        "carrier": request_json["coverage"].get("carrier"),
        "callback_url": request.get("callback_url"),
    }
    if isinstance(request, body_memo.Validated):
        request.derived = (version, columns)
    return columns


def submit(request: dict, *, api_key_id=None, staff_user_id=None, idempotency_key=None, wait=0) -> Row:
    """Accept a validated request: answer from the cache, join an identical request in flight, or queue it.
    With a clearinghouse configured and no 271 in the request, the payer is asked too, beside the rules:
    `wait` then covers the payer's answer as well, and ends with what is known when the payer is slow."""
    started = time.monotonic()
    verification = _submitted(request, api_key_id=api_key_id, staff_user_id=staff_user_id,
                              idempotency_key=idempotency_key, wait=wait, asks_payer=_asks_payer(request))
    if wait > 0 and verification.status in FINISHED and inquiries.clearinghouse():
        verification = waited_for_payer(verification, wait - (time.monotonic() - started))
    return verification


def _asks_payer(request: dict) -> bool:
    """Whether a new verification of this request asks the payer on its own: a clearinghouse is configured and
    the request carries no 271 (and has a member id to ask about)."""
    coverage = request.get("coverage") or {}
    return bool(coverage.get("eligibility_271") is None and coverage.get("member_id") and inquiries.clearinghouse())


def ask_payer(verification_id, reason: str = "automatic") -> bool:
    """Record an eligibility inquiry for this verification and queue its task; False when no clearinghouse
    is configured. The inquiry is committed first, so its task only ever gets its id."""
    name = inquiries.clearinghouse()
    if not name:
        return False
    inquiry = inquiries.add(verification_id, name, reason)
    try:
        queue.check_eligibility(inquiry.id)
    except queue.BROKER_UNAVAILABLE as error:
        log.warning("eligibility inquiry %s not queued (%s)", inquiry.id, type(error).__name__)
        inquiries.failed(inquiry, "not_sent", "The inquiry could not be queued (the broker is not answering): ask again.")
    return True


def waited_for_payer(verification: Row, seconds: float) -> Row:
    """The verification once its latest eligibility inquiry has settled (the 271 fed to the rules, or the
    failure recorded), or as it is after `seconds`."""
    if seconds <= 0 or inquiries.settled(verification.id):
        return store.get(verification.id) if seconds > 0 else verification

    def settled():
        return inquiries.settled(verification.id)

    with cache.expect(inquiries.announcement_channel(verification.id)) as listening:
        outcome = settled() or listening.wait(seconds, settled)
    return store.get(verification.id) if outcome else verification


def check_with_payer(verification_id, wait: float = 0) -> Row:
    """Staff's "Check with payer": ask the payer about a stored verification (unless an inquiry of it is still
    pending) and wait up to `wait` seconds for the answer; 404 when unknown, 409 when nobody can be asked."""
    verification = store.get(verification_id)
    if verification is None:
        reject(404, "No verification has that id.")
    if not inquiries.clearinghouse():
        reject(409, "No clearinghouse is configured (BV_CLEARINGHOUSE): the payer cannot be asked from here.",
               fields={"BV_CLEARINGHOUSE": ["Not configured."]})
    coverage = verification.request.get("coverage") or {}
    if coverage.get("program") == "self_pay" or not coverage.get("member_id"):
        reject(409, "This verification is self-pay (no member id): there is no payer to ask.",
               fields={"coverage.member_id": ["Required to ask the payer."]})
    latest = inquiries.latest_for(verification.id)
    if latest is None or latest.status in inquiries.SETTLED:
        ask_payer(verification.id, "staff")
    return waited_for_payer(verification, wait)


def _submitted(request: dict, *, api_key_id, staff_user_id, idempotency_key, wait, asks_payer: bool) -> Row:
    new = row.new(request_columns(request), api_key_id=api_key_id, staff_user_id=staff_user_id)
    scope = api_key_id if api_key_id is not None else f"user:{staff_user_id}"
    idempotency = sign("idempotency", f"{scope}:{idempotency_key}".encode()) if idempotency_key else None
    if idempotency and (earlier := _by_idempotency_key(api_key_id, idempotency, new.request_digest)):
        audit.record("read", [earlier.id])
        return _waited(earlier, wait)
    new = new._replace(idempotency_key=idempotency)

    found = cache.look_up(new.fingerprint, claim_for=new.id)
    metrics.cache_lookup(found.outcome.name.lower())
    if found.outcome is Outcome.CACHED:
        return _answered_from_cache(new, found.cached, api_key_id, wait, asks_payer)
    # Queued (the sweep queues it if no task is coming: Redis is down).
    new = new._replace(dispatched_at=None if found.outcome is Outcome.UNAVAILABLE else utcnow())
    claimed = found.outcome is Outcome.CLAIMED
    try:
        store.save_new(new, [], audit.current_origin())
    except IntegrityError:
        # Another call with the same Idempotency-Key committed first: answer with its verification.
        if claimed:
            cache.release(new.fingerprint, new.id)
        return _waited(_by_idempotency_key(api_key_id, idempotency, new.request_digest), wait)
    except Exception:
        if claimed:
            cache.release(new.fingerprint, new.id)
        raise
    if found.outcome is Outcome.UNAVAILABLE:
        log.warning("verification %s saved but not queued (the cache is unavailable); the sweep will queue it", new.id)
        return new
    try:
        if asks_payer:
            ask_payer(new.id)  # beside the rules, on its own queue
        if claimed:
            return _waited(new, wait, send=lambda: queue.verify(new.id))
        return _joined(new, wait)
    except queue.BROKER_UNAVAILABLE as error:
        log.warning("verification %s saved but not queued (%s); the sweep will queue it", new.id, type(error).__name__)
        store.undispatched(new.id)
        return new


def _answered_from_cache(new: Row, cached: cache.Cached, api_key_id, wait, asks_payer=False) -> Row:
    """Save a verification answered from the cache (billing sees every check) and answer with it."""
    columns, denials = _cached_columns(cached)
    new = new._replace(**columns, completed_at=new.created_at)
    try:
        store.save_new(new, denials, audit.current_origin())
    except IntegrityError:
        return _waited(_by_idempotency_key(api_key_id, new.idempotency_key, new.request_digest), wait)
    metrics.check_finished(columns, cached=True)
    if asks_payer:
        ask_payer(new.id)
    followed_up([new])
    return new


def _cached_columns(cached: cache.Cached) -> tuple[dict, list[dict]]:
    """A cached result's verification columns and denial rows, worked out once per result and process."""
    if cached.derived is None:
        result = cached.result
        columns = row.result_columns(result, cached=True)
        del columns["completed_at"]
        cached.derived = (columns, row.denial_rows(result))
    return cached.derived


def _joined(verification: Row, wait: float) -> Row:
    """A verification saved while an identical one's task runs: that task finishes it too, unless it had
    already finished its rows, in which case the result is in the cache and this request finishes itself."""
    with cache.expect(verification.fingerprint) as waiter:
        if (result := cache.get(verification.fingerprint)) is not None:
            followed_up(store.finish_all({verification.fingerprint: result}, cached=True))
            return store.get(verification.id)
        return _waited(verification, wait, waiter=waiter)


def submit_many(requests: list[tuple[int, dict]], *, batch_id, api_key_id=None, staff_user_id=None) -> None:
    """Accept many validated (row, request) pairs of a batch: one insert, the cache asked in one round trip,
    identical requests sharing one evaluation, and one task per chunk of rows."""
    rows = [
        row.new(request_columns(request), batch_id=batch_id, batch_row=batch_row, api_key_id=api_key_id,
                staff_user_id=staff_user_id)
        for batch_row, request in requests
    ]
    cached = cache.get_many({new.fingerprint for new in rows})
    denials, leaders, now = [], {}, utcnow()
    for index, new in enumerate(rows):
        if (result := cached.get(new.fingerprint)) is not None:
            rows[index] = new._replace(**row.result_columns(result, cached=True))
            metrics.check_finished(result, cached=True)
            denials.extend(denial | {"verification_id": new.id} for denial in row.denial_rows(result))
        else:
            rows[index] = new._replace(dispatched_at=now)
            leaders.setdefault(new.fingerprint, new.id)
    store.save_many(rows, denials)

    try:
        claimed = cache.claim_many(leaders)
        joined = [fingerprint for fingerprint in leaders if fingerprint not in claimed]
        finished = store.finish_all(cache.get_many(joined), cached=True) if joined else []
        size = current_app.config["BATCH_CHUNK_SIZE"]
        ids = [leaders[fingerprint] for fingerprint in leaders if fingerprint in claimed]
        for start in range(0, len(ids), size):
            queue.verify_many(ids[start:start + size])
    except queue.BROKER_UNAVAILABLE as error:
        log.warning("batch %s saved but not all queued (%s); the sweep will queue it", batch_id, type(error).__name__)
        store.undispatched(*leaders.values())
        finished = []
    followed_up([new for new in rows if new.status == "complete"] + finished)


def _by_idempotency_key(api_key_id, idempotency, request_digest) -> Row | None:
    earlier = store.by_idempotency_key(api_key_id, idempotency)
    if earlier is not None and earlier.request_digest != request_digest:
        reject(409, "This Idempotency-Key was already used with a different body.",
               fields={"Idempotency-Key": ["Already used with a different body."]})
    return earlier


def _waited(verification: Row, seconds: float, send=None, waiter=None) -> Row:
    """The verification once finished, or as it is after `seconds`; `send` sends its task (first, and
    without waiting when `seconds` is 0). The task's announcement carries what it wrote to the row
    (after committing it), so the usual case costs no read of the row. `waiter`: one already listening."""
    if seconds <= 0 or verification.status in FINISHED:
        if send is not None:
            send()
        return verification

    def is_done():
        return store.status(verification.id) in FINISHED

    with waiter or cache.expect(verification.fingerprint) as listening:
        if send is not None:
            send()
            outcome = listening.wait(seconds, is_done)
        else:
            # No task of ours: it may have finished before we listened.
            outcome = is_done() or listening.wait(seconds, is_done)
    if not isinstance(outcome, dict):
        return store.get(verification.id)
    return verification._replace(**_announced_columns(outcome))


def _announced_columns(announcement: dict) -> dict:
    """The columns the task wrote, from its announcement (`run.announcement`)."""
    completed_at = datetime.fromisoformat(announcement["completed_at"])
    if announcement["status"] == "failed":
        return {"status": "failed", "completed_at": completed_at, "error": announcement["error"]}
    return row.result_columns(announcement["result"], cached=False, completed_at=completed_at)
