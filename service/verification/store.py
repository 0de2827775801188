"""Every statement the lifecycle runs on verifications, on both databases.

The two writes on the hot paths are each one statement on PostgreSQL:

- `write_new`: new verifications (a group commit's) with their denial reasons (a cache hit has
  them) and their "create" audit events;
- `finish`: every unfinished verification of one request (a fingerprint) with its result and denial
  reasons, answering which ones it moved.

Their data-modifying CTEs write the other tables, so each costs one round trip, one statement for
SQLAlchemy to run, and in autocommit mode no BEGIN or COMMIT. SQLite has no data-modifying CTEs;
it runs in the process, so it writes table by table in one transaction.
"""

import functools

import orjson
from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update

from service import audit, metrics
from service.durability import commit_durably
from service.extensions import db
from service.models import AuditEvent, Batch, Verification, VerificationDenial, utcnow
from service.verification import group_commit
from service.verification.row import COLUMNS, UNFINISHED, Finished, Row, denial_rows, result_columns

_verifications = Verification.__table__
_denials = VerificationDenial.__table__
_audit = AuditEvent.__table__
# Spelt as ORs of bound values, not IN: SQLAlchemy renders an IN list afresh on every execution (an
# "expanding" parameter), which cost the worker's statements about 35 µs each; this compiles once.
_unfinished = or_(*(_verifications.c.status == status for status in UNFINISHED))
_every_column = select(*(_verifications.c[name] for name in COLUMNS))

# What a statement that finishes verifications returns: a Finished per row.
FINISHED_COLUMNS = (_verifications.c.id, _verifications.c.callback_url, _verifications.c.batch_id)


# -- reading ------------------------------------------------------------------------------------


def get(verification_id) -> Row | None:
    found = db.session.execute(_every_column.where(_verifications.c.id == verification_id)).one_or_none()
    return Row(*found) if found is not None else None


def by_idempotency_key(api_key_id, idempotency_key: str) -> Row | None:
    """The verification this key (or staff user, when `api_key_id` is None) saved under this Idempotency-Key."""
    found = db.session.execute(_every_column.where(
        _verifications.c.api_key_id == api_key_id, _verifications.c.idempotency_key == idempotency_key)).one_or_none()
    return Row(*found) if found is not None else None


def status(verification_id) -> str | None:
    return db.session.scalar(select(_verifications.c.status).where(_verifications.c.id == verification_id))


# -- accepting ----------------------------------------------------------------------------------

# Every request of a group in one statement: the rows travel as one JSON array that PostgreSQL turns into
# the table's row type, so the statement is the same for a group of one or of twenty. A column a row
# leaves out would be NULL here, not its default: a Row names every column. Sent as the driver's own SQL
# (psycopg's %(name)s parameters): nothing in it is for SQLAlchemy to compile or convert.
_INSERT_NEW = """
WITH verification AS (
    INSERT INTO verifications SELECT * FROM json_populate_recordset(NULL::verifications, CAST(%(rows)s AS json))
    RETURNING id, created_at, api_key_id, staff_user_id
), denials AS (
    INSERT INTO verification_denials (verification_id, carc, rarc, description)
    SELECT verification_id, carc, rarc, description
    FROM json_populate_recordset(NULL::verification_denials, CAST(%(denials)s AS json))
)
INSERT INTO audit_events (at, action, verification_id, api_key_id, staff_user_id, endpoint, remote_addr)
SELECT v.created_at, 'create', v.id, v.api_key_id, v.staff_user_id, o.endpoint, o.remote_addr
FROM verification v
LEFT JOIN json_populate_recordset(NULL::audit_events, CAST(%(origins)s AS json)) o ON o.verification_id = v.id
"""


