"""What a 271 gives a verification request: the figures, where each came from, and no identifiers."""

from datetime import date
from decimal import Decimal

import orjson
import pytest

import workers.rules
from schemas.verification_request import VerificationRequestSchema
from service.x12_exchange import merged
from tests.x12.documents import IDENTIFIERS, document, rebuilt, replaced

SCHEMA = VerificationRequestSchema()
MARISOL = {"first_name": "Marisol", "last_name": "Quintero-Hale", "date_of_birth": "1985-04-12"}
TOBI = {"first_name": "Tobi", "last_name": "Okonkwo-Reyes", "date_of_birth": "2009-06-22"}


def canonical(text, patient=MARISOL, member_id="W284619037", services=("90837",), **coverage):
    body = {
        "patient": patient,
        "coverage": {"carrier": "Aetna", "plan_type": "POS", "member_id": member_id, "eligibility_271": text, **coverage},
        "services": [{"code": code, "charge": 200} for code in services],
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
    assert summary["authorization_required"] == [{
        "service_type": "A8", "network": "in_network", "kind": "authorization", "position": 34,
        "messages": ["PRIOR AUTHORIZATION REQUIRED FOR PSYCHIATRIC OUTPATIENT SERVICES"]}]


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


def test_the_raw_271_is_kept_in_the_canonical_request_without_its_addresses():
    text = document("active-behavioral-health.271")

    kept = canonical(text)["coverage"]["eligibility_271"]
    assert "N3*4410 ALDER CREEK RD~" in text and "N3*" not in kept and "N4*" not in kept
    assert [line for line in text.splitlines() if not line.startswith(("N3*", "N4*", "SE*"))] == [
        line for line in kept.splitlines() if not line.startswith("SE*")], "every other segment kept as received"


# -- dates, plan-level flags, plan type and carve-outs, as the rules then read them ----------------

ACTIVE = document("active-behavioral-health.271")


def with_segments(text, change):
    return rebuilt(text, lambda segments: [new for old in segments for new in change(old)])


def evaluated(text, services=("90837",), **coverage):
    return workers.rules.evaluate(canonical(text, services=services, **coverage))


def test_a_one_day_291_only_echoes_the_date_asked_and_is_not_the_plans_term():
    text = with_segments(ACTIVE, lambda s: [] if s.startswith("DTP*347") else
                         ["DTP*291*RD8*20261124-20261124"] if s.startswith("DTP*346") else [s])

    coverage = canonical(text, network_status="in_network")["coverage"]

    summary = coverage["eligibility"]
    assert summary["dates"] == {"asked": "2026-11-24", "plan": {"begin": None, "end": None},
                                "eligibility": {"begin": None, "end": None}}
    assert (coverage["coverage_start"], coverage["coverage_end"]) == (None, None)
    assert any("answers for 2026-11-24, not for the date of service 2026-12-01" in w for w in summary["warnings"])
    result = evaluated(text, network_status="in_network")
    assert "27" not in {reason["carc"] for reason in result["denial_reasons"]}, "a visit a week later is not after the plan ended"


@pytest.mark.parametrize(
    "dates, plan, eligibility",
    [
        (["DTP*291*RD8*20260101-20261231"], {"begin": "2026-01-01", "end": "2026-12-31"}, {"begin": None, "end": None}),
        (["DTP*291*D8*20261201", "DTP*356*D8*20240301"], {"begin": None, "end": None}, {"begin": "2024-03-01", "end": None}),
        (["DTP*307*RD8*20250101-20271231", "DTP*346*D8*20260101"], {"begin": "2026-01-01", "end": None}, {"begin": "2025-01-01", "end": "2027-12-31"}),
    ],
    ids=["291-range-is-the-plan", "291-on-the-date-of-service-is-the-date-asked", "307-range-is-eligibility"],
)
def test_dates_are_told_apart_by_qualifier(dates, plan, eligibility):
    text = with_segments(ACTIVE, lambda s: [] if s.startswith("DTP*347") else dates if s.startswith("DTP*346") else [s])

    summary = canonical(text)["coverage"]["eligibility"]

    assert (summary["dates"]["plan"], summary["dates"]["eligibility"]) == (plan, eligibility)


HMO_REFERRAL = with_segments(ACTIVE, lambda s: (
    ["EB*1*IND*30*HM*CHOICE HMO******Y*Y", "MSG*PCP TO SUBMIT A SPECIALIST REFERRAL"] if s.startswith("EB*1*IND*30*PS") else
    [] if s.startswith(("EB*1*IND*A8", "MSG*PRIOR AUTH")) else [s]))


def test_a_plan_level_referral_flag_reaches_the_behavioral_health_lines_with_its_words():
    summary = canonical(HMO_REFERRAL, network_status="in_network")["coverage"]["eligibility"]

    [flag] = summary["authorization_required"]
    assert (flag["service_type"], flag["kind"], flag["messages"]) == ("30", "referral", ["PCP TO SUBMIT A SPECIALIST REFERRAL"])
    assert {"MH", "A4", "A6", "A8", "CF"} <= set(flag["applies_to"])
    result = evaluated(HMO_REFERRAL, network_status="in_network")
    assert result["determination"] == "authorization_required"
    [line] = result["lines"]
    assert line["authorization_required"] is True
    texts = [r["text"] for r in result["requirements"] if r["kind"] == "prior_authorization"]
    assert any("PCP TO SUBMIT A SPECIALIST REFERRAL" in text for text in texts), texts


def test_a_service_type_the_271_clears_is_not_reached_by_the_plan_level_flag():
    text = with_segments(HMO_REFERRAL, lambda s: [s, "EB*1*IND*A6^CF^MH^A4^A8*HM*******N*Y"] if s.startswith("EB*1*IND*MH") else [s])

    summary = canonical(text, network_status="in_network")["coverage"]["eligibility"]

    [flag] = summary["authorization_required"]
    assert not {"A6", "CF", "MH", "A4", "A8"} & set(flag["applies_to"])
    assert evaluated(text, network_status="in_network")["determination"] == "covered"


def test_eb04_fills_the_plan_type_and_a_different_one_in_the_request_is_a_warning():
    filled = canonical(HMO_REFERRAL, plan_type=None)["coverage"]
    kept = canonical(HMO_REFERRAL)["coverage"]

    assert (filled["plan_type"], filled["eligibility"]["plan_type_source"]) == ("HMO", "271")
    assert (kept["plan_type"], kept["eligibility"]["plan_type_source"]) == ("POS", "request")
    assert "segment EB at position 16: EB04 says the plan is HMO; the request says POS: the request's is used." in kept["eligibility"]["warnings"]


def test_two_entities_in_one_ls_le_loop_keep_their_own_contacts():
    text = with_segments(document("dependent.271"), lambda s: (
        ["NM1*VN*2*MAGELLAN BEHAVIORAL HEALTH", "PER*IC*BEHAVIORAL INTAKE*TE*8005551111",
         "NM1*PR*2*UNITEDHEALTHCARE", "PER*IC**TE*8008424344*FX*8008424345"]
        if s.startswith("NM1*Y2") else [] if s.startswith("PER*IC**TE*8009105555") else [s]))

    summary = canonical(text, patient=TOBI, member_id="UHC99104387")["coverage"]["eligibility"]

    assert [(c["entity_code"], c["name"], c["contacts"]) for c in summary["contacts"]] == [
        ("VN", "MAGELLAN BEHAVIORAL HEALTH", ["BEHAVIORAL INTAKE phone: 8005551111"]),
        ("PR", "UNITEDHEALTHCARE", ["phone: 8008424344", "fax: 8008424345"]),
    ]
    assert all(c["carve_out"] for c in summary["contacts"])


def test_a_copay_stated_only_for_the_office_visit_is_read_from_there_and_another_places_is_not():
    text = with_segments(ACTIVE, lambda s: (
        ["EB*B*IND*98*PS**27*90*****Y", "MSG*TELEHEALTH SPECIALIST VISIT", "EB*B*IND*98*PS**27*55*****Y",
         "MSG*SPECIALIST OFFICE VISIT", "III*ZZ*11", "EB*B*IND*98*PS**27*20*****Y", "III*ZZ*22"]
        if s.startswith("EB*B*IND*CF^A6*PS**27*40") else [] if s.startswith("MSG*COPAY APPLIES") else [s]))

    coverage = canonical(text, network_status="in_network")["coverage"]

    assert coverage["benefits"]["copay"] == "55.00"
    assert (coverage["eligibility"]["figures"]["copay"]["service_type"], coverage["eligibility"]["figures"]["copay"]["place_of_service"]) == ("98", "11")


def test_every_warning_reaches_the_result_notes_with_its_segment():
    result = evaluated("\ufeff" + replaced(ACTIVE, "SE*36*", "SE*40*"), network_status="in_network")

    assert "The 271 was read with a warning: segment ISA: the document starts with a UTF-8 byte-order mark, which is not X12: it was ignored." in result["notes"]
    assert any(note.startswith("The 271 was read with a warning: segment SE at position 36: SE01 says 40") for note in result["notes"])


def test_a_deductible_waived_for_visits_is_a_note_with_the_payers_words():
    text = with_segments(ACTIVE, lambda s: [s, "EB*F*IND*CF*PS*********Y", "MSG*SPECIALIST VISIT/PLAN DED WAIVED"]
                         if s.startswith("EB*B*IND*CF^A6*PS**27*75") else [s])

    result = evaluated(text, services=("99214",), network_status="in_network")

    assert any("SPECIALIST VISIT/PLAN DED WAIVED" in note and "deductible does not apply" in note for note in result["notes"])
