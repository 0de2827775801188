"""271 in, 270 out, FHIR out: through HTTP, a real Celery worker and both databases."""

import logging
from uuid import UUID

import pytest
from fhir.resources.R4B.coverageeligibilityresponse import CoverageEligibilityResponse

from schemas.verification_result import VerificationSchema
from schemas.x12_271 import EligibilityReadSchema
from service.extensions import db
from service.fhir_coverage import PAYMENT_TYPES, check_bindings
from service.models import Verification
from tests.x12.documents import IDENTIFIERS, document, pyx12_errors, replaced, sample
from tests.x12.test_inquiry import guide_model
from tests.x12.test_tolerance import ACK_999
from workers.rules.programs import PROGRAMS
from workers.x12.inquiry import read_270
from workers.x12.reader import read_271

CLINIC = {"CLINIC_NPI": "1234567893", "CLINIC_NAME": "Serenity Ketamine Clinic", "CLINIC_TIN": "12-3456789"}
MARISOL = {"first_name": "Marisol", "last_name": "Quintero-Hale", "date_of_birth": "1985-04-12"}


def request_with(name, patient=MARISOL, member_id="W284619037", carrier="Aetna", services=None, **coverage):
    return {
        "patient": patient,
        "coverage": {"carrier": carrier, "plan_type": "POS", "member_id": member_id,
                     "eligibility_271": document(name), **coverage},
        "services": services or [{"code": "90837", "units": 1, "charge": 200.0}],
        "sessions": 4,
        "diagnoses": ["F33.1"],
        "date_of_service": "2026-12-01",
    }


SCENARIOS = {
    "active": request_with("active-behavioral-health.271", network_status="in_network"),
    "out_of_network": request_with("active-behavioral-health.271", network_status="out_of_network"),
    "psychiatric_visit": request_with("active-behavioral-health.271", network_status="in_network",
                                      services=[{"code": "99214", "units": 1, "charge": 180.0}]),
    "inactive": request_with("inactive.271", {"first_name": "Theodore", "last_name": "Brannigan", "date_of_birth": "1972-09-30"}, "H77120455"),
    "dependent": request_with("dependent.271", {"first_name": "Tobi", "last_name": "Okonkwo-Reyes", "date_of_birth": "2009-06-22"},
                              "UHC99104387", carrier="UnitedHealthcare", relationship="child", network_status="in_network"),
    "rejected": request_with("rejected-subscriber.271", {"first_name": "June", "last_name": "Vanterpool", "date_of_birth": "1990-02-02"}, "CGN551200"),
    "aetna_pos": {
        "patient": {"first_name": "Terry", "last_name": "Sample", "date_of_birth": "1995-01-01"},
        "coverage": {"carrier": "Aetna", "member_id": "W000000001", "group_number": "017551302300051",
                     "network_status": "in_network", "eligibility_271": sample("01-aetna-choice-pos-ii.271")},
        "services": [{"code": "99214", "units": 1, "charge": 180.0}], "sessions": 2, "diagnoses": ["F33.1"],
        "date_of_service": "2025-09-09",
    },
    "navicure_rejected": {
        "patient": {"first_name": "John", "last_name": "Smith", "date_of_birth": "1990-01-01"},
        "coverage": {"carrier": "UnitedHealthcare", "member_id": "ABC123",
                     "eligibility_271": sample("14-navicure-uhc-anon-tabs.271")},
        "services": [{"code": "90837", "units": 1, "charge": 200.0}], "diagnoses": ["F43.10"], "date_of_service": "2026-12-01",
    },
}


@pytest.fixture
def verified(client, auth, celery_worker):
    """Submit a scenario with ?wait=10 and return the finished result."""
    def submit(name, **changes):
        payload = {**SCENARIOS[name], **changes}
        response = client.post("/api/v1/verifications?wait=10", json=payload, headers=auth())
        assert response.status_code == 200, response.json
        assert VerificationSchema().validate(response.json) == {}
        return response.json
    return submit


# -- the 271 with a verification ----------------------------------------------------------------