class _DriverInsert:
    """SQLite's INSERT of a table's `names` as the driver's own SQL, each value converted by the bind processor
    SQLAlchemy itself gives its column on this dialect (UUIDs to hex, timestamps to SQLite's text, JSON through
    the engine's serializer): made once per dialect, so a group's parameters are all ready before its first
    statement takes the database's write lock (service/sqlite_writes.py), and none is converted while it is held."""

    def __init__(self, table, names: tuple[str, ...], dialect):
        # Names from the models, never from a request; the values go as parameters.
        self.sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # nosec B608
        self._converters = [(name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]

    def parameters(self, rows: list[dict]) -> list[tuple]:
        return [tuple(row[name] if convert is None else convert(row[name]) for name, convert in self._converters)
                for row in rows]


_DENIAL_COLUMNS = ("verification_id", "carc", "rarc", "description")
_AUDIT_COLUMNS = ("at", "action", "verification_id", "api_key_id", "staff_user_id", "endpoint", "remote_addr")


@functools.cache
def _sqlite_inserts(dialect) -> tuple[_DriverInsert, _DriverInsert, _DriverInsert]:
    return (_DriverInsert(_verifications, COLUMNS, dialect), _DriverInsert(_denials, _DENIAL_COLUMNS, dialect),
            _DriverInsert(_audit, _AUDIT_COLUMNS, dialect))


def _as_json(values) -> str:
    """JSON of rows for json_populate_recordset: UUIDs and timestamps as text, JSON columns as objects."""
    return orjson.dumps(values).decode()


def save_new(row: Row, denials: list[dict], origin: audit.Origin = audit.NO_ORIGIN) -> None:
    """Save a new verification with its denial reasons and "create" event (from `origin`'s endpoint and
    address), committed (with whatever other requests' rows the group commit writes with it) when this returns."""
    group_commit.write((row, denials, origin))


def write_new(connection: Connection, items: list[tuple[Row, list[dict], audit.Origin]]) -> None:
    """The group commit's write: new verifications, each with its denial reasons (dicts of carc, rarc,
    description), and the "create" audit event of each."""
    rows = [row._asdict() for row, _, _ in items]
    reasons = [reason | {"verification_id": row["id"]} for row, (_, row_reasons, _) in zip(rows, items, strict=True)
               for reason in row_reasons]
    origins = [{"verification_id": row["id"], **origin._asdict()} for row, (_, _, origin) in zip(rows, items, strict=True)]
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_INSERT_NEW, {"rows": _as_json(rows), "denials": _as_json(reasons),
                                                 "origins": _as_json(origins)})
        return
    verifications, denials, events = _sqlite_inserts(connection.dialect)
    statements = [(verifications.sql, verifications.parameters(rows))]
    if reasons:
        statements.append((denials.sql, denials.parameters(reasons)))
    statements.append((events.sql, events.parameters([
        {"at": row["created_at"], "action": "create", "verification_id": row["id"], "api_key_id": row["api_key_id"],
         "staff_user_id": row["staff_user_id"], "endpoint": origin["endpoint"], "remote_addr": origin["remote_addr"]}
        for row, origin in zip(rows, origins, strict=True)])))
    for sql, parameters in statements:
        connection.exec_driver_sql(sql, parameters)


def save_many(rows: list[Row], denials: list[dict]) -> None:
    """Save a batch's verifications, their denial reasons (with their verification_id) and "create" events,
    in the session's transaction (the batch's own row is in it), and commit."""
    if rows:
        db.session.execute(insert(Verification), [row._asdict() for row in rows])
    if denials:
        db.session.execute(insert(VerificationDenial), denials)
    audit.add("create", [row.id for row in rows])
    db.session.commit()


def undispatched(*verification_ids) -> None:
    """Note that no task is coming for these verifications, so the sweep queues them at its next run."""
    db.session.execute(update(_verifications).where(_verifications.c.id.in_(verification_ids)).values(dispatched_at=None))
    db.session.commit()


# -- running ------------------------------------------------------------------------------------
# Built once: each call only binds its values (the SET columns come from the parameters), so SQLAlchemy
# compiles each once instead of building and hashing a statement per row.


def _marking_running(which):
    return (update(_verifications).where(which, _unfinished)
            .values(status="running", attempts=_verifications.c.attempts + 1)
            .returning(_verifications.c.id, _verifications.c.fingerprint, _verifications.c.request))


_MARK_RUNNING = _marking_running(_verifications.c.id.in_(bindparam("ids", expanding=True)))
# For one verification (a POST's task), without an IN list to expand on every call.
_MARK_ONE_RUNNING = _marking_running(_verifications.c.id == bindparam("one_id"))


# PostgreSQL's, for one verification (a POST's task): sent as the driver's own SQL, like _INSERT_NEW. psycopg
# hands back the UUID and the parsed request itself (the engine gave it orjson for JSON columns).
_MARK_ONE_RUNNING_PG = """
UPDATE verifications SET status = 'running', attempts = attempts + 1
WHERE id = %(id)s AND status IN ('queued', 'running')
RETURNING id, fingerprint, request
"""


