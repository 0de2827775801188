"""The soak's traffic (`make soak` runs it): the intake form posting verifications, most of them
repeats answered from the cache, some new ones queued (202), some new ones waited for (200)."""

import copy
import os
import random
import uuid

from locust import HttpUser, constant, events, task

REQUEST = {
    "patient": {"first_name": "Soak", "last_name": "Tester", "date_of_birth": "1979-03-14", "veteran": True},
    "coverage": {
        "carrier": "TriWest", "program": "va_ccn", "member_id": "SOAK0", "network_status": "in_network",
        "authorization": {"type": "va_referral", "number": "VA0012345678", "valid_from": "2026-11-01",
                          "valid_to": "2027-04-30", "approved_visits": 8, "used_visits": 2,
                          "approved_codes": ["96365", "J3490", "99214"]},
    },
    "services": [{"code": "96365", "charge": 550.00}, {"code": "J3490", "charge": 50.00},
                 {"code": "99214", "charge": 180.00}],
    "sessions": 6, "diagnoses": ["F43.10"], "date_of_service": "2026-12-01",
}
# Identical requests: after the first of each, answered from the cache.
REPEATED = 20
# The id of every verification the API accepted (200 or 202), for the soak to check they all complete.
ACCEPTED: list[str] = []


@events.test_stop.add_listener
def write_accepted(**kwargs):
    with open(os.environ["BV_SOAK_ACCEPTED"], "w") as out:
        out.write("\n".join(ACCEPTED))


def request_for(member_id: str) -> dict:
    body = copy.deepcopy(REQUEST)
    body["coverage"]["member_id"] = member_id
    return body


class IntakeForm(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.client.headers["Authorization"] = f"Bearer {os.environ['BV_SOAK_KEY']}"

    def _post(self, name, body, wait=0, expected=(200, 202)):
        with self.client.post(f"/api/v1/verifications?wait={wait}", json=body, name=name,
                              catch_response=True) as response:
            if response.status_code not in expected:
                response.failure(f"{response.status_code}")
            else:
                ACCEPTED.append(response.json()["id"])

    @task(7)
    def repeated(self):
        self._post("cached", request_for(f"SOAKC{random.randrange(REPEATED)}"))

    @task(2)
    def new_queued(self):
        self._post("new (202)", request_for(f"SOAKN{uuid.uuid4().hex[:12]}"))

    @task(1)
    def new_waited(self):
        self._post("new, wait=10", request_for(f"SOAKW{uuid.uuid4().hex[:12]}"), wait=10)
