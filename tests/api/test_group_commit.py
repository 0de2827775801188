"""Concurrent requests' rows are committed together (service/verification/group_commit.py), yet each request
still gets its own outcome: nothing it was told was saved is missing, and one request's conflict
is not another's."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from schemas.verification_request import VerificationRequestSchema
from service import audit
from service.extensions import db
from service.models import AuditEvent, Verification
from service.verification import row as verification_row
from service.verification.accept import request_columns
from service.verification.group_commit import GroupCommit
from service.verification.store import write_new
from tests.requests import body


def test_concurrent_posts_are_each_saved_and_each_readable(app, live_server, auth, celery_worker, clean_verifications):
    payload = body(**{"coverage.member_id": "660011224"})
    url = f"{live_server}/api/v1/verifications"

    def post(_):
        return requests.post(url, json=payload, headers=auth(), timeout=30)

    assert requests.post(f"{url}?wait=10", json=payload, headers=auth(), timeout=30).json()["status"] == "complete"
    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(post, range(64)))
    ids = [answer.json()["id"] for answer in answers]

    assert [answer.status_code for answer in answers] == [200] * 64
    assert len(set(ids)) == 64
    assert all(requests.get(f"{url}/{id_}", headers=auth(), timeout=30).status_code == 200 for id_ in ids)
    with app.app_context():
        created = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "create"))
        assert created == 65, "every verification's creation is in the audit trail"


def _verification(**columns) -> verification_row.Row:
    """Every column of a new verification, as a request would write it."""
    request = VerificationRequestSchema().load(body(**{"coverage.member_id": uuid.uuid4().hex[:12]}))
    return verification_row.new(request_columns(request), **columns)


@pytest.fixture
def held_group(app):
    """A GroupCommit whose first write waits until `release` is set, so the writes queued meanwhile
    are committed together as one group."""
    with app.app_context():
        committer = GroupCommit(db.engine, write_new, single_statement=db.engine.dialect.name == "postgresql")
    first, release = hold_first_write(committer)
    return committer, first, release


def hold_first_write(committer: GroupCommit) -> tuple[threading.Event, threading.Event]:
    """Make the committer's first write set `first` and wait until `release` is set; the rest go through."""
    release, first = threading.Event(), threading.Event()
    insert = committer._insert

    def held(items):
        if not first.is_set():
            first.set()
            release.wait(10)
        insert(items)

    committer._insert = held
    return first, release


def test_a_conflict_in_a_group_fails_only_its_own_request(app, held_group, clean_verifications):
    committer, first, release = held_group
    with app.app_context():
        taken = _verification()
        clash = _verification(id=taken.id)
        others = [_verification() for _ in range(3)]
    outcomes = {}

    def write(name, row):
        try:
            committer.write((row, (), audit.NO_ORIGIN))
            outcomes[name] = "saved"
        except IntegrityError:
            outcomes[name] = "conflict"

    leader = threading.Thread(target=write, args=("taken", taken))
    leader.start()
    assert first.wait(10)
    followers = [threading.Thread(target=write, args=(f"other{n}", row)) for n, row in enumerate(others)]
    followers.append(threading.Thread(target=write, args=("clash", clash)))
    for thread in followers:
        thread.start()
    while len(committer._queued) < len(followers):
        time.sleep(0.01)
    release.set()
    for thread in [leader, *followers]:
        thread.join(10)

    assert outcomes == {"taken": "saved", "clash": "conflict", "other0": "saved", "other1": "saved", "other2": "saved"}
    with app.app_context():
        saved = set(db.session.scalars(select(Verification.id)))
    assert saved == {row.id for row in (taken, *others)}


def test_a_new_verification_names_every_column(app):
    # PostgreSQL inserts a group's rows from JSON (json_populate_recordset): a column a new row leaves
    # out would be stored as NULL, not as its default.
    with app.app_context():
        row = _verification()

    assert set(row._asdict()) == {column.name for column in Verification.__table__.columns}


def test_a_row_that_leaves_a_column_out_or_names_another_cannot_be_built(app):
    with app.app_context():
        columns = _verification()._asdict()
    del columns["batch_row"]
    with pytest.raises(TypeError, match="batch_row"):
        verification_row.Row(**columns)
    with pytest.raises(TypeError, match="colour"):
        verification_row.new({}, **columns, colour="red")


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_a_lost_database_connection_fails_one_write_and_the_next_connects_again(app, client, auth, clean_verifications):
    # PostgreSQL's leaders keep one connection between groups; when the server ends it, the group written on
    # it gets the error (a 503, nothing claimed saved) and the next group opens another.
    def create(member_id):
        return client.post("/api/v1/verifications", json=body(**{"coverage.member_id": member_id}), headers=auth())

    first = create("771100331")
    with app.app_context():
        # The connection the next group is written on (the last one a lane put back).
        held = app.extensions["group_commit"]._connections[-1].connection.driver_connection
        db.session.execute(select(func.pg_terminate_backend(held.info.backend_pid)))
        db.session.commit()

    lost = create("771100332")
    after = [create("771100333"), create("771100334")]

    assert first.status_code in (200, 202)
    assert lost.status_code == 503 and lost.json["error"]["code"] == "unavailable"
    assert [answer.status_code in (200, 202) for answer in after] == [True, True]
    with app.app_context():
        saved = {str(id_) for id_ in db.session.scalars(select(Verification.id))}
    assert saved == {answer.json["id"] for answer in (first, *after)}


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_with_two_lanes_a_group_waiting_on_the_database_does_not_hold_up_the_next(app, clean_verifications):
    with app.app_context():
        committer = GroupCommit(db.engine, write_new, single_statement=True, lanes=2)
        slow, quick = _verification(), _verification()
    first, release = hold_first_write(committer)
    slow_writer = threading.Thread(target=committer.write, args=((slow, (), audit.NO_ORIGIN),))
    slow_writer.start()
    assert first.wait(10)
    started = time.monotonic()
    committer.write((quick, (), audit.NO_ORIGIN))
    quick_seconds = time.monotonic() - started
    with app.app_context():
        saved_meanwhile = set(db.session.scalars(select(Verification.id)))
        db.session.rollback()
    release.set()
    slow_writer.join(10)

    assert quick_seconds < 5 and saved_meanwhile == {quick.id}
    with app.app_context():
        assert set(db.session.scalars(select(Verification.id))) == {slow.id, quick.id}
