"""What a biller pastes: the same 271 with a byte-order mark, indentation, a CORE envelope, the A1-less
version or a wrong count is read, each with a warning at its segment; a 999, 997, 270 or TA1 pasted
by mistake is refused by name."""

import base64
from html import escape

import pytest

from tests.x12.documents import document, replaced
from workers.x12.envelope import MalformedX12
from workers.x12.reader import read_271

ACTIVE = document("active-behavioral-health.271")
EXPECTED = read_271(ACTIVE)


def same_content(response):
    """The variant says what the clean document says."""
    assert response.subscribers == EXPECTED.subscribers
    assert response.payers == EXPECTED.payers
    return [str(warning) for warning in response.warnings]


def indented(text, indent):
    return "".join(indent + line if not line.startswith("ISA") else line for line in text.splitlines(keepends=True))


def soap(payload):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"><soapenv:Body>'
        '<cor:COREEnvelopeRealTimeResponse xmlns:cor="http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd">'
        "<PayloadType>X12_271_Response_005010X279A1</PayloadType><ProcessingMode>RealTime</ProcessingMode>"
        "<PayloadID>f81d4fae-7dec-11d0-a765-00a0c91e6bf6</PayloadID><TimeStamp>2026-11-20T09:30:00Z</TimeStamp>"
        "<SenderID>CLEARINGHOUSE</SenderID><ReceiverID>CLINIC</ReceiverID><CORERuleVersion>2.2.0</CORERuleVersion>"
        f"<Payload>{payload}</Payload><ErrorCode>Success</ErrorCode><ErrorMessage></ErrorMessage>"
        "</cor:COREEnvelopeRealTimeResponse></soapenv:Body></soapenv:Envelope>\n"
    )


def mime(payload):
    boundary = "XbCY"
    fields = {"PayloadType": "X12_271_Response_005010X279A1", "ProcessingMode": "RealTime",
              "PayloadID": "e51d4fae-7dec-11d0-a765-00a0c91e6bf6", "Payload": payload}
    parts = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n' for name, value in fields.items())
    return parts + f"--{boundary}--\r\n"


@pytest.mark.parametrize(
    "text, warning",
    [
        ("\ufeff" + ACTIVE, "segment ISA: the document starts with a UTF-8 byte-order mark, which is not X12: it was ignored."),
        (indented(ACTIVE, "\t\t\t"), "segment GS: segments are indented with tabs or spaces, which are not X12: the indentation was ignored."),
        (indented(ACTIVE, "    ").replace("\n", "\r\n"), "segment GS: segments are indented with tabs or spaces"),
        (soap(f"<![CDATA[{ACTIVE}]]>"), "segment ISA: the interchange came inside a CAQH CORE SOAP envelope (PayloadType X12_271_Response_005010X279A1)"),
        (soap(escape(ACTIVE)), "segment ISA: the interchange came inside a CAQH CORE SOAP envelope"),
        (soap(base64.b64encode(ACTIVE.encode()).decode()), "segment ISA: the interchange came inside a CAQH CORE SOAP envelope"),
        (mime(ACTIVE), "segment ISA: the interchange came inside a CAQH CORE MIME multipart envelope (PayloadType X12_271_Response_005010X279A1)"),
        (ACTIVE.replace("005010X279A1", "005010X279"), "segment ST at position 1: ST03 (or GS08) says 005010X279, without the addenda (A1): read as 005010X279A1."),
        (replaced(ACTIVE, "SE*36*", "SE*53*"), "segment SE at position 36: SE01 says 53 segments, but the transaction set has 36 (ST to SE): the segments were read as they are."),
        (replaced(ACTIVE, "GE*1*4211", "GE*2*4211"), "segment GE: GE01 does not match the number of transaction sets in the group: the sets were read as they are."),
        (replaced(ACTIVE, "IEA*1*000004211", "IEA*3*000004211"), "segment IEA: IEA01 does not match the number of functional groups in the interchange"),
        (replaced(ACTIVE, "HL*3*2*22*0", "HL*3*2*22*1"), "segment HL at position 8: HL04 says child HL loops follow, but the document has none: read as HL02 links them."),
    ],
    ids=["bom", "tabs", "spaces-crlf", "soap-cdata", "soap-escaped", "soap-base64", "mime", "a1-less", "se01", "ge01", "iea01", "hl04"],
)
def test_a_variant_is_read_as_the_clean_271_with_a_warning_at_its_segment(text, warning):
    warnings = same_content(read_271(text))

    assert any(w.startswith(warning) for w in warnings), warnings


