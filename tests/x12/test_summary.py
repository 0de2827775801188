"""What a 271 gives a verification request: the figures, where each came from, and no identifiers."""

from datetime import date
from decimal import Decimal

import orjson
import pytest

from schemas.verification_request import VerificationRequestSchema
from service.x12_exchange import merged
from tests.x12.documents import IDENTIFIERS, document, replaced

SCHEMA = VerificationRequestSchema()
MARISOL = {"first_name": "Marisol", "last_name": "Quintero-Hale", "date_of_birth": "1985-04-12"}
TOBI = {"first_name": "Tobi", "last_name": "Okonkwo-Reyes", "date_of_birth": "2009-06-22"}


def canonical(text, patient=MARISOL, member_id="W284619037", **coverage):
    body = {
        "patient": patient,
        "coverage": {"carrier": "Aetna", "plan_type": "POS", "member_id": member_id, "eligibility_271": text, **coverage},
        "services": [{"code": "90837", "charge": 200}],
        "date_of_service": "2026-12-01",
    }
    return SCHEMA.dump(merged(SCHEMA.load(body)))


def test_in_network_figures_fill_the_benefits_and_say_where_they_came_from():
    coverage = canonical(document("active-behavioral-health.271"), network_status="in_network")["coverage"]

    assert coverage["benefits"] == {
        "deductible": "1500.00", "deductible_met": "250.00", "coinsurance_percent": "20.00",
        "copay": "40.00", "out_of_pocket_max": "6000.00", "out_of_pocket_met": "900.00",
    }
    summary = coverage["eligibility"]
    assert set(summary["benefit_sources"].values()) == {"271"}
    assert summary["figures"]["copay"]["service_type"] == "CF"
    assert summary["figures"]["deductible"]["level"] == "Individual", "the individual deductible, not the family one"
    assert (coverage["coverage_start"], coverage["coverage_end"]) == ("2026-01-01", "2026-12-31")
    assert summary["coverage_dates_source"] == {"coverage_start": "271", "coverage_end": "271"}
    assert summary["status"] == "active"
    assert summary["authorization_required"] == [{"service_type": "A8", "network": "in_network"}]


def test_out_of_network_twins_give_the_out_of_network_figures():
    benefits = canonical(document("active-behavioral-health.271"), network_status="out_of_network")["coverage"]["benefits"]

    assert benefits == {
        "deductible": "3000.00", "deductible_met": "0.00", "coinsurance_percent": "40.00",
        "copay": "75.00", "out_of_pocket_max": "12000.00", "out_of_pocket_met": "0.00",
    }


def test_unknown_network_reads_the_in_network_figures_and_says_so():
    summary = canonical(document("active-behavioral-health.271"))["coverage"]["eligibility"]

    assert summary["network_basis"] == "in_network"
    assert summary["figures"]["copay"]["value"] == "40.00"


def test_figures_the_request_gives_win_over_the_271():
    coverage = canonical(
        document("active-behavioral-health.271"), network_status="in_network",
        benefits={"copay": 30, "deductible_met": 600}, coverage_end="2026-10-31",
    )["coverage"]

    assert coverage["benefits"]["copay"] == "30.00"
    assert coverage["benefits"]["deductible_met"] == "600.00"
    assert coverage["benefits"]["deductible"] == "1500.00"
    sources = coverage["eligibility"]["benefit_sources"]
    assert (sources["copay"], sources["deductible_met"], sources["deductible"]) == ("request", "request", "271")
    assert coverage["coverage_end"] == "2026-10-31"
    assert coverage["eligibility"]["coverage_dates_source"]["coverage_end"] == "request"


def test_a_dependent_is_matched_and_used_deductible_comes_from_the_year_to_date_line():
    coverage = canonical(document("dependent.271"), patient=TOBI, member_id="UHC99104387", relationship="child",
                         network_status="in_network")["coverage"]
    summary = coverage["eligibility"]

    assert summary["patient_loop"] == "2100D"
    assert summary["identity"] == {"member_id": "match", "last_name": "match", "first_name": "match", "date_of_birth": "match"}
    assert coverage["benefits"]["out_of_pocket_met"] == "1200.00"
    assert coverage["benefits"]["coinsurance_percent"] == "10.00"
    [contact] = summary["contacts"]
    assert (contact["name"], contact["carve_out"]) == ("OPTUM BEHAVIORAL HEALTH", True)


def test_a_271_about_someone_else_is_marked_as_a_mismatch():
    summary = canonical(document("active-behavioral-health.271"), patient=TOBI, member_id="ZZ1")["coverage"]["eligibility"]

    assert summary["identity"]["member_id"] == "mismatch"
    assert summary["identity"]["date_of_birth"] == "mismatch"


@pytest.mark.parametrize("member_id", ["W284619037", "w284619037", "W284-619037", "W28461903701"])
def test_member_ids_match_whatever_their_case_dashes_or_suffix(member_id):
    summary = canonical(document("active-behavioral-health.271"), member_id=member_id)["coverage"]["eligibility"]

    assert summary["identity"]["member_id"] == "match"


@pytest.mark.parametrize(
    "name, patient, member_id",
    [
        ("active-behavioral-health.271", MARISOL, "W284619037"),
        ("dependent.271", TOBI, "UHC99104387"),
        ("inactive.271", MARISOL, "H77120455"),
        ("rejected-subscriber.271", MARISOL, "CGN551200"),
    ],
)
def test_the_summary_holds_no_identifier_from_the_271(name, patient, member_id):
    summary = canonical(document(name), patient=patient, member_id=member_id)["coverage"]["eligibility"]

    text = orjson.dumps(summary).decode()
    assert not [value for value in IDENTIFIERS if value in text.upper()], text


def test_a_message_naming_the_patient_is_withheld():
    summary = canonical(document("dependent.271"), patient=TOBI, member_id="UHC99104387")["coverage"]["eligibility"]

    assert summary["messages"] == ["[withheld] [withheld] [withheld] MET 1200.00 TOWARD OUT OF POCKET"]


def test_a_payer_sending_whole_percents_is_read_as_percent():
    text = replaced(document("active-behavioral-health.271"), "EB*A*IND*MH^A6^CF*PS**27**.2****Y", "EB*A*IND*MH^A6^CF*PS**27**20****Y")

    benefits = canonical(text, network_status="in_network")["coverage"]["benefits"]
    assert Decimal(benefits["coinsurance_percent"]) == 20


def test_inactive_coverage_fills_the_plan_end_date():
    coverage = canonical(document("inactive.271"), patient={"first_name": "Theodore", "last_name": "Brannigan",
                                                             "date_of_birth": "1972-09-30"}, member_id="H77120455")["coverage"]

    assert coverage["eligibility"]["status"] == "inactive"
    assert date.fromisoformat(coverage["coverage_end"]) == date(2026, 6, 30)
    assert coverage["benefits"] is None


def test_the_raw_271_is_kept_in_the_canonical_request():
    text = document("active-behavioral-health.271")

    assert canonical(text)["coverage"]["eligibility_271"] == text
