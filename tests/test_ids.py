"""New verification ids: UUIDv7, ordered by the time they were made, still random enough to be unguessable."""

import time
import uuid

from service.ids import uuid7
from service.verification.row import new


def test_ids_are_version_7_and_sort_by_when_they_were_made():
    first = uuid7()
    time.sleep(0.002)
    later = [uuid7() for _ in range(50)]
    assert all(made.version == 7 and made.variant == uuid.RFC_4122 for made in [first, *later])
    assert all(first < made for made in later)
    # The millisecond they carry is when they were made.
    assert abs((later[0].int >> 80) - time.time_ns() // 1_000_000) < 1_000


def test_ids_made_in_the_same_millisecond_differ():
    made = {uuid7() for _ in range(10_000)}
    assert len(made) == 10_000


def test_a_new_verification_gets_a_uuid7():
    row = new({"request": {}, "request_digest": "d", "fingerprint": "f", "carrier": None, "callback_url": None})
    assert row.id.version == 7
