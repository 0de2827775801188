"""Batches: a CSV or JSON list in, bad rows reported by row and field, good rows run in chunks, progress counted once."""

import csv
import io
import time
from uuid import UUID

import pytest
from celery.signals import before_task_publish

import workers.rules
from service import batches, queue
from service.extensions import db
from service.models import Batch, Verification
from service.verification import run
from tests.conftest import csrf_token

HEADER = ("first_name,last_name,date_of_birth,program,carrier,plan_type,member_id,group_number,network_status,"
          "services,charges,diagnoses,date_of_service,sessions")


def row(member="M1", **changes) -> str:
    values = {
        "first_name": "Dana", "last_name": "Reyes", "date_of_birth": "1979-03-14", "program": "commercial",
        "carrier": "Aetna", "plan_type": "PPO", "member_id": member, "group_number": "", "network_status": "in_network",
        "services": "96365;J3490;99214", "charges": "550.00;;180.00", "diagnoses": "F43.10",
        "date_of_service": "2026-12-01", "sessions": "6",
    } | changes
    return ",".join(values[column] for column in HEADER.split(","))


def upload(client, auth, text, **params):
    return client.post("/api/v1/batches", data=text.encode(), content_type="text/csv", headers=auth(),
                       query_string=params)


def finished(client, auth, link, seconds=30) -> dict:
    deadline = time.monotonic() + seconds
    while (batch := client.get(link, headers=auth()).json)["status"] != "complete" or not batch["completed_at"]:
        assert time.monotonic() < deadline, batch
        time.sleep(0.05)
    return batch


def test_csv_row_becomes_a_request_with_the_fee_schedule_filling_empty_charges():
    record = dict(zip(HEADER.split(","), row().split(","), strict=True))

    request, problems = batches.csv_body(record)

    assert problems == {}
    assert request["services"] == [{"code": "96365", "charge": "550.00"}, {"code": "J3490"}, {"code": "99214", "charge": "180.00"}]
    assert request["coverage"]["member_id"] == "M1" and request["diagnoses"] == ["F43.10"]
    assert "group_number" not in request["coverage"]


def test_charges_must_match_the_services_one_for_one():
    record = dict(zip(HEADER.split(","), row(charges="550.00;180.00").split(","), strict=True))

    assert "3 services" in batches.csv_body(record)[1]["charges"][0]


def test_bad_rows_are_reported_by_row_and_column_and_the_good_rows_still_run(client, auth, celery_worker):
    text = "\n".join([HEADER, row("B-1"), row("B-2", date_of_birth="1979-13-40"), row("B-3", services="96365;XX", charges="550.00;50.00"),
                      row("B-4", member_id="", carrier=""), row("B-5")]) + "\n"

    accepted = upload(client, auth, text)

    assert accepted.status_code == 202, accepted.json
    assert accepted.headers["Location"] == accepted.json["links"]["self"]
    assert accepted.json["total"] == 5 and accepted.json["rejected"] == 3
    errors = {error["row"]: error["fields"] for error in accepted.json["errors"]}
    assert set(errors) == {2, 3, 4}
    assert list(errors[2]) == ["date_of_birth"]
    assert errors[3] == {"services": [errors[3]["services"][0]]} and errors[3]["services"][0].startswith("service 2: ")
    assert set(errors[4]) == {"carrier", "member_id"}

    batch = finished(client, auth, accepted.json["links"]["self"])
    assert (batch["total"], batch["done"], batch["rejected"], batch["failed"]) == (5, 5, 3, 0)
    assert sum(batch["by_determination"].values()) == 2
    assert [item["row"] for item in batch["items"]] == [1, 5]
    assert all(item["status"] == "complete" for item in batch["items"])
    assert batch["completed_at"] is not None


def test_results_come_as_csv_in_row_order_with_the_rejected_rows(client, auth, celery_worker):
    text = "\n".join([HEADER, row("C-1"), row("C-2", sessions="0"), row("C-3", program="self_pay")]) + "\n"
    link = upload(client, auth, text).json["links"]["self"]
    finished(client, auth, link)

    by_param = client.get(link, query_string={"format": "csv"}, headers=auth())
    text = by_param.get_data(as_text=True)
    by_accept = client.get(link, headers={**auth(), "Accept": "text/csv"})

    assert by_param.mimetype == by_accept.mimetype == "text/csv"
    assert by_accept.get_data(as_text=True) == text
    assert by_param.headers["Cache-Control"] == "no-store"
    lines = list(csv.DictReader(io.StringIO(text)))
    assert [(line["row"], line["status"]) for line in lines] == [("1", "complete"), ("2", "rejected"), ("3", "complete")]
    assert "sessions" in lines[1]["error"]
    assert lines[2]["determination"] == "self_pay"
    assert "Reyes" not in text, "intake's copy is by row number: the patient columns are billing's"

    as_billing = list(csv.DictReader(io.StringIO(client.get(link, query_string={"format": "csv"},
                                                            headers=auth("billing")).get_data(as_text=True))))
    assert [(line["row"], line["last_name"], line["member_id"]) for line in as_billing] == [
        ("1", "Reyes", "C-1"), ("2", "", ""), ("3", "Reyes", "C-3")]
    assert all(line["date_of_service"] for line in (as_billing[0], as_billing[2]))


