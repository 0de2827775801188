"""Batches: many appointments checked at once, from a CSV or a JSON list; their progress and results.

Every row is validated with the same schema as a single verification. Bad rows are reported by
row and field and the good ones still run: they become verifications with the batch's id and
their row number, inserted together and evaluated by a task per chunk. Progress is counted from
those rows, so a task that runs twice never counts twice.
"""

import csv
import heapq
import io
import uuid

from flask import current_app, url_for
from marshmallow import ValidationError
from sqlalchemy import func, select

from schemas.verification_request import VerificationRequestSchema
from service import exports, json_body
from service.errors import flatten_messages, reject
from service.extensions import db
from service.models import ApiKey, Batch, StaffUser, Verification
from service.verification.accept import submit_many
from service.verification.document import document as verification_document
from service.verification.document import timestamp

# CSV column -> request field. The contract's columns first; the rest are optional extras.
COLUMN_PATHS = {
    "first_name": "patient.first_name",
    "last_name": "patient.last_name",
    "date_of_birth": "patient.date_of_birth",
    "program": "coverage.program",
    "carrier": "coverage.carrier",
    "plan_type": "coverage.plan_type",
    "member_id": "coverage.member_id",
    "group_number": "coverage.group_number",
    "network_status": "coverage.network_status",
    "date_of_service": "date_of_service",
    "sessions": "sessions",
    "veteran": "patient.veteran",
    "relationship": "coverage.relationship",
    "beneficiary_category": "coverage.beneficiary_category",
    "coverage_start": "coverage.coverage_start",
    "coverage_end": "coverage.coverage_end",
    "authorization_type": "coverage.authorization.type",
    "authorization_number": "coverage.authorization.number",
    "authorization_valid_from": "coverage.authorization.valid_from",
    "authorization_valid_to": "coverage.authorization.valid_to",
    "approved_visits": "coverage.authorization.approved_visits",
    "used_visits": "coverage.authorization.used_visits",
    "scheduled_on": "scheduled_on",
}
# `;`-separated lists.
LIST_PATHS = {"diagnoses": "diagnoses", "approved_codes": "coverage.authorization.approved_codes"}
# `;`-separated, one per service: service line field -> column.
LINE_COLUMNS = {"code": "services", "charge": "charges", "units": "units"}
REQUIRED_COLUMNS = ("first_name", "last_name", "date_of_birth", "services")
CSV_TYPES = ("text/csv", "application/csv", "text/plain")

_PATH_COLUMNS = {path: column for column, path in (COLUMN_PATHS | LIST_PATHS).items()}
_schema = VerificationRequestSchema()


def accept(mimetype: str, data: bytes, *, callback_url=None, api_key_id=None, staff_user_id=None) -> Batch:
    """Read, validate and queue an upload; the batch, with its bad rows listed."""
    if mimetype in CSV_TYPES:
        records = read_csv(data)
    elif mimetype == "application/json":
        records = read_json(data)
    else:
        reject(415, "Send the batch as text/csv or as a JSON list (application/json).",
               fields={"body": ["Expected text/csv or application/json."]})
    by_column = mimetype != "application/json"
    good, errors = [], []
    for row, body, problems in records:
        try:
            request = _schema.load(body) if body is not None else None
        except ValidationError as error:
            problems = _merge(problems, flatten_messages(error.messages))
        if problems:
            errors.append({"row": row, "fields": _by_column(problems) if by_column else problems})
        else:
            good.append((row, request))
    if not good:
        reject(422, "No row of the batch is valid.",
               fields={f"{error['row']}.{field}": messages for error in errors for field, messages in error["fields"].items()})
    batch = Batch(id=uuid.uuid4(), total=len(records), errors=errors, callback_url=callback_url,
                  api_key_id=api_key_id, staff_user_id=staff_user_id)
    db.session.add(batch)
    db.session.flush()
    submit_many(good, batch_id=batch.id, api_key_id=api_key_id, staff_user_id=staff_user_id)
    return batch


def _merge(first: dict, second: dict) -> dict:
    merged = {field: list(messages) for field, messages in first.items()}
    for field, messages in second.items():
        merged.setdefault(field, []).extend(messages)
    return merged


def _check_size(count: int) -> None:
    limit = current_app.config["BATCH_MAX_ROWS"]
    if count > limit:
        reject(413, f"A batch holds at most {limit:,} rows; send the rest in another batch.",
               fields={"body": [f"At most {limit} rows."]})


