"""Batch history in Debian's Chromium: an uploaded batch survives a reload, is found again in the history,
and opens to its rows, each with its answer and the reason in plain words; billing sees who each row is."""

import re
import time
from urllib.parse import urlsplit

import pytest
import requests

from tests.pages.conftest import assert_accessible, screenshots, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HEADER = ("first_name,last_name,date_of_birth,program,carrier,plan_type,member_id,group_number,network_status,"
          "services,charges,diagnoses,date_of_service,sessions")
# A commercial ketamine series (its ketamine lines denied), a veteran with no referral on file, a self-pay
# patient, and a row with a bad date of birth.
ROWS = (
    "Ines,Calloway,1981-02-17,commercial,Aetna,PPO,HX400101,,in_network,96365;J3490;90834,550.00;45.00;160.00,F43.12,2026-12-02,4",
    "Otis,Marchetti,1968-11-30,va_ccn,TriWest,,HX400102,,in_network,96365;J3490;99214,550.00;;180.00,F43.10,2026-12-01,6",
    "Wren,Adebayo,1992-07-08,self_pay,,,,,,96372;J3490,300.00;45.00,F32.2,2026-12-03,6",
    "Bad,Date,not-a-date,commercial,Aetna,PPO,HX400104,,in_network,90834,160.00,F33.1,2026-12-02,1",
)
BATCH_PATH = re.compile(r"^/batches/[0-9a-f-]{36}$")


def upload_csv(page, tmp_path) -> str:
    upload = tmp_path / "appointments.csv"
    upload.write_text("\n".join((HEADER, *ROWS)) + "\n")
    page.get_by_label("CSV file of appointments").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(lambda url: BATCH_PATH.match(urlsplit(url).path) is not None)
    page.locator("#batch-state", has_text="complete").wait_for(timeout=60_000)
    page.locator("#batch-rows tbody tr").nth(2).wait_for()
    return urlsplit(page.url).path


def rows_by_number(page) -> dict[str, str]:
    return dict(page.locator("#batch-rows tbody tr").evaluate_all(
        "(rows) => rows.map((row) => [row.dataset.row, row.innerText])"))


def test_a_batch_survives_a_reload_and_opens_from_the_history_with_each_patients_row(page, staff, tmp_path):
    sign_in(page, staff["billing"], "/batches")
    path = upload_csv(page, tmp_path)
    for shown in ("Calloway", "HX400101", "Ines"):
        assert shown not in page.url, "no patient data in the address"

    page.reload()
    assert page.locator("#batch-state").inner_text() == "complete"
    assert "4 of 4 rows done (1 not checked" in page.locator("#batch-count").inner_text()
    assert page.locator("#batch-errors tbody tr").first.inner_text().split("\t")[:2] == ["4", "date_of_birth"]

    page.get_by_role("link", name="All batches").click()
    page.wait_for_url("**/batches")
    newest = page.locator("#batch-history tbody tr").first
    assert staff["billing"][0] in newest.inner_text(), "who uploaded it, by name"
    assert re.search(r"\b4\b", newest.locator("td.num").inner_text())
    assert "Complete" in newest.inner_text() and "Not checked (bad rows): 1" in newest.inner_text()
    assert re.fullmatch(r"\d\d/\d\d/\d{4}, \d{1,2}:\d\d [AP]M", newest.locator("time").inner_text()), "a US date and time"
    screenshots(page, "batch-history")
    assert_accessible(page)

    newest.get_by_role("link").click()
    page.wait_for_url(lambda url: urlsplit(url).path == path)
    rows = rows_by_number(page)
    assert set(rows) == {"1", "2", "3"}
    assert "Calloway, Ines" in rows["1"] and "02/17/1981" in rows["1"] and "HX400101" in rows["1"] and "12/02/2026" in rows["1"]
    assert "Partly covered" in rows["1"] and "CARC" not in rows["1"].split("\t")[-2]
    assert len(page.locator('#batch-rows tr[data-row="1"] td.why').inner_text().split()) > 8, "the reason in words"
    assert "Marchetti, Otis" in rows["2"] and "VA referral" in rows["2"]
    assert "Adebayo, Wren" in rows["3"] and "Self-pay" in rows["3"]
    assert page.locator("#rows-without-patients").count() == 0
    screenshots(page, "batch-rows-billing")
    assert_accessible(page)

    page.get_by_role("link", name="Details of row 2").click()
    page.wait_for_url("**/billing/verifications/*")
    assert page.locator("h1").inner_text() == "Otis Marchetti"


@pytest.fixture
def uploaded(console_server, keys, celery_worker):
    """A batch uploaded by a client with an intake key, finished: its id."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {keys['intake']}"
    accepted = session.post(f"{console_server}/api/v1/batches", data="\n".join((HEADER, *ROWS)) + "\n",
                            headers={"Content-Type": "text/csv"}, timeout=30)
    assert accepted.status_code == 202, accepted.text
    deadline = time.monotonic() + 30
    while (batch := session.get(f"{console_server}{accepted.json()['links']['self']}?per_page=0", timeout=30).json())["status"] != "complete":
        assert time.monotonic() < deadline, batch
        time.sleep(0.25)
    return batch["id"]


def test_intake_opens_a_batch_by_row_number_without_the_patients_details(page, staff, uploaded):
    sign_in(page, staff["intake"], "/batches")
    listed = page.locator(f'#batch-history tr[data-batch="{uploaded}"]')
    assert "test intake" in listed.inner_text() and "(API)" in listed.inner_text()
    listed.get_by_role("link").click()
    page.wait_for_url(f"**/batches/{uploaded}")

    rows = rows_by_number(page)
    assert set(rows) == {"1", "2", "3"}
    text = page.locator("#batch-rows").inner_text()
    for hidden in ("Calloway", "Marchetti", "HX400101", "02/17/1981"):
        assert hidden not in text, "patients' details are billing's"
    assert page.locator("#rows-without-patients").is_visible()
    assert "VA referral" in rows["2"], "the reason still shows"
    assert page.get_by_role("link", name="Details of row 1").count() == 0
    result = page.get_by_role("link", name="Result of row 1")
    assert "/print" in result.get_attribute("href")
    screenshots(page, "batch-rows-intake")
    assert_accessible(page)


def test_long_histories_and_batches_come_a_page_at_a_time(signed_in, uploaded, monkeypatch):
    from service.pages import batch_history, intake

    monkeypatch.setattr(intake, "HISTORY_PER_PAGE", 1)
    monkeypatch.setattr(batch_history, "ROWS_PER_PAGE", 2)
    desk = signed_in("intake")

    first = desk.get("/batches").get_data(as_text=True)
    assert f'data-batch="{uploaded}"' in first and "Older batches" in first and "Newer batches" not in first
    second = desk.get("/batches", query_string={"page": 2}).get_data(as_text=True)
    assert f'data-batch="{uploaded}"' not in second and "Newer batches" in second

    rows = desk.get(f"/batches/{uploaded}").get_data(as_text=True)
    assert 'data-row="2"' in rows and 'data-row="3"' not in rows and "Page 1 of 2" in rows
    rest = desk.get(f"/batches/{uploaded}", query_string={"page": 2}).get_data(as_text=True)
    assert 'data-row="3"' in rest and 'data-row="1"' not in rest and "Previous rows" in rest


def test_an_unknown_batch_is_a_not_found_page(signed_in):
    answered = signed_in("intake").get("/batches/00000000-0000-4000-8000-000000000000")

    assert answered.status_code == 404 and "Not found" in answered.get_data(as_text=True)
