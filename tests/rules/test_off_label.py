"""The off-label notice, the same in every program.

Source: DOMAIN.md "The treatment" (ketamine is labelled only as an anesthetic; Spravato for major
depressive disorder, treatment-resistant or with suicidality) and "Codes" (MDD by exact code: F32.81
is never MDD; F32.89 and F32.A are not MDD codes, so the use is unconfirmed, not on-label).
"""

import pytest

from tests.rules.builders import KETAMINE_IV, PSYCHOTHERAPY, SPRAVATO, kinds, requirement_texts, run
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
        (SPRAVATO, ["F43.10", "F32.81"], "esketamine", "PTSD"),
        (SPRAVATO, ["F32.81"], "esketamine", "premenstrual dysphoric disorder"),
        (SPRAVATO, ["F43.10", "F33.2"], None, None),
        (SPRAVATO, ["F33.41"], None, None),
        (PSYCHOTHERAPY, ["F43.10"], None, None),
        (KETAMINE_IV, ["G89.29"], None, None),
    ],
    ids=["ketamine-ptsd", "ketamine-ptsd-and-mdd", "ketamine-mdd", "spravato-ptsd", "spravato-sud",
         "spravato-ptsd-and-pmdd", "spravato-pmdd", "spravato-ptsd-and-mdd", "spravato-mdd-recurrent-remission",
         "therapy-only", "ketamine-pain"],
)
def test_off_label_whenever_a_drug_meets_a_diagnosis_its_label_does_not_cover(program, services, diagnoses, drug, indication):
    result = run(program, services=services, diagnoses=diagnoses)
    off_label = result["off_label"]
    if drug is None:
        assert off_label is None
        return
    assert (off_label["drug"], off_label["indication"]) == (drug, indication)
    assert off_label["fda_approved_for_indication"] is False
    assert off_label["status"] == "off_label"
    assert "not FDA-approved" in off_label["notice"]
    assert "informed_consent" in kinds(result)


@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("diagnoses", [["F32.A"], ["F32.89"], ["F32.A", "F43.10"]], ids=["f32a", "f3289", "f32a-and-ptsd"])
def test_spravato_for_depression_not_coded_as_mdd_is_unconfirmed_not_on_label(program, diagnoses):
    # DOMAIN.md "Codes": F32.89 and F32.A are accepted as MDD by some payers, not by others.
    result = run(program, services=SPRAVATO, diagnoses=diagnoses)
    off_label = result["off_label"]
    assert off_label["status"] == "unconfirmed"
    assert off_label["fda_approved_for_indication"] is None
    assert "unconfirmed" in off_label["notice"] and "code the MDD precisely" in off_label["notice"]
    assert "off-label" not in requirement_texts(result, "informed_consent")


def test_ketamine_and_spravato_for_ptsd_list_both_drugs():
    result = run("commercial", services=KETAMINE_IV + SPRAVATO, diagnoses=["F43.10"])
    assert [item["drug"] for item in result["off_label"]["items"]] == ["ketamine", "esketamine"]
