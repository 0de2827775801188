"""Verifications: accepting a request (or a batch of them), running the rule modules, and reading results back.

A request is written to the database before anything is queued, so nothing accepted is
lost if Redis or a worker goes away; a task only ever gets row ids.
"""

import logging
import uuid
from datetime import datetime, timezone
from types import SimpleNamespace

import kombu.exceptions
import orjson
from flask import current_app, url_for
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

import workers.rules
from schemas.verification_request import VerificationRequestSchema
from service import audit, body_memo, group_commit, result_cache, verification_rows, x12_exchange
from service.errors import reject, where
from service.extensions import db
from service.json_text import SerializedJSON
from service.models import Verification, VerificationDenial, utcnow
from service.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
from service.result_cache import Outcome
from service.signing import sign
from service.verification_rows import FINISHED_COLUMNS, UNFINISHED, Finished

log = logging.getLogger(__name__)

_request_schema = VerificationRequestSchema()
FINISHED = ("complete", "failed")
# What sending a task raises while Redis (the broker) is down.
BROKER_UNAVAILABLE = (*REDIS_UNAVAILABLE, kombu.exceptions.OperationalError)
EVALUATION_FAILED = "The rule modules could not evaluate this request; it has been logged for review."


def canonical(request: dict) -> dict:
    """The validated request in its JSON form: what is stored, hashed, and given to the rules."""
    return _request_schema.dump(x12_exchange.merged(request))


def fingerprints(request_json: dict) -> tuple[str, str]:
    """(digest of the request alone, digest of the request with the rule versions): the second is the cache key."""
    request_digest = sign("request", orjson.dumps(request_json, option=orjson.OPT_SORT_KEYS))
    return request_digest, sign("result", f"{request_digest}:{workers.rules.rules_version()}".encode())


def _new_row(request: dict, **columns) -> dict:
    """Every column of a new, queued verification of a validated request (every one, so that rows of
    different requests can be inserted together)."""
    return {
        "id": uuid.uuid4(),
        "status": "queued",
        "created_at": utcnow(),
        "cached": False,
        "attempts": 0,
        **_request_columns(request),
        "api_key_id": None,
        "staff_user_id": None,
        "idempotency_key": None,
        "dispatched_at": None,
        "batch_id": None,
        "batch_row": None,
        "error": None,
        **dict.fromkeys(_RESULT_COLUMNS),
        **columns,
    }


def _request_columns(request: dict) -> dict:
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


_RESULT_COLUMNS = tuple(name for name in verification_rows.RESULT_COLUMNS if name not in ("status", "cached"))


def _result_columns(result: dict, *, cached: bool, completed_at=None) -> dict:
    """The columns a finished result fills."""
    return {
        "status": "complete",
        "completed_at": completed_at or utcnow(),
        "cached": cached,
        "result": result,
        "program": result.get("program"),
        "determination": result.get("determination"),
        "rule_module": result.get("rule_module"),
        "rule_version": result.get("rule_version"),
    }


def submit(request: dict, *, api_key_id=None, staff_user_id=None, idempotency_key=None, wait=0) -> Verification:
    """Accept a validated request: answer from the cache, join an identical request in flight, or queue it.
    What it returns has a Verification's columns as attributes (a new one's is not an ORM object)."""
    row = _new_row(request, api_key_id=api_key_id, staff_user_id=staff_user_id)
    scope = api_key_id if api_key_id is not None else f"user:{staff_user_id}"
    idempotency = sign("idempotency", f"{scope}:{idempotency_key}".encode()) if idempotency_key else None
    if idempotency and (earlier := _by_idempotency_key(api_key_id, idempotency, row["request_digest"])):
        audit.record("read", [earlier.id])
        return _waited(earlier, wait)
    row["idempotency_key"] = idempotency

    fingerprint = row["fingerprint"]
    found = result_cache.look_up(fingerprint, claim_for=row["id"])
    if found.outcome is Outcome.CACHED:
        return _answered_from_cache(row, found.cached, api_key_id, idempotency, wait)
    # Queued (the sweep queues it if no task is coming: Redis is down).
    row["dispatched_at"] = None if found.outcome is Outcome.UNAVAILABLE else utcnow()
    claimed = found.outcome is Outcome.CLAIMED
    try:
        group_commit.write((row, ()))
    except IntegrityError:
        # Another call with the same Idempotency-Key committed first: answer with its verification.
        if claimed:
            result_cache.release(fingerprint, row["id"])
        return _waited(_by_idempotency_key(api_key_id, idempotency, row["request_digest"]), wait)
    except Exception:
        if claimed:
            result_cache.release(fingerprint, row["id"])
        raise
    # Its columns, not an ORM object: it has just been written, and is only read from here on.
    verification = SimpleNamespace(**row)
    if found.outcome is Outcome.UNAVAILABLE:
        log.warning("verification %s saved but not queued (the cache is unavailable); the sweep will queue it",
                    verification.id)
        return verification
    try:
        if claimed:
            return _waited(verification, wait, send=lambda: enqueue(verification.id))
        return _joined(verification, wait)
    except BROKER_UNAVAILABLE as error:
        log.warning("verification %s saved but not queued (%s); the sweep will queue it",
                    verification.id, type(error).__name__)
        undispatched(verification.id)
        return verification