def test_a_json_list_works_and_its_errors_name_the_request_fields(client, auth, celery_worker):
    from tests.requests import body

    items = [body(**{"coverage.member_id": "J-1"}), {"patient": {}}, "not an object"]

    accepted = client.post("/api/v1/batches", json=items, headers=auth())

    assert accepted.status_code == 202
    errors = {error["row"]: error["fields"] for error in accepted.json["errors"]}
    assert "patient.first_name" in errors[2] and "services" in errors[2]
    assert errors[3] == {"body": ["Expected a JSON object."]}
    assert finished(client, auth, accepted.json["links"]["self"])["done"] == 3


def test_more_rows_than_a_batch_holds_is_a_413_naming_the_limit(client, auth, app, monkeypatch):
    monkeypatch.setitem(app.config, "BATCH_MAX_ROWS", 3)
    text = "\n".join([HEADER] + [row(f"L-{n}") for n in range(4)]) + "\n"
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(Batch))

    response = upload(client, auth, text)

    assert response.status_code == 413
    assert "at most 3 rows" in response.json["error"]["message"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Batch)) == before, "nothing of it is saved"


@pytest.mark.parametrize(
    "text, content_type, status, field",
    [
        ("first_name,last_name\nDana,Reyes\n", "text/csv", 422, "header"),
        (HEADER + "\n", "text/csv", 422, "body"),
        (HEADER + "\n" + row(date_of_birth="x") + "\n", "text/csv", 422, "1.date_of_birth"),
        ("{}", "application/json", 422, "body"),
        ("[1, 2", "application/json", 400, "body"),
        ("first_name\tlast_name", "application/xml", 415, "body"),
    ],
)
def test_an_upload_with_nothing_to_run_is_refused_whole(client, auth, text, content_type, status, field):
    response = client.post("/api/v1/batches", data=text.encode(), content_type=content_type, headers=auth())

    assert response.status_code == status
    assert field in response.json["error"]["fields"]


def test_a_batch_needs_an_intake_key_or_session(client):
    assert client.post("/api/v1/batches", data=HEADER, content_type="text/csv").status_code == 401
    assert client.get(f"/api/v1/batches/{UUID(int=1)}").status_code == 401


def test_unknown_batch_is_a_404(client, auth):
    assert client.get(f"/api/v1/batches/{UUID(int=7)}", headers=auth()).status_code == 404


def test_rows_are_queued_in_chunks_of_ids_without_patient_data(client, auth, app, monkeypatch, celery_worker):
    monkeypatch.setitem(app.config, "BATCH_CHUNK_SIZE", 3)
    published = []

    def capture(body=None, headers=None, **kwargs):
        published.append((headers["task"], body))

    before_task_publish.connect(capture, weak=False)
    try:
        text = "\n".join([HEADER] + [row(f"CHUNK-{n}", first_name="Marisol") for n in range(7)]) + "\n"
        assert upload(client, auth, text).status_code == 202
    finally:
        before_task_publish.disconnect(capture)

    chunks = [args[0] for task, (args, kwargs, options) in published if task == "workers.tasks.verify_many"]
    assert [len(chunk) for chunk in chunks] == [3, 3, 1]
    assert "Marisol" not in repr(published) and "CHUNK-" not in repr(published)


@pytest.fixture
def evaluations(monkeypatch):
    calls = []
    evaluate = workers.rules.evaluate
    monkeypatch.setattr(workers.rules, "evaluate", lambda request: calls.append(request["coverage"]["member_id"]) or evaluate(request))
    return calls


def test_a_chunk_run_twice_counts_each_row_once(client, auth, app, evaluations, monkeypatch):
    # No worker takes the chunks: this test runs them itself, twice, as a redelivered task would.
    monkeypatch.setattr(queue, "verify_many", lambda ids: None)
    text = "\n".join([HEADER, row("TWICE-1"), row("TWICE-1"), row("TWICE-2"), row("TWICE-3", sessions="x")]) + "\n"
    link = upload(client, auth, text).json["links"]["self"]
    batch_id = UUID(link.rsplit("/", 1)[1])
    assert client.get(link, headers=auth()).json["status"] == "queued"
    with app.app_context():
        ids = db.session.scalars(db.select(Verification.id).where(Verification.batch_id == batch_id)).all()
        run.run_many(ids)
        run.run_many(ids)
        first_completion = db.session.get(Batch, batch_id).completed_at

    batch = client.get(link, headers=auth()).json
    assert (batch["status"], batch["total"], batch["done"], batch["rejected"]) == ("complete", 4, 4, 1)
    assert sum(batch["by_determination"].values()) == 3
    assert sorted(m for m in evaluations if m.startswith("TWICE")) == ["TWICE-1", "TWICE-2"], "identical rows share one evaluation; a rerun evaluates nothing"
    with app.app_context():
        assert db.session.get(Batch, batch_id).completed_at == first_completion