@pytest.mark.e2e
def test_active_coverage_is_covered_with_the_271s_figures(verified):
    result = verified("active")

    assert result["determination"] == "covered"
    assert result["benefits_source"] == "271"
    assert set(result["benefit_sources"].values()) == {"271"}
    # Deductible left 1250: the first six 200.00 sessions' allowed go to it; four sessions here.
    assert result["estimate"]["total"] == {"patient": 800.0, "payer": 0.0, "allowed": 800.0, "non_covered": 0.0}
    assert result["eligibility"]["status"] == "active"


@pytest.mark.e2e
def test_out_of_network_twins_change_the_estimate(verified):
    inside, outside = verified("active", sessions=12), verified("out_of_network", sessions=12)

    assert inside["eligibility"]["figures"]["copay"]["value"] == "40.00"
    assert outside["eligibility"]["figures"]["copay"]["value"] == "75.00"
    assert outside["estimate"]["total"]["patient"] > inside["estimate"]["total"]["patient"]


@pytest.mark.e2e
def test_a_service_type_the_271_flags_needs_authorization(verified):
    result = verified("psychiatric_visit")

    assert result["determination"] == "authorization_required"
    assert result["lines"][0]["authorization_required"] is True


@pytest.mark.e2e
def test_inactive_coverage_is_not_covered(verified):
    result = verified("inactive")

    assert result["determination"] == "not_covered"
    assert {reason["carc"] for reason in result["denial_reasons"]} == {"27"}


@pytest.mark.e2e
def test_a_dependents_271_is_read_for_the_dependent(verified):
    result = verified("dependent")

    assert result["determination"] == "covered"
    assert result["eligibility"]["patient_loop"] == "2100D"
    assert result["benefits_source"] == "271"
    assert any("OPTUM BEHAVIORAL HEALTH" in note for note in result["notes"])


@pytest.mark.e2e
def test_the_stored_271_keeps_what_the_payer_said_without_the_subscribers_address(app, verified):
    result = verified("aetna_pos")

    with app.app_context():
        stored = db.session.get(Verification, UUID(result["id"])).request["coverage"]["eligibility_271"]
    assert "N3*100 MAIN ST*APT 1" in SCENARIOS["aetna_pos"]["coverage"]["eligibility_271"]
    assert "100 MAIN ST" not in stored and "ANYTOWN" not in stored and "84000" not in stored
    assert "N3*" not in stored and "N4*" not in stored
    # The payer's answer itself is all there, and still a 271 that reads (its SE01 counted again).
    assert "EB*1*EMP*30*PS*AETNA CHOICE POS II" in stored and "SE*230*605043497" in stored
    reread = read_271(stored)
    assert len(reread.subscribers) == 1 and not any("SE01" in warning for warning in reread.warning_texts)


@pytest.mark.e2e
def test_a_rejection_needs_review(verified):
    result = verified("rejected")

    assert result["determination"] == "needs_review"
    texts = " ".join(r["text"] for r in result["requirements"] if r["kind"] == "eligibility_confirmation")
    assert "AAA 72" in texts and "Invalid/Missing Subscriber/Insured ID" in texts


def test_a_malformed_271_is_a_422_naming_the_segment_and_nothing_from_it(client, auth, caplog):
    payload = request_with("active-behavioral-health.271")
    payload["coverage"]["eligibility_271"] = replaced(document("active-behavioral-health.271"), "SE*36*0001", "SE*36*0002")

    with caplog.at_level(logging.DEBUG):
        response = client.post("/api/v1/verifications", json=payload, headers=auth())

    assert response.status_code == 422
    error = response.json["error"]
    assert error["fields"]["coverage.eligibility_271"] == [
        "segment SE at position 36: SE02 does not match the transaction set control number in ST02."
    ]
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert not [value for value in IDENTIFIERS if value in response.get_data(as_text=True).upper() or value in logged.upper()]