def _answered_from_cache(row: dict, cached: result_cache.Cached, api_key_id, idempotency, wait):
    """Save a verification answered from the cache (billing sees every check) and answer with it."""
    columns, denials = _cached_columns(cached)
    row.update(columns, completed_at=row["created_at"])
    try:
        group_commit.write((row, denials))
    except IntegrityError:
        return _waited(_by_idempotency_key(api_key_id, idempotency, row["request_digest"]), wait)
    # Read only from here on: its columns will do (an ORM object costs more than the rest of a cache hit).
    verification = SimpleNamespace(**row)
    verification.result_json = cached.raw
    _finished([verification])
    return verification


def _cached_columns(cached: result_cache.Cached) -> tuple[dict, list[dict]]:
    """A cached result's verification columns (the result as the cache holds it, not parsed again) and
    denial rows, worked out once per result and process."""
    if cached.derived is None:
        result = cached.result
        columns = _result_columns(result, cached=True)
        columns["result"] = SerializedJSON(cached.raw.decode())
        del columns["completed_at"]
        cached.derived = (columns, denial_rows(result))
    return cached.derived


def _joined(verification: Verification, wait: float) -> Verification:
    """A verification saved while an identical one's task runs: that task finishes it too, unless it had
    already finished its rows, in which case the result is in the cache and this request finishes itself."""
    with result_cache.expect(verification.fingerprint) as waiter:
        if (cached := result_cache.get(verification.fingerprint)) is not None:
            _finished(_finish_all({verification.fingerprint: cached}, cached=True))
            return get(verification.id)
        return _waited(verification, wait, waiter=waiter)


def submit_many(requests: list[tuple[int, dict]], *, batch_id, api_key_id=None, staff_user_id=None) -> None:
    """Accept many validated (row, request) pairs of a batch: one insert, the cache asked in one round trip,
    identical requests sharing one evaluation, and one task per chunk of rows."""
    rows = [
        _new_row(request, batch_id=batch_id, batch_row=row, api_key_id=api_key_id, staff_user_id=staff_user_id)
        for row, request in requests
    ]
    cached = result_cache.get_many({row["fingerprint"] for row in rows})
    denials, leaders, now = [], {}, utcnow()
    for row in rows:
        if (result := cached.get(row["fingerprint"])) is not None:
            row.update(_result_columns(result, cached=True))
            denials.extend(denial | {"verification_id": row["id"]} for denial in denial_rows(result))
        else:
            row["dispatched_at"] = now
            leaders.setdefault(row["fingerprint"], row["id"])
    if rows:
        db.session.execute(insert(Verification), rows)
    if denials:
        db.session.execute(insert(VerificationDenial), denials)
    audit.add("create", [row["id"] for row in rows])
    db.session.commit()

    try:
        claimed = result_cache.claim_many(leaders)
        joined = [fingerprint for fingerprint in leaders if fingerprint not in claimed]
        finished = _finish_all(result_cache.get_many(joined), cached=True) if joined else []
        size = current_app.config["BATCH_CHUNK_SIZE"]
        ids = [leaders[fingerprint] for fingerprint in leaders if fingerprint in claimed]
        for start in range(0, len(ids), size):
            enqueue_many(ids[start:start + size])
    except BROKER_UNAVAILABLE as error:
        log.warning("batch %s saved but not all queued (%s); the sweep will queue it", batch_id, type(error).__name__)
        undispatched(*leaders.values())
        finished = []
    _finished([Finished(row["id"], row["callback_url"], row["batch_id"]) for row in rows if row["status"] == "complete"]
              + finished)


def write_new(connection: Connection, items: list[tuple[dict, list[dict]]]) -> None:
    """The group commit's write: new verifications (every column) with their denial rows and "create" events."""
    verification_rows.insert_new(connection, [row for row, _ in items], [denials for _, denials in items])


def enqueue(verification_id) -> None:
    _send("workers.tasks.verify", str(verification_id))


def enqueue_many(verification_ids) -> None:
    _send("workers.tasks.verify_many", [str(verification_id) for verification_id in verification_ids])


def _send(task: str, argument) -> None:
    celery = current_app.extensions["celery"]
    celery.tasks[task].apply_async(args=[argument], queue=current_app.config["CELERY_QUEUE"])


