"""Every 270 written reads back cleanly: pyx12's envelope checks, our loop checks, and its content."""

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.x12.documents import pyx12_errors
from workers.x12.inquiry import Inquiry, Person, clean, read_270, valid_npi, write_270

BASE = {
    "control_number": 4211, "created": datetime(2026, 11, 20, 9, 30), "reference": "3F0C0C5E11114222",
    "submitter_id": "1234567893", "receiver_id": "60054", "usage": "P", "payer_name": "Aetna", "payer_id": "60054",
    "provider_name": "Serenity Ketamine Clinic", "provider_npi": "1234567893", "provider_tin": "12-3456789",
    "subscriber": Person("Quintero-Hale", "Marisol", date(1985, 4, 12), "W284619037"), "dependent": None,
    "group_number": "GRP-77", "date_of_service": date(2026, 12, 1), "service_types": ("30", "MH", "CF", "A6"),
}


def test_a_subscriber_inquiry_reads_back_through_pyx12_and_our_loop_checks():
    text = write_270(Inquiry(**BASE))

    assert pyx12_errors(text) == []
    view = read_270(text)
    assert (view.interchange_control_number, view.transaction_control_number) == ("000004211", "0001")
    assert (view.payer_name, view.payer_id, view.provider_npi) == ("AETNA", "60054", "1234567893")
    assert view.subscriber == Person("QUINTERO-HALE", "MARISOL", date(1985, 4, 12), "W284619037")
    assert view.dependent is None
    assert view.date_of_service == date(2026, 12, 1)
    assert view.service_types == ("30", "MH", "CF", "A6")
    assert "REF*6P*GRP-77~" in text and "REF*TJ*123456789~" in text


def test_a_dependent_inquiry_names_the_subscriber_by_member_id_and_asks_about_the_dependent():
    inquiry = Inquiry(**{**BASE, "subscriber": Person(None, None, None, "UHC99104387"),
                         "dependent": Person("Okonkwo-Reyes", "Tobi", date(2009, 6, 22), None)})
    text = write_270(inquiry)

    assert pyx12_errors(text) == []
    view = read_270(text)
    assert view.subscriber.member_id == "UHC99104387"
    assert view.dependent == Person("OKONKWO-REYES", "TOBI", date(2009, 6, 22), None)
    assert "HL*3*2*22*1~" in text and "HL*4*3*23*0~" in text
    assert "NM1*03*1*OKONKWO-REYES*TOBI~" in text


def test_envelope_control_numbers_and_counts_agree():
    text = write_270(Inquiry(**{**BASE, "control_number": 987654321}))
    lines = [line.rstrip("~") for line in text.splitlines()]

    isa, gs, st_, se, ge, iea = lines[0], lines[1], lines[2], lines[-3], lines[-2], lines[-1]
    assert len(isa) + 1 == 106
    assert isa.split("*")[13] == iea.split("*")[2] == "987654321"
    assert gs.split("*")[6] == ge.split("*")[2] == "987654321"
    assert st_.split("*")[2] == se.split("*")[2]
    assert int(se.split("*")[1]) == len(lines) - 4, "SE01 counts ST to SE"


def test_the_same_inquiry_is_written_the_same_way():
    assert write_270(Inquiry(**BASE)) == write_270(Inquiry(**BASE))


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=70)


@settings(max_examples=150, deadline=None)
@given(last=names, first=names, member_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 -]{0,39}", fullmatch=True),
       group=st.one_of(st.none(), names), payer=names, control=st.integers(1, 999_999_999))
def test_any_name_or_id_gives_a_270_that_reads_back(last, first, member_id, group, payer, control):
    inquiry = Inquiry(**{**BASE, "control_number": control, "payer_name": payer or "X", "group_number": group,
                         "subscriber": Person(last, first, date(1985, 4, 12), member_id)})
    text = write_270(inquiry)

    assert pyx12_errors(text) == []
    view = read_270(text)
    assert view.subscriber.last_name == (clean(last, 60) or None)
    assert view.subscriber.member_id == clean(member_id, 80).replace(" ", "")


@pytest.mark.parametrize("name, written", [("Peña", "PENA"), ("O'Brien*Smith~", "O'BRIEN SMITH"), ("Zoë  Ann", "ZOE ANN")])
def test_names_lose_accents_and_separators(name, written):
    assert clean(name, 60) == written


@pytest.mark.parametrize("npi, valid", [("1234567893", True), ("1234567890", False), ("123456789", False), ("", False), ("12345678x3", False)])
def test_npi_check_digit(npi, valid):
    assert valid_npi(npi) is valid
