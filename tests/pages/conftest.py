"""Browser fixtures: Debian's Chromium, headless, driven by Playwright, against the live server and a real worker.

Screenshots go to tests/artifacts/ (not committed). No browser is ever downloaded: the tests use
/usr/bin/chromium, which `make test` installs with apt-get when it is missing.
"""

import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
# Chromium on a machine with no network: keep it from trying to reach Google's services.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# The two screens the console is made for: a front-desk monitor and a phone.
DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# The policy the pages must work under: scripts and styles from the site's own files only, nothing inline.
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def console_server(app):
    """The app behind a real HTTP server, every answer under a strict Content-Security-Policy."""
    server = make_server("127.0.0.1", 0, StrictPolicy(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


class StrictPolicy:
    """WSGI middleware adding STRICT_CSP, so an inline script or style shows up as a policy violation."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("Content-Security-Policy", STRICT_CSP)], exc_info)

        return self.app(environ, start)


@pytest.fixture
def page(browser, console_server, celery_worker, backend):
    """A fresh browser context (no cookies) on the live server; errors and policy violations fail the test."""
    context = browser.new_context(base_url=console_server, accept_downloads=True, locale="en-US",
                                  viewport=DESK)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda message: "Content Security Policy" in message.text and page.errors.append(message.text))
    page.backend = backend
    yield page
    context.close()
    assert not page.errors, f"JavaScript errors or policy violations on the page: {page.errors}"



def screenshot(page, name: str, shown=None) -> Path:
    """A full-page screenshot of `shown` (a pop-up of `page`, say), or of `page` itself."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{page.backend}.png"
    (shown or page).screenshot(path=str(path), full_page=True)
    return path


def screenshots(page, name: str) -> None:
    """What a person sees of the page without scrolling, at the desk's size and at the phone's."""
    ARTIFACTS.mkdir(exist_ok=True)
    before = page.viewport_size
    for label, size in (("desk", DESK), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}-{page.backend}.png"))
    page.set_viewport_size(before)


# axe-core (the copy the axe-playwright-python package ships), every rule it runs by default, WCAG 2.2 AA's
# target size included.
AXE = Axe()


def assert_accessible(page) -> None:
    """No axe-core violation on the page as it stands."""
    results = AXE.run(page)
    violations = [
        f"{violation['id']}: {violation['help']} ({', '.join(node['target'][0] for node in violation['nodes'][:3])})"
        for violation in results.response["violations"]
    ]
    assert violations == [], f"axe-core found: {violations}"


def assert_in_viewport(page, selector: str) -> None:
    """The element is wholly inside the window as it stands (nothing to scroll to see it)."""
    box = page.locator(selector).bounding_box()
    height = page.viewport_size["height"]
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, f"{selector} at {box}, window {height}px"


def record_timing(name: str, seconds: float, backend: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with open(ARTIFACTS / "timings.txt", "a") as timings:
        timings.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')}\t{name}\t{backend}\t{seconds:.2f} s\n")


def sign_in(page, login: tuple[str, str], path: str = "/intake") -> None:
    page.goto(path)
    page.get_by_label("Username").fill(login[0])
    page.get_by_label("Password").fill(login[1])
    page.get_by_role("button", name="Sign in").click()
    wait_for_path(page, path)


def wait_for_path(page, path: str) -> None:
    page.wait_for_url(lambda url: urlsplit(url).path == path)


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter((element) => element.type !== 'hidden')
    .filter((element) => !(element.labels && [...element.labels].some((label) => label.textContent.trim())))
    .map((element) => element.outerHTML)"""


def assert_every_field_labelled(page) -> None:
    """Every input, select and textarea has a <label> with words in it."""
    assert page.evaluate(UNLABELLED) == []


def pytest_terminal_summary(terminalreporter):
    """The front desk's walk-through times (tests/pages/test_walkthrough.py), as a table at the end."""
    path = ARTIFACTS / "walkthrough.json"
    if not path.exists() or not any("walkthrough" in report.nodeid for report in terminalreporter.stats.get("passed", [])):
        return
    import json

    terminalreporter.section("front-desk walk-through (seconds from an empty form to knowing what to say)")
    terminalreporter.write_line(f"{'case':<22}{'backend':<12}{'total s':>8}{'check→card s':>14}{'steps':>7}  answer")
    for case, backends in json.loads(path.read_text()).items():
        for backend, figures in backends.items():
            terminalreporter.write_line(f"{case:<22}{backend:<12}{figures['seconds']:>8.2f}{figures['check_to_card_seconds']:>14.2f}"
                                        f"{figures['steps']:>7}  {figures['determination']}")