def undispatched(*verification_ids) -> None:
    """Note that no task is coming for these verifications, so the sweep queues them at its next run."""
    db.session.execute(
        update(Verification).where(Verification.id.in_(verification_ids)).values(dispatched_at=None)
    )
    db.session.commit()


def _by_idempotency_key(api_key_id, idempotency, request_digest) -> Verification | None:
    earlier = db.session.scalar(
        select(Verification).where(
            Verification.api_key_id == api_key_id, Verification.idempotency_key == idempotency
        )
    )
    if earlier is not None and earlier.request_digest != request_digest:
        reject(409, "This Idempotency-Key was already used with a different body.",
               fields={"Idempotency-Key": ["Already used with a different body."]})
    return earlier


def _waited(verification: Verification, seconds: float, send=None, waiter=None) -> Verification:
    """The verification once finished, or as it is after `seconds`; `send` sends its task (first, and
    without waiting when `seconds` is 0). The task's announcement carries what it wrote to the row
    (after committing it), so the usual case costs no read of the row. `waiter`: one already listening."""
    if seconds <= 0 or verification.status in FINISHED:
        if send is not None:
            send()
        return verification

    def is_done():
        return db.session.scalar(select(Verification.status).where(Verification.id == verification.id)) in FINISHED

    with waiter or result_cache.expect(verification.fingerprint) as listening:
        if send is not None:
            send()
            outcome = listening.wait(seconds, is_done)
        else:
            # No task of ours: it may have finished before we listened.
            outcome = is_done() or listening.wait(seconds, is_done)
    if not isinstance(outcome, dict):
        return db.session.get(Verification, verification.id, populate_existing=True)
    for column, value in _announced_columns(outcome).items():
        if isinstance(verification, Verification):
            set_committed_value(verification, column, value)  # as loaded: nothing for the session to write
        else:
            setattr(verification, column, value)
    return verification


def _announced_columns(announcement: dict) -> dict:
    """The columns the task wrote, from its announcement (see `_announcement`)."""
    completed_at = datetime.fromisoformat(announcement["completed_at"])
    if announcement["status"] == "failed":
        return {"status": "failed", "completed_at": completed_at, "error": announcement["error"]}
    return _result_columns(announcement["result"], cached=False, completed_at=completed_at)


def _announcement(status: str, completed_at, *, result_json: bytes | None = None, error=None) -> bytes:
    """What the task publishes once the rows of one request are committed: enough to answer a waiting POST."""
    result = orjson.Fragment(result_json) if result_json is not None else None
    return orjson.dumps({"status": status, "completed_at": completed_at.isoformat(), "result": result, "error": error})


def run(verification_id) -> None:
    """Evaluate one queued verification (the verify task's body); a finished one is never evaluated again."""
    run_many([verification_id])


def run_many(verification_ids) -> None:
    """Evaluate queued verifications (a task's body), each distinct request once, and finish every row
    waiting on the same requests; rows already finished are never evaluated again."""
    # Committed before evaluating, so a request that kills its worker every time runs out of attempts;
    # one statement, so in autocommit mode it costs one round trip.
    verification_ids = list(verification_ids)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if len(verification_ids) == 1:
            pending = connection.execute(_MARK_ONE_RUNNING, {"one_id": verification_ids[0]}).all()
        else:
            pending = connection.execute(_MARK_RUNNING, {"ids": verification_ids}).all()
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
    # Each result serialized once, for the cache, the rows and the announcement alike.
    serialized = {fingerprint: orjson.dumps(result) for fingerprint, result in results.items()}
    # Cached first: an identical request saved after the rows are finished below finds the result there
    # (its claim fails while ours is held); one saved before is finished below with the rest.
    result_cache.put_many(serialized)
    completed_at = utcnow()
    finished = _finish_all(results, cached=False, completed_at=completed_at, serialized=serialized)
    finished += _fail_all(failed, EVALUATION_FAILED, completed_at=completed_at)
    announcements = {fingerprint: _announcement("complete", completed_at, result_json=serialized[fingerprint])
                     for fingerprint in results}
    announcements |= {fingerprint: _announcement("failed", completed_at, error=EVALUATION_FAILED) for fingerprint in failed}
    result_cache.release_and_announce(announcements)
    _finished(finished)


def record_result(verification: Verification, result: dict, *, cached: bool) -> None:
    """Fill a new (not yet saved) verification with a finished result."""
    for column, value in _result_columns(result, cached=cached).items():
        setattr(verification, column, value)
    verification.denials = [VerificationDenial(**denial) for denial in denial_rows(result)]


