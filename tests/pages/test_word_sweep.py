"""Every console page and state in Debian's Chromium, read as a person reads it: no ISO date, no field path,
no snake_case value, no version hash, no API message, no miscapitalised program on screen
(`page.inner_text('body')`, what is rendered; `<code>` and `<pre>`, which quote a file's columns as they
must be typed, left out), and every one passes axe-core at 1280×800 and at 390×844, with screenshots.
"""

import csv
import io
import re

import pytest

from tests.pages.conftest import DESK, PHONE, assert_accessible, screenshots
from tests.pages.sweep import walk

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

JARGON = {
    "an ISO date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "a field path": re.compile(r"\b(?:coverage|patient|services|benefits|authorization)\.[a-z_0-9.]*[a-z0-9]"),
    "a snake_case value": re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b"),
    "a version hash": re.compile(r"\+[0-9a-f]{7,}\b"),
    "the API's message": re.compile(r"Some fields are not valid|\bnull\b|\bundefined\b|\bNaN\b|\[object Object\]"),
    "a miscapitalised program": re.compile(r"\bVa\b|\bVA ccn\b|\bTricare\b|\bChampva\b|\bMedi-cal\b"),
}
# The verification's own reference (a UUID) is quoted to support on purpose.
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
# The body's rendered text with each <code> and <pre> read as "…" (put back as they were afterwards).
SHOWN_TEXT = """() => {
  const verbatim = [...document.querySelectorAll('code, pre')].map((element) => [element, element.textContent]);
  for (const [element] of verbatim) element.textContent = '…';
  const text = document.body.innerText;
  for (const [element, content] of verbatim) element.textContent = content;
  return text;
}"""


def shown_text(page) -> str:
    """What the page shows in words, less the verbatim quotes and references."""
    return UUID.sub(" ", page.title() + "\n" + page.evaluate(SHOWN_TEXT))


def jargon(text: str) -> list[str]:
    found = []
    for kind, pattern in JARGON.items():
        for match in pattern.finditer(text):
            line = text[text.rfind("\n", 0, match.start()) + 1:text.find("\n", match.end()) % (len(text) + 1)]
            found.append(f"{kind} {match[0]!r} in: {line.strip()[:160]}")
    return found


def errors_away_from_their_fields(page) -> list[str]:
    """Each message in the error summary links to its field, where the same message sits."""
    items = page.locator("#form-errors li")
    assert items.count(), "the state shows errors"
    return [f"not at a field: {text}" for text in items.all_inner_texts()
            if not page.locator("#form-errors li a", has_text=text).count()]


def explanations_in_the_csv(page) -> list[str]:
    """The billing CSV's explanation column, the one written for people (the others keep the API's values:
    ISO dates and codes, as the contract gives them to programs)."""
    rows = list(csv.DictReader(io.StringIO(page.request.get("/api/v1/verifications?format=csv").text())))
    explanations = [row["explanation"] for row in rows if row["explanation"]]
    assert any("04/30/2026" in text for text in explanations), "the expired referral's dates, as people write them"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["date_of_birth"]) for row in rows), "machine columns stay ISO"
    return [f"CSV explanation: {problem}" for text in explanations for problem in jargon(text)]


def test_no_page_shows_jargon_or_an_iso_date(page, staff, app, monkeypatch, tmp_path):
    found = {}
    states = []
    for state in walk(page, staff, app, monkeypatch, tmp_path):
        states.append(state)
        problems = jargon(shown_text(page))
        if state == "billing-list":
            problems += explanations_in_the_csv(page)
        if state.endswith(("errors", "error")):
            problems += errors_away_from_their_fields(page)
        if problems:
            found[state] = problems
    assert len(states) > 40, states
    assert found == {}, "\n".join(f"{state}: {problem}" for state, problems in found.items() for problem in problems)


def test_every_page_and_result_passes_axe_at_the_desk_and_on_a_phone(page, staff, app, monkeypatch, tmp_path):
    failures = {}
    for state in walk(page, staff, app, monkeypatch, tmp_path):
        for label, size in (("desk", DESK), ("phone", PHONE)):
            page.set_viewport_size(size)
            try:
                assert_accessible(page)
            except AssertionError as violation:
                failures[f"{state} at {label}"] = str(violation)
        page.set_viewport_size(DESK)
        screenshots(page, f"sweep-{state}")
    assert failures == {}, "\n".join(f"{state}: {violation}" for state, violation in failures.items())