@pytest.mark.parametrize("text", ["", "x" * 300_001])
def test_an_empty_or_huge_271_is_a_422(client, auth, text):
    payload = request_with("active-behavioral-health.271")
    payload["coverage"]["eligibility_271"] = text

    response = client.post("/api/v1/verifications", json=payload, headers=auth())

    assert response.status_code in (413, 422)
    if response.status_code == 422:
        assert "coverage.eligibility_271" in response.json["error"]["fields"]


def test_the_summary_cannot_be_sent_by_a_client(client, auth):
    payload = request_with("active-behavioral-health.271")
    payload["coverage"]["eligibility"] = {"status": "active"}

    response = client.post("/api/v1/verifications", json=payload, headers=auth())

    assert response.status_code == 422
    assert "coverage.eligibility" in response.json["error"]["fields"]


@pytest.mark.e2e
def test_no_identifier_from_the_271_reaches_the_logs(client, auth, celery_worker, caplog):
    with caplog.at_level(logging.DEBUG):
        for name in ("active", "dependent", "rejected"):
            payload = {**SCENARIOS[name], "sessions": 7}
            assert client.post("/api/v1/verifications?wait=10", json=payload, headers=auth()).status_code == 200
    logged = " ".join(record.getMessage() for record in caplog.records).upper()

    assert not [value for value in IDENTIFIERS if value in logged]


# -- the standalone reader ----------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["application/edi-x12", "text/plain"])
def test_a_pasted_271_is_read_as_text(client, auth, content_type):
    response = client.post("/api/v1/eligibility/271", data=document("dependent.271"),
                           headers={**auth(), "Content-Type": content_type})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    view = response.json
    assert EligibilityReadSchema().validate(view) == {}
    [subscriber] = view["subscribers"]
    assert subscriber["member_id"] == "UHC99104387"
    assert subscriber["dependents"][0]["first_name"] == "TOBI"
    assert subscriber["dependents"][0]["benefits"][1]["entities"][0]["name"] == "OPTUM BEHAVIORAL HEALTH"


def test_a_pasted_271_is_read_from_json(client, auth):
    response = client.post("/api/v1/eligibility/271", json={"x12": document("payer-unavailable.271")}, headers=auth())

    assert response.status_code == 200
    assert response.json["payers"][0]["rejections"][0]["code"] == "42"


def test_a_malformed_pasted_271_names_the_segment(client, auth):
    text = replaced(document("active-behavioral-health.271"), "HL*3*2*22*0", "HL*3*1*22*0")

    response = client.post("/api/v1/eligibility/271", data=text, headers={**auth(), "Content-Type": "text/plain"})

    assert response.status_code == 422
    messages = response.json["error"]["fields"]["x12"]
    assert messages[0].startswith("segment HL at position 8: HL02 must name the information receiver")


@pytest.mark.parametrize(
    "kwargs, status",
    [({"data": "<x/>", "content_type": "application/xml"}, 415), ({"json": ["x"]}, 400), ({"json": {"text": "x"}}, 422)],
)
def test_the_reader_refuses_other_bodies(client, auth, kwargs, status):
    response = client.post("/api/v1/eligibility/271", headers=auth(), **kwargs)

    assert response.status_code == status
    assert response.json["error"]["fields"]


def test_the_reader_needs_a_key(client):
    assert client.post("/api/v1/eligibility/271", data="ISA", content_type="text/plain").status_code == 401


# -- the 270 ------------------------------------------------------------------------------------


@pytest.fixture
def clinic(app, monkeypatch):
    for key, value in CLINIC.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["active", "dependent", "inactive", "rejected"])