def test_a_batch_of_rows_already_answered_is_complete_at_once(client, auth, celery_worker):
    text = "\n".join([HEADER, row("AGAIN-1"), row("AGAIN-2")]) + "\n"
    finished(client, auth, upload(client, auth, text).json["links"]["self"])

    again = upload(client, auth, text)

    assert again.json["status"] == "complete"
    batch = client.get(again.json["links"]["self"], headers=auth()).json
    assert batch["done"] == 2 and all(item["cached"] for item in batch["items"])


def test_items_come_a_page_at_a_time_in_row_order(client, auth, celery_worker):
    text = "\n".join([HEADER] + [row(f"PAGE-{n}") for n in range(5)]) + "\n"
    link = upload(client, auth, text).json["links"]["self"]
    finished(client, auth, link)

    second = client.get(link, query_string={"page": 2, "per_page": 2}, headers=auth()).json
    progress_only = client.get(link, query_string={"per_page": 0}, headers=auth()).json

    assert [item["row"] for item in second["items"]] == [3, 4]
    assert progress_only["items"] == [] and progress_only["done"] == 5


@pytest.mark.parametrize("where", ["header", "row"])
def test_a_csv_cell_over_the_csv_modules_limit_is_a_422_naming_where(client, auth, where):
    huge = "x" * (csv.field_size_limit() + 1)
    text = (HEADER + "," + huge + "\n" + row("X-1") + "\n") if where == "header" else \
        "\n".join([HEADER, row("X-1"), row("X-2", last_name=huge)]) + "\n"

    response = upload(client, auth, text)

    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["header" if where == "header" else "2"]


def test_a_deeply_nested_json_batch_is_a_400(client, auth):
    response = client.post("/api/v1/batches", data=("[" * 900 + "]" * 900).encode(), content_type="application/json",
                           headers=auth())

    assert response.status_code == 400
    assert "body" in response.json["error"]["fields"]


def test_a_lone_surrogate_in_a_json_batch_names_the_row_and_field(client, auth):
    from tests.requests import body

    text = orjson_text([body(**{"coverage.member_id": "S-1"}), body(**{"patient.last_name": "SURROGATE"})])
    response = client.post("/api/v1/batches", data=text.replace("SURROGATE", "Reyes\\ud800").encode(),
                           content_type="application/json", headers=auth())

    assert response.status_code == 202
    assert [(error["row"], list(error["fields"])) for error in response.json["errors"]] == [(2, ["patient.last_name"])]


def orjson_text(value) -> str:
    import json

    return json.dumps(value)


def test_the_history_lists_batches_newest_first_with_who_uploaded_them_and_no_patient(client, auth, app, signed_in, staff,
                                                                                      celery_worker):
    by_key = upload(client, auth, "\n".join([HEADER, row("H-1"), row("H-2", date_of_birth="not-a-date")]) + "\n")
    desk = signed_in("intake")
    by_staff = desk.post("/api/v1/batches", data=f"{HEADER}\n{row('H-3', program='self_pay')}\n".encode(),
                         content_type="text/csv", headers={"X-CSRFToken": csrf_token(desk, "/batches")})
    assert by_key.status_code == by_staff.status_code == 202
    finished(client, auth, by_key.json["links"]["self"])
    finished(client, auth, by_staff.json["links"]["self"])

    listed = desk.get("/api/v1/batches")

    assert listed.status_code == 200
    newest, older = listed.json["items"][:2]
    assert (newest["id"], older["id"]) == (by_staff.json["id"], by_key.json["id"])
    assert newest["uploaded_by"] == {"kind": "staff", "name": staff["intake"][0]}
    assert older["uploaded_by"] == {"kind": "api_key", "name": "test intake"}
    assert (older["total"], older["done"], older["rejected"], older["status"]) == (2, 2, 1, "complete")
    assert sum(older["by_determination"].values()) == 1 and newest["by_determination"] == {"self_pay": 1}
    assert newest["links"]["self"] == f"/api/v1/batches/{newest['id']}"
    text = listed.get_data(as_text=True)
    assert "Reyes" not in text and "H-1" not in text and "1979-03-14" not in text, "the history holds no row's data"

    second = client.get("/api/v1/batches", query_string={"per_page": 1, "page": 2}, headers=auth())
    assert [item["id"] for item in second.json["items"]] == [older["id"]]
    assert second.json["total"] == listed.json["total"] >= 2 and second.json["per_page"] == 1


@pytest.mark.parametrize("query", [{"per_page": 0}, {"per_page": 101}, {"page": 0}, {"page": "x"}])
def test_a_history_page_out_of_range_is_a_422_naming_it(client, auth, query):
    answered = client.get("/api/v1/batches", query_string=query, headers=auth())

    assert answered.status_code == 422
    assert set(answered.json["error"]["fields"]) == set(query)


def test_the_history_needs_a_key_or_session(client):
    assert client.get("/api/v1/batches").status_code == 401
