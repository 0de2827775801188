"""Reading 271s: the documents written per the guide, public samples, and malformed input named by segment."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.x12.documents import IDENTIFIERS, document, public, rebuilt, replaced
from workers.x12.envelope import MalformedX12
from workers.x12.inquiry import Inquiry, Person, write_270
from workers.x12.reader import read_271


def test_active_coverage_with_behavioral_health_benefits_is_read_line_by_line():
    response = read_271(document("active-behavioral-health.271"))

    assert response.interchange_control_number == "000004211"
    assert response.transaction_control_numbers == ("0001",)
    assert (response.payers[0].name, response.payers[0].identifier) == ("AETNA", "60054")
    assert response.receivers[0].identifier == "1234567893"
    [subscriber] = response.subscribers
    assert (subscriber.last_name, subscriber.first_name, subscriber.member_id) == ("QUINTERO-HALE", "MARISOL", "W284619037")
    assert subscriber.birth_date == date(1985, 4, 12)
    assert {(p.qualifier, p.start) for p in subscriber.dates} == {("346", date(2026, 1, 1)), ("347", date(2026, 12, 31))}
    active = [b for b in subscriber.benefits if b.code == "1"]
    assert {types for b in active for types in b.service_types} >= {"30", "MH", "A4", "A6", "CF", "A8"}
    copays = {b.in_plan_network: b.amount for b in subscriber.benefits if b.code == "B"}
    assert copays == {"Y": Decimal("40"), "N": Decimal("75")}
    coinsurance = {b.in_plan_network: b.percent for b in subscriber.benefits if b.code == "A"}
    assert coinsurance == {"Y": Decimal(".2"), "N": Decimal(".4")}
    [limit] = [b for b in subscriber.benefits if b.code == "F"]
    assert (limit.quantity_qualifier, limit.quantity, limit.period) == ("VS", Decimal("30"), "23")
    [flagged] = [b for b in subscriber.benefits if b.authorization_required == "Y"]
    assert flagged.service_types == ("A8",)
    assert "PRIOR AUTHORIZATION REQUIRED FOR PSYCHIATRIC OUTPATIENT SERVICES" in flagged.messages
    assert response.rejections() == ()
    assert response.warnings == ()


def test_inactive_coverage_and_its_end_date():
    [subscriber] = read_271(document("inactive.271")).subscribers

    assert [b.code for b in subscriber.benefits] == ["6"]
    assert {p.qualifier: p.start for p in subscriber.dates}["347"] == date(2026, 6, 30)


def test_a_dependent_is_the_patient_with_a_carve_out_contact():
    response = read_271(document("dependent.271"))

    [patient] = response.patients()
    assert (patient.role, patient.loop, patient.first_name, patient.relationship) == ("dependent", "2100D", "TOBI", "19")
    assert response.subscribers[0].member_id == "UHC99104387"
    [carve_out] = [b for b in patient.benefits if b.code == "U"]
    [entity] = carve_out.entities
    assert entity.name == "OPTUM BEHAVIORAL HEALTH"
    assert entity.contacts == ("phone: 8009105555", "web: WWW.PROVIDEREXPRESS.COM")


@pytest.mark.parametrize(
    "name, loop, code, follow_up",
    [("rejected-subscriber.271", "2100C", "72", "C"), ("payer-unavailable.271", "2100A", "42", "R")],
)
def test_rejections_carry_their_meaning_and_follow_up(name, loop, code, follow_up):
    [rejection] = read_271(document(name)).rejections()

    assert (rejection.loop, rejection.code, rejection.follow_up_code) == (loop, code, follow_up)
    assert rejection.meaning and rejection.follow_up and rejection.action


@pytest.mark.parametrize("code, meaning", [("73", "Invalid/Missing Subscriber/Insured Name"), ("75", "Subscriber/Insured Not Found")])
def test_other_subscriber_rejections_are_named(code, meaning):
    text = replaced(document("rejected-subscriber.271"), "AAA*N**72*C", f"AAA*N**{code}*C")

    assert read_271(text).rejections()[0].meaning == meaning


@pytest.mark.parametrize("name", ["subscriber.271", "dependent.271", "dependent-health-benefit-check.271"])
def test_public_samples_are_read(name):
    response = read_271(public(name))

    [patient] = response.patients()
    assert patient.benefits and patient.benefits[0].code == "1"
    assert response.payers[0].name


def test_a_public_sample_that_deviates_from_the_guide_is_read_with_a_warning():
    response = read_271(public("dependent.271"))

    assert response.patients()[0].role == "dependent"
    assert response.warnings == ("segment NM1 at position 15: NM101 should be 03 in loop 2100D; read as the dependent.",)


def test_the_public_error_sample_is_malformed_as_it_stands_and_read_once_its_trailer_is_right():
    text = public("subscriber-health-benefit-check-error.271")
    with pytest.raises(MalformedX12) as caught:
        read_271(text)
    assert caught.value.messages() == ["segment SE at position 8: SE02 does not match the transaction set control number in ST02."]

    [rejection] = read_271(replaced(text, "SE*8*4323", "SE*8*4321")).rejections()
    assert (rejection.loop, rejection.code, rejection.follow_up_code) == ("2100B", "50", "N")


ACTIVE = document("active-behavioral-health.271")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("hello world", "segment ISA: the document must start with an ISA interchange header."),
        ("", "segment ISA: the document must start with an ISA interchange header."),
        (replaced(ACTIVE, "*ZZ*AETNA          *", "*ZZ*AETNA*"), "segment ISA: the interchange header is 96 characters long"),
        (replaced(ACTIVE, "*00501*", "*00401*"), "segment ISA: ISA12 must be 00501"),
        (replaced(ACTIVE, "SE*36*0001~\n", ""), "segment SE: the transaction set trailer (SE) is missing before GE."),
        (replaced(ACTIVE, "SE*36*", "SE*35*"), "segment SE at position 36: SE01 says 35 segments, but the transaction set has 36"),
        (replaced(ACTIVE, "SE*36*0001", "SE*36*0002"), "segment SE at position 36: SE02 does not match"),
        (replaced(ACTIVE, "GE*1*4211", "GE*2*4211"), "segment GE: GE01 does not match the number of transaction sets"),
        (replaced(ACTIVE, "IEA*1*000004211", "IEA*1*000004212"), "segment IEA: IEA02 does not match"),
        (replaced(ACTIVE, "\nIEA*1*000004211~", ""), "segment IEA: the interchange trailer (IEA) is missing."),
        (replaced(ACTIVE, "ST*271*0001", "ST*270*0001"), "segment ST at position 1: ST01 must be 271"),
        (replaced(ACTIVE, "BHT*0022*11*", "BHT*0022*13*"), "segment BHT at position 2: BHT02 must be 11"),
        (rebuilt(ACTIVE, lambda s: [x for x in s if not x.startswith("NM1*IL")]), "segment N3 at position 10: expected NM1 (loop 2100C"),
        (rebuilt(ACTIVE, lambda s: [x.replace("HL*3*2*22*0", "HL*3*1*22*0") for x in s]), "segment HL at position 8: HL02 must name the information receiver (provider) HL (21)"),
        (rebuilt(ACTIVE, lambda s: [x.replace("HL*3*2*22*0", "HL*3*2*22*1") for x in s]), "segment HL at position 8: HL04 says child HL loops follow"),
        (rebuilt(ACTIVE, lambda s: [x.replace("EB*1*IND*30*", "EB*Q1*IND*30*") for x in s]), "segment EB at position 16: EB01 is not an eligibility or benefit code"),
        (rebuilt(ACTIVE, lambda s: [x.replace("EB*C*IND*30*PS**23*1500", "EB*C*IND*30*PS**23*15OO") for x in s]), "segment EB at position 19: EB07 must be a number"),
        (rebuilt(ACTIVE, lambda s: [x.replace("*****Y", "*****Q") for x in s]), "EB12 must be Y, N, U or W"),
        (rebuilt(ACTIVE, lambda s: [x.replace("DTP*347*D8*20261231", "DTP*347*D8*20261331") for x in s]), "segment DTP at position 15: DTP03 is not a valid date"),
        (rebuilt(ACTIVE, lambda s: [*s[:20], "ZZZ*1", *s[20:]]), "segment ZZZ at position 19: is not expected in loop 2110C"),
        (rebuilt(document("dependent.271"), lambda s: [x for x in s if x != "LE*2120"]), "an LS loop (2120) is not closed with LE"),
        (rebuilt(document("rejected-subscriber.271"), lambda s: [x.replace("AAA*N**72*C", "AAA*N**72*Q") for x in s]), "AAA04 must be a follow-up action code"),
    ],
)
def test_malformed_x12_is_named_by_segment_and_position(text, expected):
    with pytest.raises(MalformedX12) as caught:
        read_271(text)

    messages = caught.value.messages()
    assert any(expected in message for message in messages), messages


def test_problems_never_quote_the_document():
    broken = rebuilt(ACTIVE, lambda s: [
        x.replace("NM1*IL*1*QUINTERO-HALE", "NM1*XX*1*QUINTERO-HALE").replace("DMG*D8*19850412", "DMG*D8*1985041Z") for x in s
    ])
    with pytest.raises(MalformedX12) as caught:
        read_271(broken.replace("SE*", "SEX*", 1))

    text = " ".join(caught.value.messages()) + str(caught.value)
    assert not [value for value in IDENTIFIERS if value in text]


def test_a_270_is_not_a_271():
    inquiry = Inquiry(1, datetime(2026, 11, 20, 9, 30), "REF1", "1234567893", "60054", "T", "AETNA", "60054",
                      "CLINIC", "1234567893", None, Person("DOE", "JO", date(1990, 1, 1), "M1"), None, None,
                      date(2026, 12, 1), ("30",))
    with pytest.raises(MalformedX12) as caught:
        read_271(write_270(inquiry))

    assert "segment ST at position 1: ST01 must be 271: this reader takes 271 transaction sets." in caught.value.messages()


SEPARATORS = "*~:^\n"


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_any_damage_is_read_or_named_never_a_crash(data):
    text = data.draw(st.sampled_from([ACTIVE, document("dependent.271"), document("rejected-subscriber.271")]))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        piece = data.draw(st.text(st.sampled_from(SEPARATORS + "ABEHLNS019 "), min_size=1, max_size=3))
        if kind == "delete":
            text = text[:at] + text[at + len(piece):]
        elif kind == "insert":
            text = text[:at] + piece + text[at:]
        else:
            text = text[:at] + piece + text[at + len(piece):]
    try:
        read_271(text)
    except MalformedX12 as error:
        named = [message for message in error.messages() if not message.startswith("… and ")]
        assert named and all(message.startswith("segment ") for message in named)
