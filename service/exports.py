"""CSV for billing and for batch results: one line per verification, led by who the patient is.

Billing works on patients, not ids: every line names the patient, their date of birth, member id, the
payer and the date of service (PHI: only billing and admin read these exports, and each is audited).

Every cell is quoted, so no separator a spreadsheet may split on (`,`, or `;` where that is the list
separator) can start a new cell; a cell that a spreadsheet would run as a formula (=, +, -, @, a tab or
a carriage return first) is prefixed with a `'`.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date

from flask import Response, stream_with_context

from service.extensions import db
from service.models import Verification
from service.verification.document import timestamp
from service.words import plain

PATIENT_COLUMNS = ("last_name", "first_name", "date_of_birth", "member_id", "payer", "date_of_service")
COLUMNS = (
    *PATIENT_COLUMNS, "explanation",
    "id", "created_at", "completed_at", "status", "program", "carrier", "rule_module", "rule_version",
    "determination", "carcs", "rarcs", "denied_codes", "requirements", "off_label", "sessions",
    "per_session_patient", "per_session_payer", "total_patient", "total_payer", "submit_to", "payer_id",
    "cached", "batch_id", "error",
)


def columns(with_patients: bool) -> tuple[str, ...]:
    """The CSV's columns; without the patient's own (name, birth date, member id, payer, date of service) for
    a role below billing."""
    return COLUMNS if with_patients else COLUMNS[len(PATIENT_COLUMNS):]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A separator inside a cell, then a formula's first character: a spreadsheet that splits on `;` (the list
# separator of many locales) would start a new cell there, whatever the quoting says.
_FORMULA_AFTER_SEPARATOR = re.compile(r"([,;\t\r\n])(?=[=+\-@\t\r])")


def _joined(values) -> str:
    return ";".join(dict.fromkeys(value for value in values if value))


def patient(verification: Verification) -> dict:
    """Who and what a verification is about, as billing finds it: the stored request's patient, member id
    and date of service, and the payer the result bills (the carrier as entered until there is one)."""
    request = verification.request or {}
    person, coverage = request.get("patient") or {}, request.get("coverage") or {}
    billing = (verification.result or {}).get("billing") or {}
    return {
        "first_name": person.get("first_name"),
        "last_name": person.get("last_name"),
        "date_of_birth": person.get("date_of_birth"),
        "member_id": coverage.get("member_id"),
        "payer": billing.get("submit_to") or verification.carrier,
        "date_of_service": request.get("date_of_service"),
    }


def explanation(result: dict) -> str:
    """The denial reasons in plain words, each with its codes, for a reader of the CSV who has no console
    (dates in it as MM/DD/YYYY: the one column written for people; the others keep the API's values)."""
    return " ".join(
        f"CARC {reason['carc']}{'/' + reason['rarc'] if reason.get('rarc') else ''}: {plain(reason.get('explanation') or reason['description'])}"
        for reason in result.get("denial_reasons") or ()
    )


def summary(verification: Verification) -> dict:
    """What billing reads of one verification, flat."""
    result = verification.result or {}
    reasons = result.get("denial_reasons") or ()
    estimate = result.get("estimate") or {}
    per_session, total = estimate.get("per_session") or {}, estimate.get("total") or {}
    billing = result.get("billing") or {}
    return {
        **patient(verification),
        "explanation": explanation(result),
        "id": verification.id,
        "created_at": timestamp(verification.created_at),
        "completed_at": timestamp(verification.completed_at),
        "status": verification.status,
        "program": verification.program,
        "carrier": verification.carrier,
        "rule_module": verification.rule_module,
        "rule_version": verification.rule_version,
        "determination": verification.determination,
        "carcs": _joined(reason["carc"] for reason in reasons),
        "rarcs": _joined(reason.get("rarc") for reason in reasons),
        "denied_codes": _joined(code for reason in reasons for code in reason.get("codes") or ()),
        "requirements": _joined(requirement["kind"] for requirement in result.get("requirements") or ()),
        "off_label": bool(result.get("off_label")) if result else None,
        "sessions": estimate.get("sessions"),
        "per_session_patient": per_session.get("patient"),
        "per_session_payer": per_session.get("payer"),
        "total_patient": total.get("patient"),
        "total_payer": total.get("payer"),
        "submit_to": billing.get("submit_to"),
        "payer_id": billing.get("payer_id"),
        "cached": verification.cached,
        "batch_id": verification.batch_id,
        "error": verification.error,
    }


def in_slices(query, size: int = 500) -> Iterator[Verification]:
    """The query's rows, read a slice at a time as the CSV streams (each slice in whatever session is current:
    the request's may be closed before a streamed response ends)."""
    offset = 0
    while True:
        rows = db.session.scalars(query.limit(size).offset(offset)).all()
        yield from rows
        if len(rows) < size:
            return
        offset += size


def rejected(error: dict) -> dict:
    """A batch row that was never checked, with what was wrong with it."""
    problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error["fields"].items())
    return {"status": "rejected", "error": problems}


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    text = _FORMULA_AFTER_SEPARATOR.sub(r"\1'", str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(columns: Iterable[str], rows: Iterable[dict]) -> Iterator[str]:
    """The header, then one CSV line per row, each as text as soon as it is made."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    columns = tuple(columns)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
        if buffer.tell() > 16_384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(lines: Iterator[str], name: str) -> Response:
    """Streamed CSV, downloaded as `name`-<today>.csv, never cached (it describes patients' coverage)."""
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{date.today():%Y%m%d}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def wants_csv(format: str | None, accept) -> bool:
    """?format=csv, or an Accept header preferring text/csv to JSON."""
    if format:
        return format == "csv"
    return accept.best_match(("application/json", "text/csv")) == "text/csv"
