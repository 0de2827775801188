"""A verification's row as the lifecycle holds it: one field per column of the verifications table.

`Row` is made from the table itself and has no defaults, so a row that leaves a column out (or
names one the table lacks) cannot be built: every new row written names every column, as the
one-statement INSERT of a group of rows needs (a column left out there is NULL, not its default).
"""

import uuid
from typing import NamedTuple

from service.ids import uuid7
from service.models import Verification, utcnow

_table = Verification.__table__

COLUMNS = tuple(column.name for column in _table.columns)
Row = NamedTuple("Row", [(column.name, column.type.python_type | None) for column in _table.columns])
Row.__doc__ = "One verification, every column of the verifications table (read only: `_replace` makes a changed copy)."

UNFINISHED = ("queued", "running")
FINISHED = ("complete", "failed")
# The columns a finished result fills (the rest are set once, when the verification is saved).
RESULT_COLUMNS = ("status", "completed_at", "cached", "result", "program", "determination", "rule_module",
                  "rule_version")


class Finished(NamedTuple):
    """A verification that has just finished, with what decides what follows (a webhook, a batch's end)."""

    id: uuid.UUID
    callback_url: str | None
    batch_id: uuid.UUID | None


def new(request_columns: dict, **columns) -> Row:
    """A new, queued verification of a request: `request_columns` are those the request fills
    (`accept.request_columns`), `columns` any other this one sets (who asked, its batch)."""
    return Row(**{
        "id": uuid7(),
        "status": "queued",
        "created_at": utcnow(),
        "completed_at": None,
        "cached": False,
        "attempts": 0,
        "api_key_id": None,
        "staff_user_id": None,
        "idempotency_key": None,
        "dispatched_at": None,
        "batch_id": None,
        "batch_row": None,
        "program": None,
        "determination": None,
        "rule_module": None,
        "rule_version": None,
        "result": None,
        "error": None,
        **request_columns,
        **columns,
    })


def result_columns(result: dict, *, cached: bool, completed_at=None) -> dict:
    """The columns a finished result fills (RESULT_COLUMNS)."""
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


def denial_rows(result: dict) -> list[dict]:
    """The denial reasons of a result as verification_denials columns, for billing's filters and counts."""
    return [
        {"carc": reason["carc"], "rarc": reason.get("rarc"), "description": reason.get("description", "")[:300]}
        for reason in result.get("denial_reasons") or ()
    ]