def test_the_270_of_a_stored_verification_reads_back(client, auth, verified, clinic, name):
    result = verified(name)

    response = client.get(f"/api/v1/verifications/{result['id']}/x12-270", headers=auth())

    assert response.status_code == 200
    assert response.mimetype == "application/edi-x12"
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert pyx12_errors(text) == []
    inquiry = read_270(text)
    patient = SCENARIOS[name]["patient"]
    asked = inquiry.dependent or inquiry.subscriber
    assert (asked.last_name, asked.first_name) == (patient["last_name"].upper(), patient["first_name"].upper())
    assert asked.birth_date.isoformat() == patient["date_of_birth"]
    assert inquiry.subscriber.member_id == SCENARIOS[name]["coverage"]["member_id"]
    assert (inquiry.dependent is not None) == (name == "dependent")
    assert inquiry.provider_npi == CLINIC["CLINIC_NPI"]
    assert inquiry.service_types[:3] == ("30", "A4", "MH")
    assert client.get(f"/api/v1/verifications/{result['id']}/x12-270", headers=auth()).get_data(as_text=True) == text


@pytest.mark.e2e
def test_without_a_clinic_npi_the_270_is_a_409(client, auth, verified, monkeypatch, app):
    result = verified("active")
    monkeypatch.setitem(app.config, "CLINIC_NPI", "")

    response = client.get(f"/api/v1/verifications/{result['id']}/x12-270", headers=auth())

    assert response.status_code == 409
    assert "BV_CLINIC_NPI" in response.json["error"]["message"]


def test_the_270_of_an_unknown_verification_is_a_404(client, auth):
    assert client.get("/api/v1/verifications/3f0c0c5e-1111-4222-8333-444455556666/x12-270", headers=auth()).status_code == 404


# -- FHIR ---------------------------------------------------------------------------------------


def fhir_of(client, auth, verification_id):
    response = client.get(f"/api/v1/verifications/{verification_id}/fhir", headers=auth())
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    resource = CoverageEligibilityResponse.model_validate(response.json)
    check_bindings(resource)
    return response.json


@pytest.mark.e2e
@pytest.mark.parametrize("name", SCENARIOS)
def test_every_scenario_is_a_valid_coverage_eligibility_response(client, auth, verified, name):
    result = verified(name)

    resource = fhir_of(client, auth, result["id"])

    items = resource["insurance"][0]["item"]
    assert len(items) == len(result["lines"])
    for item, line in zip(items, result["lines"], strict=True):
        assert item["productOrService"]["coding"][0]["code"] == line["code"]
        assert item["excluded"] is (line["determination"] == "not_covered")
        assert item["authorizationRequired"] is line["authorization_required"]


@pytest.mark.e2e
def test_fhir_carries_the_271s_benefits_and_whether_coverage_is_in_force(client, auth, verified):
    active = fhir_of(client, auth, verified("active")["id"])
    inactive = fhir_of(client, auth, verified("inactive")["id"])

    assert active["outcome"] == "complete" and active["insurance"][0]["inforce"] is True
    benefits = {b["type"]["coding"][0]["code"]: b for b in active["insurance"][0]["item"][0]["benefit"]}
    assert benefits["deductible"]["allowedMoney"] == {"value": 1500.0, "currency": "USD"}
    assert benefits["deductible"]["usedMoney"]["value"] == 250.0
    assert benefits["copay"]["allowedMoney"]["value"] == 40.0
    assert inactive["insurance"][0]["inforce"] is False
    assert inactive["insurance"][0]["item"][0]["excluded"] is True


@pytest.mark.e2e
def test_fhir_reports_an_aaa_rejection_as_an_error(client, auth, verified):
    resource = fhir_of(client, auth, verified("rejected")["id"])

    assert resource["outcome"] == "error"
    [error] = resource["error"]
    assert error["code"]["coding"][0] == {"system": "https://codesystem.x12.org/005010/901", "code": "72",
                                          "display": "Invalid/Missing Subscriber/Insured ID"}


def test_the_openapi_document_covers_the_new_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]

    assert "post" in paths["/api/v1/eligibility/271"]
    assert "application/edi-x12" in paths["/api/v1/eligibility/271"]["post"]["requestBody"]["content"]
    assert "get" in paths["/api/v1/verifications/{verification_id}/x12-270"]
    assert "get" in paths["/api/v1/verifications/{verification_id}/fhir"]