def read_csv(data: bytes) -> list[tuple[int, dict, dict]]:
    """(row, request body, problems the schema cannot see) per CSV record; row 1 is the line after the header."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        reject(400, "The CSV is not UTF-8 text.", fields={"body": ["Not UTF-8."]})
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in reader.fieldnames or ()]
    except csv.Error:
        _unreadable(0)
    if missing := [column for column in REQUIRED_COLUMNS if column not in header]:
        reject(422, "The CSV header lacks required columns.",
               fields={"header": [f"Missing: {', '.join(missing)}. Expected: " + ",".join(COLUMN_PATHS) + "…"]})
    reader.fieldnames = header
    records = []
    while True:
        try:
            record = next(reader, None)
        except csv.Error:
            _unreadable(len(records) + 1)
        if record is None:
            break
        _check_size(len(records) + 1)
        records.append((reader.line_num - 1, *csv_body(record)))
    if not records:
        reject(422, "The batch has no rows.", fields={"body": ["No rows after the header."]})
    return records


def _unreadable(row: int):
    """The csv module gave up on a record: a cell longer than its limit (131,072 characters), which no
    column may hold, or quoting it cannot follow. Nothing after it can be trusted to line up."""
    where = "header" if row == 0 else str(row)
    reject(422, f"The CSV cannot be read at {'the header' if row == 0 else f'row {row}'}: a cell longer than "
           f"{csv.field_size_limit():,} characters, or broken quoting.",
           fields={where: [f"A cell of at most {csv.field_size_limit()} characters, quoted correctly."]})


def read_json(data: bytes) -> list[tuple[int, dict | None, dict]]:
    """(row, request body or None when the item is no object, problems) per item of a JSON list; row 1 is the first."""
    items = json_body.loads(data)
    if not isinstance(items, list) or not items:
        reject(422, "Send a JSON list of verification requests.", fields={"body": ["Expected a non-empty list."]})
    _check_size(len(items))
    return [
        (row, item, {}) if isinstance(item, dict) else (row, None, {"body": ["Expected a JSON object."]})
        for row, item in enumerate(items, start=1)
    ]


def _items(value: str | None) -> list[str]:
    value = (value or "").strip()
    return [part.strip() for part in value.split(";")] if value else []


def _put(body: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        body = body.setdefault(part, {})
    body[last] = value


def csv_body(record: dict) -> tuple[dict, dict]:
    """One CSV record as a request body (strings: the schema converts them), and problems of its lists."""
    body, problems = {"patient": {}, "coverage": {}}, {}
    for column, path in COLUMN_PATHS.items():
        if value := (record.get(column) or "").strip():
            _put(body, path, value)
    for column, path in LIST_PATHS.items():
        if values := _items(record.get(column)):
            _put(body, path, values)
    lines = {field: _items(record.get(column)) for field, column in LINE_COLUMNS.items()}
    count = len(lines["code"])
    for field in ("charge", "units"):
        if lines[field] and len(lines[field]) != count:
            problems[LINE_COLUMNS[field]] = [
                f"{len(lines[field])} values for {count} services: give one per service, or leave one empty."
            ]
    body["services"] = [
        {"code": code} | {field: lines[field][index] for field in ("charge", "units")
                          if index < len(lines[field]) and lines[field][index]}
        for index, code in enumerate(lines["code"])
    ]
    return body, problems


def _by_column(problems: dict) -> dict:
    """Schema error paths as the CSV columns a person would fix: services.1.charge -> charges (service 2)."""
    columns: dict[str, list[str]] = {}
    for path, messages in problems.items():
        column, prefix = _column_of(path)
        columns.setdefault(column, []).extend(prefix + message for message in messages)
    return columns


def _column_of(path: str) -> tuple[str, str]:
    if path in _PATH_COLUMNS:
        return _PATH_COLUMNS[path], ""
    parts = path.split(".")
    if parts[0] == "services" and len(parts) == 3 and parts[1].isdigit():
        return LINE_COLUMNS.get(parts[2], "services"), f"service {int(parts[1]) + 1}: "
    *list_path, index = parts
    if index.isdigit() and ".".join(list_path) in _PATH_COLUMNS:
        return _PATH_COLUMNS[".".join(list_path)], f"item {int(index) + 1}: "
    if path == "coverage.authorization":
        return "authorization_type", ""
    return path, ""


def get(batch_id) -> Batch:
    batch = db.session.get(Batch, batch_id)
    if batch is None:
        reject(404, "No batch has that id.")
    return batch


def _counts(batch_ids) -> dict:
    """batch id -> [(status, determination, rows)] for the batches named, in one query."""
    counts: dict = {}
    for batch_id, status, determination, count in db.session.execute(
        select(Verification.batch_id, Verification.status, Verification.determination, func.count())
        .where(Verification.batch_id.in_(batch_ids))
        .group_by(Verification.batch_id, Verification.status, Verification.determination)
    ):
        counts.setdefault(batch_id, []).append((status, determination, count))
    return counts


def progress(batch: Batch, counts=None) -> dict:
    """Counts from the rows themselves: done (answered, failed or rejected), failed, and per determination.
    `counts`: the batch's (status, determination, rows), when already read with other batches'."""
    if counts is None:
        counts = _counts([batch.id]).get(batch.id, [])
    rejected = len(batch.errors or ())
    by_determination: dict[str, int] = {}
    failed = started = 0
    for status, determination, count in counts:
        if status == "complete":
            by_determination[determination] = by_determination.get(determination, 0) + count
        elif status == "failed":
            failed += count
        elif status == "running":
            started += count
    done = rejected + failed + sum(by_determination.values())
    status = "complete" if done >= batch.total else "running" if done > rejected or started else "queued"
    return {"status": status, "total": batch.total, "done": done, "rejected": rejected, "failed": failed,
            "by_determination": by_determination}


def history(*, page: int = 1, per_page: int = 20) -> tuple[list[dict], int]:
    """The clinic's batches, newest first, a page at a time: when, who uploaded each (the staff user's name,
    or the API key's label), and its progress; no patient's data. With the total number of batches."""
    total = db.session.scalar(select(func.count()).select_from(Batch))
    found = db.session.execute(
        select(Batch, StaffUser.username, ApiKey.label)
        .outerjoin(StaffUser, StaffUser.id == Batch.staff_user_id)
        .outerjoin(ApiKey, ApiKey.id == Batch.api_key_id)
        .order_by(Batch.created_at.desc(), Batch.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    counts = _counts([batch.id for batch, *_ in found])
    items = [
        {"id": str(batch.id), "created_at": timestamp(batch.created_at), "completed_at": timestamp(batch.completed_at),
         "uploaded_by": uploaded_by(username, label), **progress(batch, counts.get(batch.id, [])), "links": links(batch)}
        for batch, username, label in found
    ]
    return items, total


def uploaded_by(username: str | None, key_label: str | None) -> dict:
    """Who uploaded a batch, as staff know them: a signed-in user by name, a client by its key's label."""
    if username is not None:
        return {"kind": "staff", "name": username}
    return {"kind": "api_key", "name": key_label or "an API client"}


