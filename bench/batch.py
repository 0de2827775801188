"""The batch figure: tomorrow's schedule of 10,000 rows, as CONTRACT.md's CSV, timed from POST to complete."""

from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import dataclass
from datetime import date, timedelta

import orjson

from bench.load import Client

HEADER = ("first_name,last_name,date_of_birth,program,carrier,plan_type,member_id,group_number,network_status,"
          "services,charges,diagnoses,date_of_service,sessions").split(",")
FIRST_NAMES = ("Dana", "Sam", "Alex", "Jordan", "Maria", "Wei", "Aisha", "Luis", "Priya", "Tom", "Grace", "Omar")
LAST_NAMES = ("Reyes", "Okafor", "Nguyen", "Smith", "Garcia", "Kim", "Patel", "Johnson", "Haddad", "Novak")
COMMERCIAL = (("Aetna", "PPO"), ("Cigna", "HMO"), ("UnitedHealthcare", "PPO"), ("Anthem Blue Cross", "EPO"),
              ("Kaiser Permanente", "HMO"), ("Blue Shield of California", "PPO"), ("Health Net", "POS"))
# (program, share of the schedule, carrier and plan, services, charges, diagnoses, sessions)
SCHEDULE = (
    ("commercial", 45, None, "96365;96366;J3490;99214", "550.00;150.00;45.00;180.00", "F43.10", 6),
    ("va_ccn", 25, ("TriWest", ""), "96365;J3490;99213", "500.00;45.00;140.00", "F43.10;F33.1", 6),
    ("tricare", 15, ("TriWest", "SELECT"), "J0013;G2082", "900.00;650.00", "F33.2", 8),
    ("self_pay", 15, ("", ""), "96365;J3490", "500.00;45.00", "F32.2", 4),
)
POLL_SECONDS = 1.0


def schedule_csv(rows: int, day: date | None = None) -> bytes:
    """`rows` appointments for `day` (tomorrow), every patient distinct, programs in SCHEDULE's shares."""
    day = day or date.today() + timedelta(days=1)
    programs = [entry for entry in SCHEDULE for _ in range(entry[1])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in range(rows):
        program, _, carrier_plan, services, charges, diagnoses, sessions = programs[row % len(programs)]
        carrier, plan = carrier_plan or COMMERCIAL[row % len(COMMERCIAL)]
        insured = program != "self_pay"
        writer.writerow([
            FIRST_NAMES[row % len(FIRST_NAMES)], LAST_NAMES[row // len(FIRST_NAMES) % len(LAST_NAMES)],
            (date(1950, 1, 1) + timedelta(days=row * 7 % 20000)).isoformat(), program, carrier, plan,
            f"M{row:08d}" if insured else "", "", "in_network" if insured else "", services, charges, diagnoses,
            day.isoformat(), sessions,
        ])
    return out.getvalue().encode()


@dataclass
class BatchResult:
    """Seconds from POST to `complete` (infinite if it never completed), or None when the figure cannot be taken."""

    seconds: float | None
    detail: str
    rows: int = 10_000


def measure(client: Client, rows: int, timeout: float = 300.0) -> BatchResult:
    body = schedule_csv(rows)
    started = time.perf_counter()
    status, data, _ = client.call("POST", "/api/v1/batches", body, "text/csv")
    if status in (404, 405):
        return BatchResult(None, "n/a (batches not available)", rows)
    if status != 202:
        return BatchResult(None, f"n/a (POST /api/v1/batches answered {status}, {len(body):,} bytes sent)", rows)
    batch_id = orjson.loads(data)["id"]
    deadline = started + timeout
    while time.perf_counter() < deadline:
        time.sleep(POLL_SECONDS)
        status, data, poll_seconds = client.call("GET", f"/api/v1/batches/{batch_id}")
        if status != 200:
            return BatchResult(None, f"n/a (GET /api/v1/batches/<id> answered {status})", rows)
        batch = orjson.loads(data)
        if batch["status"] == "complete":
            elapsed = time.perf_counter() - started
            errors = len(batch.get("errors") or ())
            return BatchResult(elapsed, f"{batch.get('done', '?')}/{batch.get('total', '?')} done, {errors} row errors; "
                                        f"CSV {len(body) / 1e6:.2f} MB; last poll {len(data) / 1e6:.1f} MB in "
                                        f"{poll_seconds * 1000:.0f} ms", rows)
    return BatchResult(math.inf, f"not complete after {timeout:.0f} s", rows)