# -- real 271s as billers paste them ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["11-anon-payer-aaa42-ebp-oopfactory.271", "13-oopfactory-example-3-2-2-dependent.271",
                                  "14-navicure-uhc-anon-tabs.271"])
def test_a_pasted_real_271_is_read_with_each_warning_at_its_segment(client, auth, name):
    response = client.post("/api/v1/eligibility/271", data=sample(name).encode(),
                           headers={**auth(), "Content-Type": "text/plain"})

    assert response.status_code == 200, response.json
    view = response.json
    assert EligibilityReadSchema().validate(view) == {}
    assert view["warnings"] and len(view["warnings"]) == len(view["warning_details"])
    for text, detail in zip(view["warnings"], view["warning_details"], strict=True):
        assert text.startswith(f"segment {detail['segment']}") and detail["text"] in text


@pytest.mark.parametrize("network, copay", [("in_network", "40.00"), ("out_of_network", "75.00")])
def test_a_pasted_271_comes_with_the_summary_a_check_would_read(client, auth, network, copay):
    response = client.post("/api/v1/eligibility/271", query_string={"network_status": network},
                           json={"x12": document("active-behavioral-health.271")}, headers=auth())

    assert response.status_code == 200, response.json
    assert EligibilityReadSchema().validate(response.json) == {}
    summary = response.json["summary"]
    assert summary["status"] == "active" and summary["network_basis"] == network
    assert summary["plan"]["name"] == "CHOICE POS II" and summary["plan"]["begin"] == "2026-01-01"
    assert summary["figures"]["copay"]["value"] == copay
    assert "QUINTERO" not in str(summary), "the summary names no one; the typed view beside it does"


def test_a_pasted_rejection_is_summarised_with_what_to_do(client, auth):
    response = client.post("/api/v1/eligibility/271", data=sample("07-cms-hets-aaa72-indented.271").encode(),
                           headers={**auth(), "Content-Type": "text/plain"})

    summary = response.json["summary"]
    assert summary["status"] == "rejected"
    [rejection] = summary["rejections"]
    assert rejection["code"] == "72" and "member id" in rejection["action"]


def test_a_network_status_the_reader_does_not_know_is_a_422_naming_it(client, auth):
    response = client.post("/api/v1/eligibility/271", query_string={"network_status": "maybe"},
                           json={"x12": document("active-behavioral-health.271")}, headers=auth())

    assert response.status_code == 422 and "network_status" in response.json["error"]["fields"]


def test_a_999_pasted_by_mistake_is_a_422_that_says_so(client, auth):
    response = client.post("/api/v1/eligibility/271", data=ACK_999.format(code="R"), headers={**auth(), "Content-Type": "text/plain"})

    assert response.status_code == 422
    [message] = response.json["error"]["fields"]["x12"]
    assert "this is a 999 implementation acknowledgment" in message and "rejected" in message


@pytest.mark.e2e
def test_a_real_aetna_271_gives_the_specialist_copay_and_its_notes(verified):
    result = verified("aetna_pos")

    assert result["eligibility"]["figures"]["copay"]["value"] == "70.00"
    assert result["eligibility"]["plan"]["plan_type"] == "POS"
    assert result["benefits_source"] == "271"
    assert any("SPECIALIST VISIT OR EVALUATION/PLAN DED WAIVED" in note for note in result["notes"])


@pytest.mark.e2e
def test_a_real_271_with_rejections_and_warnings_shows_both(verified):
    result = verified("navicure_rejected")

    assert result["determination"] == "needs_review"
    assert any(note.startswith("The 271 was read with a warning: segment SE at position 36: SE01 says 53") for note in result["notes"])
    assert result["eligibility"]["warnings"]


# -- 270 as the guide wants it --------------------------------------------------------------------


@pytest.mark.e2e
def test_the_270_carries_the_clinics_taxonomy_and_one_eq_with_a4(client, auth, verified, clinic):
    result = verified("active")

    text = client.get(f"/api/v1/verifications/{result['id']}/x12-270", headers=auth()).get_data(as_text=True)

    receiver = guide_model(text).loop_2000a[0].loop_2000b[0]
    assert receiver.loop_2100b.prv_segment.reference_identification == "2084P0800X"
    [eq] = receiver.loop_2000c[0].loop_2100c.loop_2110c
    assert list(eq.eq_segment.service_type_code) == ["30", "A4", "MH", "CF", "A6"]