def uploader(batch: Batch) -> dict:
    """`uploaded_by` of one batch."""
    user = db.session.get(StaffUser, batch.staff_user_id) if batch.staff_user_id else None
    key = db.session.get(ApiKey, batch.api_key_id) if batch.api_key_id and user is None else None
    return uploaded_by(user.username if user else None, key.label if key else None)


def links(batch: Batch) -> dict:
    path = url_for("batches.batch", batch_id=batch.id)
    return {"self": path, "csv": f"{path}?format=csv"}


def rows(batch: Batch, *, page: int = 1, per_page: int = 100) -> list[Verification]:
    """A page of the batch's verifications, in row order."""
    return db.session.scalars(
        select(Verification).where(Verification.batch_id == batch.id)
        .order_by(Verification.batch_row).limit(per_page).offset((page - 1) * per_page)
    ).all()


def document(batch: Batch, *, page: int = 1, per_page: int = 100) -> dict:
    """The batch's progress and, a page at a time in row order, its rows' verifications."""
    items = rows(batch, page=page, per_page=per_page) if per_page else []
    return {
        "id": str(batch.id),
        **progress(batch),
        "created_at": timestamp(batch.created_at),
        "completed_at": timestamp(batch.completed_at),
        "errors": batch.errors or [],
        "page": page,
        "per_page": per_page,
        "items": [verification_document(item) | {"row": item.batch_row} for item in items],
        "links": links(batch),
    }


def accepted(batch: Batch) -> dict:
    """The 202 answer: the batch's id, state and bad rows."""
    status = progress(batch)
    return {"id": str(batch.id), "status": status["status"], "total": batch.total, "rejected": status["rejected"],
            "errors": batch.errors or [], "links": links(batch)}


def csv_lines(batch: Batch, *, with_patients: bool):
    """The results as CSV text, one line per row (rejected rows too), in row order, streamed;
    `with_patients`: led by each row's patient (billing's), else by the row number alone."""
    stored = exports.in_slices(
        select(Verification).where(Verification.batch_id == batch.id).order_by(Verification.batch_row)
    )
    answered = ((item.batch_row, exports.summary(item)) for item in stored)
    rejected = ((error["row"], exports.rejected(error)) for error in batch.errors or ())
    rows = (line | {"row": row} for row, line in heapq.merge(answered, rejected, key=lambda pair: pair[0]))
    return exports.csv_lines(("row", *exports.columns(with_patients)), rows)
