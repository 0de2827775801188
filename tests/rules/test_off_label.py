"""The off-label notice, the same in every program."""

import pytest

from tests.rules.builders import KETAMINE_IV, PSYCHOTHERAPY, SPRAVATO, kinds, run
from workers.rules.programs import PROGRAMS


@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize(
    "services, diagnoses, drug, indication",
    [
        (KETAMINE_IV, ["F43.10"], "ketamine", "PTSD"),
        (KETAMINE_IV, ["F43.12", "F33.2"], "ketamine", "PTSD"),
        (KETAMINE_IV, ["F33.2"], "ketamine", "depression"),
        (SPRAVATO, ["F43.10"], "esketamine", "PTSD"),
        (SPRAVATO, ["F11.20"], "esketamine", "substance use disorder"),
        (SPRAVATO, ["F43.10", "F33.2"], None, None),
        (SPRAVATO, ["F32.A"], None, None),
        (PSYCHOTHERAPY, ["F43.10"], None, None),
        (KETAMINE_IV, ["G89.29"], None, None),
    ],
)
def test_off_label_whenever_a_drug_meets_a_diagnosis_its_label_does_not_cover(program, services, diagnoses, drug, indication):
    result = run(program, services=services, diagnoses=diagnoses)
    off_label = result["off_label"]
    if drug is None:
        assert off_label is None
        return
    assert (off_label["drug"], off_label["indication"]) == (drug, indication)
    assert off_label["fda_approved_for_indication"] is False
    assert "not FDA-approved" in off_label["notice"]
    assert "informed_consent" in kinds(result)


def test_ketamine_and_spravato_for_ptsd_list_both_drugs():
    result = run("commercial", services=KETAMINE_IV + SPRAVATO, diagnoses=["F43.10"])
    assert [item["drug"] for item in result["off_label"]["items"]] == ["ketamine", "esketamine"]
