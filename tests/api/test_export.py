"""CSV export of billing's verification search: the same filters, every match, each line led by its patient."""

import csv
import io

import pytest
from sqlalchemy import select

from service.extensions import db
from service.models import AuditEvent, Verification
from tests.api.conftest import result
from tests.requests import record_result


def exported(client, auth, **params) -> tuple[object, list[dict]]:
    response = client.get("/api/v1/verifications", query_string={"format": "csv", **params}, headers=auth("billing"))
    assert response.status_code == 200
    return response, list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_csv_follows_the_filters_and_is_not_paged(client, auth, history):
    response, rows = exported(client, auth, carc="55", per_page=1)

    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="verifications-')
    assert response.headers["Cache-Control"] == "no-store"
    assert len(rows) == 3
    assert all("55" in row["carcs"].split(";") for row in rows)
    assert {row["program"] for row in rows} == {"commercial", "tricare"}


def test_accept_text_csv_asks_for_csv_and_json_stays_the_default(client, auth, history):
    as_csv = client.get("/api/v1/verifications", query_string={"program": "va_ccn"},
                        headers={**auth("billing"), "Accept": "text/csv"})
    text = as_csv.get_data(as_text=True)
    as_json = client.get("/api/v1/verifications", headers={**auth("billing"), "Accept": "*/*"})

    assert as_csv.mimetype == "text/csv" and len(text.strip().splitlines()) == 3
    assert as_json.mimetype == "application/json" and as_json.json["total"] == 7


def test_csv_names_each_patient_and_explains_the_codes(client, auth, history):
    _, rows = exported(client, auth, carc="242")

    assert {"id", "created_at", "program", "carrier", "determination", "carcs", "total_patient", "total_payer"} <= set(rows[0])
    assert list(rows[0])[:7] == ["last_name", "first_name", "date_of_birth", "member_id", "payer", "date_of_service",
                                 "explanation"]
    (row,) = rows
    assert (row["first_name"], row["last_name"], row["date_of_birth"], row["member_id"]) == (
        "Dana", "Reyes", "1979-03-14", "123456789")
    assert row["date_of_service"] and row["payer"]
    assert row["explanation"].startswith("CARC 55: ") and "CARC 242: " in row["explanation"]


def test_an_export_is_in_the_audit_trail_with_its_query(app, client, auth, history):
    # CONTRACT.md "Audit": a list or an export records the query that chose its rows.
    _, rows = exported(client, auth, program="commercial")

    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert len(rows) == 3
    assert len(events) == 1 and "program=commercial" in events[0].query


def test_billing_list_names_the_patient_of_each_item(client, auth, history):
    items = client.get("/api/v1/verifications", headers=auth("billing")).json["items"]

    assert len(items) == 7
    assert all(item["patient"]["last_name"] == "Reyes" and item["patient"]["member_id"] == "123456789" for item in items)
    assert all(item["patient"]["date_of_service"] for item in items)


def test_a_cell_a_spreadsheet_would_run_is_quoted(app, client, auth, clean_verifications):
    with app.app_context():
        verification = Verification(request={"coverage": {}}, request_digest="d" * 64, fingerprint="f" * 64,
                                    carrier='=HYPERLINK("http://evil.example","x")')
        record_result(verification, result("commercial", "not_covered", "55"))
        db.session.add(verification)
        db.session.commit()

    _, rows = exported(client, auth)

    assert rows[0]["carrier"].startswith("'=")


def test_csv_needs_the_billing_role(client, auth):
    assert client.get("/api/v1/verifications?format=csv", headers=auth("intake")).status_code == 403


@pytest.mark.parametrize("value", ["xml", "CSV"])
def test_unknown_format_is_a_422(client, auth, value):
    response = client.get("/api/v1/verifications", query_string={"format": value}, headers=auth("billing"))

    assert response.status_code == 422 and "format" in response.json["error"]["fields"]


def test_no_separator_in_a_cell_can_start_a_formula(app, client, auth, clean_verifications):
    carrier = 'Aetna;=HYPERLINK("http://evil.example","x"),+1;@SUM(A1)'
    with app.app_context():
        verification = Verification(request={"coverage": {}}, request_digest="d" * 64, fingerprint="f" * 64,
                                    carrier=carrier)
        record_result(verification, result("commercial", "not_covered", "55"))
        db.session.add(verification)
        db.session.commit()

    response, rows = exported(client, auth)
    text = response.get_data(as_text=True)

    assert rows[0]["carrier"] == "Aetna;'=HYPERLINK(\"http://evil.example\",\"x\"),'+1;'@SUM(A1)"
    for line in text.splitlines():
        assert line.startswith('"') and line.endswith('"'), "every cell is quoted"
        # A spreadsheet whose list separator is `;` (or one that ignores the quotes and splits on `,`).
        for separator in (";", ","):
            for cell in line.split(separator)[1:]:
                assert not cell.lstrip('"').startswith(("=", "+", "-", "@")), cell
