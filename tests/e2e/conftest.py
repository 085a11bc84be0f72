"""Browser test harness: the demo trust on a live server, one Debian Chromium per session, a fresh page per test.

Every test under tests/e2e is marked `e2e` and put in the xdist group "browser", so with `-n 2 --dist loadgroup`
all of them run on one worker against one server and one browser. The server's database is shared by the whole
session: a test that changes data must not rely on another test having run (or not run) before it.

A test that needs data of its own adds it with `with live_app.app_context(): ...; db.session.commit()`.

A page fails its test when it logs a console error, an uncaught exception or a content security policy refusal;
a test that expects one (a deliberately broken link, say) calls `browser_log.allow("pattern")` first. A failed
test leaves a screenshot in $E2E_FAILURES (default /tmp/accredit-e2e-failures). The checks every page gets
(`pages.check_page`: axe-core, no sideways scrolling, a screenshot in $E2E_SCREENSHOTS when set) live in pages.py.
"""
from __future__ import annotations

import os
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, expect, sync_playwright
from werkzeug.serving import make_server

from accredit import create_app
from accredit.demo import DEMO_PASSWORD, load_demo
from accredit.extensions import db
from config import TestConfig

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Root in a container: no sandbox. The rest keep Chromium from calling home on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
TABLET = {"width": 768, "height": 1024}
TIMEOUT_MS = 10_000  # auto-waiting limit per action and per expect(); a local server answers in milliseconds
FAILURE_DIR = Path(os.environ.get("E2E_FAILURES", "/tmp/accredit-e2e-failures"))
LOG_KEY = pytest.StashKey["BrowserLog"]()
CSP_REFUSAL = re.compile(r"^Refused to|Content Security Policy")  # Chromium's older and newer wordings
expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the group marks to schedule tests
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(trylast=True)  # after xdist has (or has not) added the group to the test ids
def pytest_collection_finish(session: pytest.Session) -> None:
    """Say so when `--dist loadgroup` ignores our group: each worker would then start its own server and browser."""
    if not session.config.getoption("loadgroup", False):
        return
    ungrouped = [i.nodeid for i in session.items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
    if ungrouped:
        warnings.warn(pytest.PytestWarning(
            f"pytest-xdist ignored the xdist_group mark of {len(ungrouped)} browser test(s) (pytest-xdist#1386 with "
            "pytest 9.2): they still pass, but may run on several workers, each with its own server and browser"))


class BrowserLog:
    """Console errors, CSP refusals and uncaught exceptions of one test's pages."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.problems: list[str] = []
        self._allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        """Accept console errors matching `pattern` (a regular expression) for the rest of this test."""
        self._allowed.append(re.compile(pattern))

    def on_console(self, message: ConsoleMessage) -> None:
        line = f"{message.type}: {message.text} ({message.location.get('url', '')})"
        self.messages.append(line)
        if message.type == "error" or CSP_REFUSAL.search(message.text):
            self._problem(line)

    def on_page_error(self, error: Error) -> None:
        line = f"uncaught {error.name}: {error.message}"
        self.messages.append(line)
        self._problem(line)

    def _problem(self, line: str) -> None:
        if not any(p.search(line) for p in self._allowed):
            self.problems.append(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """After a browser test: show its console, keep a screenshot if it failed, fail it on console problems."""
    log = item.stash.get(LOG_KEY, None)
    try:
        result = yield
    except BaseException:
        _keep_failure_screenshot(item)
        raise
    finally:
        if log is not None and log.messages:
            item.add_report_section("call", "browser console", "\n".join(log.messages))
    if log is not None and log.problems:
        pytest.fail("the browser reported errors:\n" + "\n".join(dict.fromkeys(log.problems)), pytrace=False)
    return result


def _keep_failure_screenshot(item: pytest.Item) -> None:
    page = getattr(item, "funcargs", {}).get("page")
    if page is None or page.is_closed():
        return
    FAILURE_DIR.mkdir(parents=True, exist_ok=True)
    path = FAILURE_DIR / (re.sub(r"[^\w.-]+", "_", item.name) + ".png")
    try:
        page.screenshot(path=str(path), full_page=True)
    except Error:
        return
    item.add_report_section("call", "screenshot", f"{page.url}\n{path}")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory) -> Iterator[Flask]:
    """The app on a migrated SQLite file holding the demo trust; CSRF and every other protection left on."""
    from flask_migrate import upgrade

    var_dir = tmp_path_factory.mktemp("e2e")
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{var_dir / 'accredit.sqlite'}",
                     VAR_DIR=var_dir, EVIDENCE_DIR=var_dir / "evidence")
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The base URL (no trailing slash) of `live_app` served on a free local port in a background thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make browser` (never `playwright install`)",
                    pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_log(request) -> BrowserLog:
    log = BrowserLog()
    request.node.stash[LOG_KEY] = log
    return log


@pytest.fixture
def page(browser: Browser, live_server: str, browser_log: BrowserLog) -> Iterator[Page]:
    """A new page in a fresh context (no cookies) at tablet width; relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server, viewport=TABLET, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("console", browser_log.on_console)
    page.on("pageerror", browser_log.on_page_error)
    yield page
    context.close()



@pytest.fixture
def sign_in(page: Page) -> Callable[[str], Page]:
    """sign_in(email): sign a demo user in through the real sign-in page and return the page (now at home)."""

    def _sign_in(email: str, password: str = DEMO_PASSWORD) -> Page:
        page.goto("/sign-in")
        page.get_by_label("Email address", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Hello,")
        return page

    return _sign_in