# The worker's statements, built once: each call only binds its values (the SET columns come from the
# parameters), so SQLAlchemy compiles each once instead of building and hashing a statement per row.
_table = Verification.__table__
_unfinished = _table.c.status.in_(UNFINISHED)


def _marking_running(which):
    return (update(_table).where(which, _unfinished).values(status="running", attempts=_table.c.attempts + 1)
            .returning(_table.c.id, _table.c.fingerprint, _table.c.request))


_MARK_RUNNING = _marking_running(_table.c.id.in_(bindparam("ids", expanding=True)))
# For one verification (a POST's task), without an IN list to expand on every call.
_MARK_ONE_RUNNING = _marking_running(_table.c.id == bindparam("one_id"))
_FAIL = (
    update(_table)
    .where(_table.c.fingerprint.in_(bindparam("failing", expanding=True)), _unfinished)
    .returning(*FINISHED_COLUMNS)
)


def _finish_all(results: dict[str, dict], *, cached: bool, completed_at=None, serialized=None) -> list[Finished]:
    """Finish every saved, unfinished verification of these fingerprints, each exactly once (only the
    statement that moves a row out of queued/running writes it); the verifications it finished. One
    request's rows are one statement on PostgreSQL, committed on its own; a batch's, one transaction.
    `serialized`: the results already as JSON, by fingerprint (stored as they are)."""
    finished = []
    single = len(results) == 1 and db.engine.dialect.name == "postgresql"
    with (db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") if single else db.engine.begin()) as connection:
        for fingerprint, result in results.items():
            columns = _result_columns(result, cached=cached, completed_at=completed_at)
            if serialized is not None:
                columns["result"] = SerializedJSON(serialized[fingerprint].decode())
            finished += verification_rows.finish(connection, fingerprint, columns, denial_rows(result))
    return finished


def _fail_all(fingerprints_failed, message: str, *, completed_at=None) -> list[Finished]:
    """Fail the verifications and every identical one waiting on them: the same request fails the same way."""
    if not fingerprints_failed:
        return []
    with db.engine.begin() as connection:
        failing = connection.execute(_FAIL, {"failing": list(fingerprints_failed), "status": "failed",
                                             "completed_at": completed_at or utcnow(), "error": message}).all()
    return [Finished(*row) for row in failing]


def _finished(done) -> None:
    """What follows a verification's end: its webhook, and its batch's completion. Each item has
    `id`, `callback_url` and `batch_id` (a Finished, or a Verification); most need nothing."""
    called = [verification.id for verification in done if verification.callback_url]
    batched = [verification.id for verification in done if verification.batch_id]
    if not called and not batched:
        return
    from service import batches, webhooks  # both build on this module

    if called:
        webhooks.verifications_finished(called)
    if batched:
        webhooks.batches_finished(batches.complete_finished(batched))


def denial_rows(result: dict) -> list[dict]:
    """The denial reasons of a result as verification_denials columns, for billing's filters and counts."""
    return [
        {"carc": reason["carc"], "rarc": reason.get("rarc"), "description": reason.get("description", "")[:300]}
        for reason in result.get("denial_reasons") or ()
    ]


def timestamp(moment) -> str | None:
    """ISO 8601 in UTC; SQLite hands back naive datetimes, which were stored as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds") + "Z"


def document(verification: Verification) -> dict:
    """The contract's JSON for one verification: its state, and the rule modules' result once complete."""
    doc = _document_head(verification)
    if verification.result:
        doc.update(verification.result)
    if verification.status == "failed":
        doc["error"] = {"code": "evaluation_failed", "message": verification.error}
    return doc


def document_json(verification) -> bytes:
    """`document()` serialized; a cache hit's result goes out as the cache holds it, never parsed. (Results
    never hold the head's keys, so the two objects join without a key twice.)"""
    result_json = getattr(verification, "result_json", None)
    if result_json is None:
        return orjson.dumps(document(verification))
    return orjson.dumps(_document_head(verification))[:-1] + b"," + result_json[1:]


def _document_head(verification) -> dict:
    return {
        "id": str(verification.id),
        "status": verification.status,
        "created_at": timestamp(verification.created_at),
        "completed_at": timestamp(verification.completed_at),
        "cached": verification.cached,
        "links": {"self": link(verification)},
    }


def link(verification) -> str:
    """Where the verification is read (GET), as the API answers it."""
    return url_for("verifications.verification", verification_id=verification.id)


def get(verification_id) -> Verification:
    verification = db.session.get(Verification, verification_id)
    if verification is None:
        reject(404, "No verification has that id.")
    return verification


def read(verification_id) -> dict:
    """One verification's document, for the caller of this request; the read goes in the audit trail."""
    verification = get(verification_id)
    doc = document(verification)
    audit.record("read", [verification.id])
    return doc