@pytest.mark.e2e
@pytest.mark.parametrize("owner, loops", [("patient", 0), ("subscriber", 1), (None, 1)])
def test_a_dependent_with_their_own_member_id_is_sent_as_the_subscriber(client, auth, verified, clinic, owner, loops):
    changes = {"coverage": {**SCENARIOS["dependent"]["coverage"], "member_id_owner": owner, "member_id": "UHC 991 04387"}}
    if owner is None:
        changes["coverage"].pop("member_id_owner")
    result = verified("dependent", **changes)

    text = client.get(f"/api/v1/verifications/{result['id']}/x12-270", headers=auth()).get_data(as_text=True)

    [subscriber] = guide_model(text).loop_2000a[0].loop_2000b[0].loop_2000c
    assert len(subscriber.loop_2000d or ()) == loops
    assert subscriber.loop_2100c.nm1_segment.identification_code == "UHC 991 04387"
    if not loops:
        assert subscriber.loop_2100c.nm1_segment.name_first == "TOBI"


# -- FHIR as US Core wants it ---------------------------------------------------------------------

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"


def contained(resource, kind):
    return next(r for r in resource["contained"] if r["resourceType"] == kind)


@pytest.mark.e2e
def test_the_contained_coverage_has_the_us_core_must_supports(client, auth, verified):
    resource = fhir_of(client, auth, verified("aetna_pos")["id"])

    coverage = contained(resource, "Coverage")
    assert coverage["meta"]["profile"] == [US_CORE + "us-core-coverage"]
    assert coverage["status"] == "active"
    assert coverage["type"]["coding"][0] == {"system": "https://nahdo.org/sopt", "code": "513", "display": "Commercial Managed Care - POS"}
    [member] = coverage["identifier"]
    assert member["type"]["coding"][0]["code"] == "MB" and member["value"] == "W000000001" and member["system"]
    classes = {c["type"]["coding"][0]["code"]: c["value"] for c in coverage["class"]}
    assert classes == {"group": "017551302300051", "plan": "AETNA CHOICE POS II"}
    assert (coverage["subscriberId"], coverage["beneficiary"], coverage["payor"]) == ("W000000001", {"reference": "#patient"}, [{"reference": "#insurer"}])
    assert coverage["relationship"]["coding"][0]["code"] == "self"
    assert coverage["period"] == {"start": "2025-01-20"}
    patient = contained(resource, "Patient")
    assert patient["meta"]["profile"] == [US_CORE + "us-core-patient"]
    assert patient["identifier"] == [member] and patient["gender"] == "unknown"
    insurer = contained(resource, "Organization")
    assert insurer["identifier"][0]["system"] and insurer["identifier"][0]["value"]
    [item] = resource["insurance"][0]["item"]
    assert item["term"]["coding"][0]["code"] == "annual", "the deductible and out-of-pocket maximum are per calendar year"
    benefits = {b["type"]["coding"][0]["code"]: b for b in item["benefit"]}
    assert benefits["copay"]["allowedMoney"]["value"] == 70.0


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["rejected", "navicure_rejected"])
def test_a_rejected_271_is_an_error_and_no_active_coverage(client, auth, verified, name):
    resource = fhir_of(client, auth, verified(name)["id"])

    assert resource["outcome"] == "error"
    assert resource["error"] and all(e["code"]["coding"][0]["system"].endswith("/901") for e in resource["error"])
    assert contained(resource, "Coverage")["status"] != "active"
    assert "inforce" not in resource["insurance"][0]


def test_every_program_has_a_fhir_payer_type():
    # Coverage.type from the Source of Payment Typology, one code per program of the request schema.
    assert set(PAYMENT_TYPES) == set(PROGRAMS)