def test_one_segment_a_line_without_tildes_is_read():
    isa, rest = ACTIVE.split("~\n", 1)
    # ISA16 then a line break as the segment terminator: each segment on its own line, no ~ at all.
    text = isa + "\n" + rest.replace("~\n", "\n")

    assert same_content(read_271(text)) == []


def test_all_of_it_at_once_still_reads():
    text = "\ufeff" + soap("<![CDATA[" + indented(replaced(ACTIVE, "SE*36*", "SE*35*"), "  ").replace("\n", "\r\n") + "]]>")

    warnings = same_content(read_271(text))

    assert [w.split(":")[0] for w in warnings] == ["segment ISA", "segment ISA", "segment GS", "segment SE at position 36"]


ACK_999 = (
    "ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*1234567893     *261120*0931*^*00501*000000077*0*P*:~\n"
    "GS*FA*CLEARINGHOUSE*1234567893*20261120*0931*77*X*005010X231A1~\n"
    "ST*999*0001*005010X231A1~\nAK1*HS*4211*005010X279A1~\nAK2*270*0001*005010X279A1~\n"
    "IK3*NM1*13*2100*8~\nIK4*9*67*7~\nIK5*{code}*5~\nAK9*{code}*1*1*0~\nSE*8*0001~\nGE*1*77~\nIEA*1*000000077~\n"
)


@pytest.mark.parametrize(
    "text, expected",
    [
        (ACK_999.format(code="R"), "segment ST at position 1: this is a 999 implementation acknowledgment (a receipt saying whether "
                                   "the 270 was accepted), not the payer's answer, not a 271 eligibility response. Its IK5 says the "
                                   "inquiry was rejected: correct the 270 and send it again."),
        (ACK_999.format(code="A"), "Its IK5 says the inquiry was accepted: the payer's 271 comes separately."),
        (ACK_999.format(code="A").replace("ST*999", "ST*997").replace("IK5", "AK5"), "this is a 997 functional acknowledgment"),
        (ACTIVE.replace("ST*271", "ST*270").replace("GS*HB", "GS*HS").replace("BHT*0022*11", "BHT*0022*13"),
         "segment ST at position 1: this is a 270 eligibility inquiry (the question the clinic sends), not the payer's answer to it, not a 271"),
        (ACTIVE.replace("ST*271", "ST*835"), "this is an 835 remittance advice"),
        ("ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*1234567893     *261120*0931*^*00501*000000077*0*P*:~\n"
         "TA1*000004211*261120*0930*R*024~\nIEA*0*000000077~\n", "segment TA1: this is a TA1 interchange acknowledgment"),
    ],
    ids=["999-rejected", "999-accepted", "997", "270", "835", "ta1"],
)
def test_another_document_pasted_by_mistake_is_refused_by_name(text, expected):
    with pytest.raises(MalformedX12) as caught:
        read_271(text)

    assert any(expected in message for message in caught.value.messages()), caught.value.messages()


def test_an_envelope_without_an_x12_payload_is_still_refused_at_the_isa():
    with pytest.raises(MalformedX12) as caught:
        read_271(soap("").replace("<Payload></Payload>", ""))

    assert caught.value.messages() == ["segment ISA: the document must start with an ISA interchange header."]


def test_control_number_mismatches_are_still_refused():
    with pytest.raises(MalformedX12) as caught:
        read_271(replaced(ACTIVE, "SE*36*0001", "SE*36*0002"))

    assert "segment SE at position 36: SE02 does not match the transaction set control number in ST02." in caught.value.messages()
