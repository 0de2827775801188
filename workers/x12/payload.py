"""The X12 interchange inside what a biller pastes, and how it was wrapped.

    interchange_text(text) -> (x12, warnings)

A portal or clearinghouse hands over more than the interchange: a UTF-8 byte-order mark, segments
indented with tabs or spaces, one segment a line, or the whole interchange inside a CAQH CORE
envelope (SOAP/XML, with the X12 in a CDATA section, XML-escaped or base64; or MIME multipart with a
`Payload` part). Nothing of that is ambiguous, so the interchange is taken out as written, segment
for segment, and each unwrapping is a warning located at the ISA. Anything else before the ISA is
still refused by the envelope reader.
"""

from __future__ import annotations

import base64
import binascii
import html
import re

from .envelope import ISA_LENGTH, Problem

_XML_PAYLOAD = re.compile(r"<(?:[\w.-]+:)?Payload\b[^>]*>(.*?)</(?:[\w.-]+:)?Payload\s*>", re.DOTALL | re.IGNORECASE)
_XML_PAYLOAD_TYPE = re.compile(r"<(?:[\w.-]+:)?PayloadType\b[^>]*>\s*([\w.-]+)\s*<", re.IGNORECASE)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_MIME_PART = re.compile(r'^--[^\r\n]*\r?\n((?:[^\r\n]+\r?\n)*)\r?\n(.*?)(?=\r?\n--)', re.DOTALL | re.MULTILINE)
_MIME_PAYLOAD = re.compile(r'name="?Payload"?(?:[;\s]|$)', re.IGNORECASE)
_MIME_PAYLOAD_TYPE = re.compile(r'name="?PayloadType"?[^\r\n]*\r?\n(?:[^\r\n]+\r?\n)*\r?\n\s*([\w.-]+)', re.IGNORECASE)
_BASE64 = re.compile(r"^[A-Za-z0-9+/=\s]+$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
BOM = "\ufeff"


def interchange_text(text: str) -> tuple[str, list[Problem]]:
    """The interchange (ISA … IEA) as X12 alone, one segment a line, and the warnings about what was removed."""
    warnings: list[Problem] = []
    if text.startswith(BOM):
        text = text[len(BOM):]
        warnings.append(Problem("ISA", None, "the document starts with a UTF-8 byte-order mark, which is not X12: it was ignored."))
    stripped = text.strip()
    if not stripped.startswith("ISA"):
        unwrapped = _unwrap(stripped)
        if unwrapped is None:
            return text, warnings
        stripped, how = unwrapped
        warnings.append(Problem("ISA", None, f"the interchange came inside {how}: it was read from there."))
    x12, indented = _one_segment_a_line(stripped)
    if indented:
        warnings.append(Problem(indented, None, "segments are indented with tabs or spaces, which are not X12: the indentation was ignored."))
    return x12, warnings


def _unwrap(text: str) -> tuple[str, str] | None:
    """(the X12 payload, what held it) out of a CORE SOAP or MIME envelope; None when the text is neither."""
    if text.startswith("<"):
        match = _XML_PAYLOAD.search(text)
        if match is None:
            return None
        content = match.group(1)
        sections = _CDATA.findall(content)
        payload = "".join(sections) if sections else html.unescape(content)
        kind = _XML_PAYLOAD_TYPE.search(text)
        core = "a CAQH CORE SOAP envelope" if "COREEnvelope" in text else "a SOAP/XML envelope"
        return _decoded(payload), core + (f" (PayloadType {kind.group(1)})" if kind else "")
    if text.startswith("--") or text.lower().startswith("content-"):
        for headers, body in _MIME_PART.findall(text):
            if _MIME_PAYLOAD.search(headers):
                kind = _MIME_PAYLOAD_TYPE.search(text)
                return _decoded(body), "a CAQH CORE MIME multipart envelope" + (f" (PayloadType {kind.group(1)})" if kind else "")
    return None


def _decoded(payload: str) -> str:
    """The payload as X12 text: as it stands, or decoded from base64 when that is what it is."""
    payload = payload.strip()
    if payload.startswith("ISA") or not _BASE64.match(payload):
        return payload
    try:
        decoded = base64.b64decode("".join(payload.split()), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return payload
    return decoded.lstrip(BOM).strip()


def _one_segment_a_line(text: str) -> tuple[str, str | None]:
    """The interchange with the whitespace around each segment removed (one segment a line), and the
    first indented segment's id (None when no segment was indented)."""
    if len(text) < ISA_LENGTH or text[3].isalnum() or len(text[:ISA_LENGTH].split(text[3])) != 17:
        return text, None  # the envelope reader says what is wrong with the ISA
    terminator = text[ISA_LENGTH - 1]
    isa, rest = text[: ISA_LENGTH - 1], text[ISA_LENGTH:]
    if terminator in "\r\n":
        pieces = _LINE_BREAK.split(rest)
        terminator = "\n"
    else:
        pieces = rest.split(terminator)
    indented = None
    segments = [isa]
    for piece in pieces:
        segment = piece.strip()
        if not segment:
            continue
        if indented is None and piece.lstrip("\r\n")[:1] in (" ", "\t"):
            indented = segment.split(text[3], 1)[0][:3]
        segments.append(segment)
    if terminator == "\n":
        return "\n".join(segments) + "\n", indented
    return "".join(segment + terminator + "\n" for segment in segments), indented
