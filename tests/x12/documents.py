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