def mark_running(verification_ids: list) -> list:
    """Mark these verifications running (those still queued or running), counting the attempt; (id,
    fingerprint, request) of each. Committed at once, so a request that kills its worker every time runs
    out of attempts; one statement, so in autocommit mode it costs one round trip."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if len(verification_ids) == 1:
            if connection.dialect.name == "postgresql":
                return connection.exec_driver_sql(_MARK_ONE_RUNNING_PG, {"id": verification_ids[0]}).all()
            return connection.execute(_MARK_ONE_RUNNING, {"one_id": verification_ids[0]}).all()
        return connection.execute(_MARK_RUNNING, {"ids": verification_ids}).all()


# Sent as the driver's own SQL: the result arrives already serialized (the worker made its JSON once, for the
# cache and the announcement too), so nothing in it is for SQLAlchemy to compile or convert.
_FINISH = """
WITH finished AS (
    UPDATE verifications
    SET status = %(status)s, completed_at = %(completed_at)s, cached = %(cached)s, result = CAST(%(result)s AS json),
        program = %(program)s, determination = %(determination)s, rule_module = %(rule_module)s,
        rule_version = %(rule_version)s
    WHERE fingerprint = %(fingerprint)s AND status IN ('queued', 'running')
    RETURNING id, callback_url, batch_id
), denials AS (
    INSERT INTO verification_denials (verification_id, carc, rarc, description)
    SELECT finished.id, reason.carc, reason.rarc, reason.description
    FROM finished CROSS JOIN json_to_recordset(CAST(%(denials)s AS json)) AS reason(carc text, rarc text, description text)
)
SELECT id, callback_url, batch_id FROM finished
"""

_FINISH_SQLITE = (
    update(_verifications)
    .where(_verifications.c.fingerprint == bindparam("finishing"), _unfinished)
    .returning(*FINISHED_COLUMNS)
)


def finish(connection: Connection, fingerprint: str, columns: dict, denials: list[dict],
           result_json: bytes | None = None) -> list[Finished]:
    """Give every queued or running verification of `fingerprint` the result `columns` (RESULT_COLUMNS)
    and its denial reasons; the verifications it moved. `result_json` is the result already serialized, if
    the caller has it. Only the statement that moves a row out of queued/running writes it, so each is
    finished exactly once."""
    if connection.dialect.name == "postgresql":
        serialized = result_json if result_json is not None else orjson.dumps(columns["result"])
        moved = connection.exec_driver_sql(_FINISH, {
            **columns, "result": serialized.decode(), "fingerprint": fingerprint,
            "denials": orjson.dumps(denials).decode()}).all()
        return [Finished(*row) for row in moved]
    moved = connection.execute(_FINISH_SQLITE, {**columns, "finishing": fingerprint}).all()
    reasons = [reason | {"verification_id": row.id} for row in moved for reason in denials]
    if reasons:
        connection.execute(insert(_denials), reasons)
    return [Finished(*row) for row in moved]


def finish_all(results: dict[str, dict], *, cached: bool, completed_at=None,
               serialized: dict[str, bytes] | None = None) -> list[Finished]:
    """Finish every saved, unfinished verification of these fingerprints with its result (and its denial
    reasons), each exactly once; the verifications finished. `serialized` holds results already made JSON,
    by fingerprint. One request's rows are one statement on PostgreSQL, committed on its own; more, one
    transaction."""
    single = len(results) == 1 and db.engine.dialect.name == "postgresql"
    finished = []
    serialized = serialized or {}
    with (db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") if single else db.engine.begin()) as connection:
        for fingerprint, result in results.items():
            rows = finish(connection, fingerprint, result_columns(result, cached=cached, completed_at=completed_at),
                          denial_rows(result), serialized.get(fingerprint))
            metrics.check_finished(result, cached=cached, count=len(rows))
            finished += rows
    return finished


_FAIL = (
    update(_verifications)
    .where(_verifications.c.fingerprint.in_(bindparam("failing", expanding=True)), _unfinished)
    .returning(*FINISHED_COLUMNS)
)


def fail_all(fingerprints, message: str, completed_at) -> list[Finished]:
    """Fail every unfinished verification of these fingerprints with `message` (the same request fails the
    same way); the verifications failed."""
    with db.engine.begin() as connection:
        failing = connection.execute(_FAIL, {"failing": list(fingerprints), "status": "failed",
                                             "completed_at": completed_at, "error": message}).all()
    return [Finished(*row) for row in failing]


def replace_result(verification_id, request_json: dict, result: dict) -> None:
    """Give a finished verification a new request and result (the payer's 271 came, the rules ran again)
    with their denial reasons, in the session's transaction (not committed). Its digests stay those of the
    request as submitted: an Idempotency-Key replay of that body still finds it."""
    db.session.execute(update(_verifications).where(_verifications.c.id == verification_id).values(
        request=request_json, result=result, program=result.get("program"), determination=result.get("determination"),
        rule_module=result.get("rule_module"), rule_version=result.get("rule_version"), cached=False))
    db.session.execute(delete(_denials).where(_denials.c.verification_id == verification_id))
    reasons = [reason | {"verification_id": verification_id} for reason in denial_rows(result)]
    if reasons:
        db.session.execute(insert(_denials), reasons)


def complete_batches(verification_ids) -> list:
    """Mark complete the batches of these just-finished verifications that have no row left to run;
    each batch is completed exactly once. The ids of the batches completed by this call."""
    batch_ids = db.session.scalars(
        select(Verification.batch_id).distinct().where(
            Verification.id.in_(list(verification_ids)), Verification.batch_id.is_not(None)
        )
    ).all()
    completed = []
    for batch_id in batch_ids:
        unfinished = db.session.scalar(
            select(func.count()).where(Verification.batch_id == batch_id, Verification.status.in_(UNFINISHED))
        )
        if unfinished:
            continue
        if db.session.execute(
            update(Batch).where(Batch.id == batch_id, Batch.completed_at.is_(None)).values(completed_at=utcnow())
        ).rowcount:
            completed.append(batch_id)
            commit_durably(db.session)
        else:
            db.session.commit()
    return completed
