"""The 271 test documents (tests/x12/fixtures/) and ways to break them."""

import io
from pathlib import Path

from pyx12.x12file import X12Reader

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PUBLIC = FIXTURES / "linuxforhealth"


def document(name: str) -> str:
    return (FIXTURES / name).read_text()


def public(name: str) -> str:
    return (PUBLIC / name).read_text()


def segments(text: str) -> list[str]:
    return [segment.strip() for segment in text.split("~") if segment.strip()]


def rebuilt(text: str, change) -> str:
    """`text` with `change(segments)` applied and the SE01 count made right again, for breaking one thing at a time."""
    parts = change(segments(text))
    st = next(i for i, s in enumerate(parts) if s.startswith("ST*"))
    se = next(i for i, s in enumerate(parts) if s.startswith("SE*"))
    parts[se] = f"SE*{se - st + 1}*{parts[se].split('*')[2]}"
    return "~\n".join(parts) + "~\n"


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


# The identifiers the 271 documents carry: none may reach a log, Redis or an error message.
IDENTIFIERS = (
    "QUINTERO-HALE", "MARISOL", "W284619037", "19850412", "4410 ALDER",
    "BRANNIGAN", "THEODORE", "H77120455", "19720930",
    "OKONKWO-REYES", "ADAEZE", "TOBI", "UHC99104387", "20090622", "19800115",
    "VANTERPOOL", "CGN551200",
)


def pyx12_errors(text: str) -> list:
    """Every envelope, count and control-number error pyx12's X12Reader finds in `text`."""
    reader = X12Reader(io.StringIO(text))
    errors = []
    for _segment in reader:
        errors.extend(reader.pop_errors())
    reader.cleanup()
    return errors + reader.pop_errors()


# -- the real 271s (tests/x12/samples/, copied from ../shared/x12-samples/ with their SOURCES.md) --

SAMPLES = Path(__file__).resolve().parent / "samples"
SHARED_SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "x12-samples"


def sample(name: str) -> str:
    """A real 271 exactly as found (byte-order mark, CRLF and indentation included)."""
    return (SAMPLES / name).read_bytes().decode("utf-8")


def every_sample() -> list[Path]:
    """The project's copies, and any file of ../shared/x12-samples/ they lack (CI has that folder)."""
    found = {path.name: path for path in sorted(SAMPLES.glob("*.271"))}
    if SHARED_SAMPLES.is_dir():
        for path in sorted(SHARED_SAMPLES.glob("*.271")):
            found.setdefault(path.name, path)
    return list(found.values())


def raw_segments(text: str) -> list[list[str]]:
    """The transaction set's segments (ST = position 1) split into elements, by a reading of our own
    that shares nothing with the reader under test: to hold each figure to the segment it came from."""
    text = text.lstrip("\ufeff").strip()
    element, terminator = text[3], text[105]
    pieces = text.splitlines() if terminator in "\r\n" else text.split(terminator)
    segments = [piece.strip().split(element) for piece in pieces if piece.strip()]
    start = next(i for i, segment in enumerate(segments) if segment[0] == "ST")
    return [[]] + segments[start:]  # [[]] so that index 1 is ST
