"""The two writes on a verification's hot paths, each one statement on PostgreSQL.

- `insert_new`: new verifications (a group commit's) with their denial reasons (a cache hit has
  them) and their "create" audit events;
- `finish`: every unfinished verification of one request (a fingerprint) with its result and denial
  reasons, answering which ones it moved.

On PostgreSQL each is a single statement whose data-modifying CTEs write the other tables, so it
costs one round trip, one statement for SQLAlchemy to run, and in autocommit mode no BEGIN or
COMMIT. SQLite has no data-modifying CTEs; it runs in the process, so it writes table by table in
the caller's transaction.
"""

from typing import NamedTuple

import orjson
from sqlalchemy import Connection, bindparam, insert, text, update

from service.json_text import SerializedJSON
from service.models import AuditEvent, Verification, VerificationDenial

UNFINISHED = ("queued", "running")
_verifications = Verification.__table__
_denials = VerificationDenial.__table__
_audit = AuditEvent.__table__
RESULT_COLUMNS = ("status", "completed_at", "cached", "result", "program", "determination", "rule_module",
                  "rule_version")


class Finished(NamedTuple):
    """A verification that has just finished, with what decides what follows (a webhook, a batch's end)."""

    id: object
    callback_url: str | None
    batch_id: object


# What a statement that finishes verifications returns: a Finished per row.
FINISHED_COLUMNS = (_verifications.c.id, _verifications.c.callback_url, _verifications.c.batch_id)


def _typed(names):
    """Bind parameters typed like their verifications columns (UUIDs, JSON, timestamps convert as in the ORM)."""
    return [bindparam(name, type_=_verifications.c[name].type) for name in names]


# Every request of a group in one statement: the rows travel as one JSON array that PostgreSQL turns into
# the table's row type, so the statement is the same for a group of one or of twenty. A column a row
# leaves out is NULL here, not its default: new rows name every column (verifications._new_row).
_INSERT_NEW = text("""
WITH verification AS (
    INSERT INTO verifications SELECT * FROM json_populate_recordset(NULL::verifications, CAST(:rows AS json))
    RETURNING id, created_at, api_key_id, staff_user_id
), denials AS (
    INSERT INTO verification_denials (verification_id, carc, rarc, description)
    SELECT verification_id, carc, rarc, description
    FROM json_populate_recordset(NULL::verification_denials, CAST(:denials AS json))
)
INSERT INTO audit_events (at, action, verification_id, api_key_id, staff_user_id)
SELECT created_at, 'create', id, api_key_id, staff_user_id FROM verification
""")


def _as_json(values) -> str:
    """JSON of rows for json_populate_recordset: UUIDs and timestamps as text, JSON columns as objects (a
    result already serialized goes in as it is)."""
    return orjson.dumps(values, default=_fragment, option=orjson.OPT_PASSTHROUGH_SUBCLASS).decode()


def _fragment(value):
    if isinstance(value, SerializedJSON):
        return orjson.Fragment(str(value))  # str() of a subclass: the plain str orjson takes
    if isinstance(value, str):
        return str(value)
    raise TypeError(type(value).__name__)


_FINISH = text("""
WITH finished AS (
    UPDATE verifications
    SET status = :status, completed_at = :completed_at, cached = :cached, result = :result, program = :program,
        determination = :determination, rule_module = :rule_module, rule_version = :rule_version
    WHERE fingerprint = :fingerprint AND status IN ('queued', 'running')
    RETURNING id, callback_url, batch_id
), denials AS (
    INSERT INTO verification_denials (verification_id, carc, rarc, description)
    SELECT finished.id, reason.carc, reason.rarc, reason.description
    FROM finished CROSS JOIN json_to_recordset(CAST(:denials AS json)) AS reason(carc text, rarc text, description text)
)
SELECT id, callback_url, batch_id FROM finished
""").bindparams(*_typed(RESULT_COLUMNS))

_FINISH_SQLITE = (
    update(_verifications)
    .where(_verifications.c.fingerprint == bindparam("finishing"), _verifications.c.status.in_(UNFINISHED))
    .returning(*FINISHED_COLUMNS)
)


def insert_new(connection: Connection, rows: list[dict], denials: list[list[dict]]) -> None:
    """Insert new verifications (every column of each), the denial reasons of each (`denials[i]` for
    `rows[i]`, dicts of carc, rarc, description) and the "create" audit event of each."""
    reasons = [reason | {"verification_id": row["id"]} for row, row_reasons in zip(rows, denials, strict=True)
               for reason in row_reasons]
    if connection.dialect.name == "postgresql":
        connection.execute(_INSERT_NEW, {"rows": _as_json(rows), "denials": _as_json(reasons)})
        return
    connection.execute(insert(_verifications), rows)
    if reasons:
        connection.execute(insert(_denials), reasons)
    connection.execute(insert(_audit), [
        {"at": row["created_at"], "action": "create", "verification_id": row["id"], "api_key_id": row["api_key_id"],
         "staff_user_id": row["staff_user_id"]} for row in rows])


def finish(connection: Connection, fingerprint: str, columns: dict, denials: list[dict]) -> list[Finished]:
    """Give every queued or running verification of `fingerprint` the result `columns` (RESULT_COLUMNS)
    and its denial reasons; the verifications it moved. Only the statement that moves a row out of
    queued/running writes it, so each is finished exactly once."""
    if connection.dialect.name == "postgresql":
        moved = connection.execute(
            _FINISH, {**columns, "fingerprint": fingerprint, "denials": orjson.dumps(denials).decode()}).all()
        return [Finished(*row) for row in moved]
    moved = connection.execute(_FINISH_SQLITE, {**columns, "finishing": fingerprint}).all()
    reasons = [reason | {"verification_id": row.id} for row in moved for reason in denials]
    if reasons:
        connection.execute(insert(_denials), reasons)
    return [Finished(*row) for row in moved]
