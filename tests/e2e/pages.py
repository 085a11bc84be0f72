"""Helpers for browser tests: the checks every page gets, the header menu, screenshots kept on request."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.axe import assert_accessible


def screenshot(page: Page, name: str) -> Path | None:
    """Save a full-page screenshot as $E2E_SCREENSHOTS/e2e-<name>.png when that variable is set; else do nothing."""
    folder = os.environ.get("E2E_SCREENSHOTS")
    if not folder:
        return None
    path = Path(folder) / f"e2e-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


def assert_fits_width(page: Page) -> None:
    """Fail when the page scrolls sideways at the current viewport width (a tablet must not need to)."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        pytest.fail(f"{page.url} is {widths[0]}px wide in a {widths[1]}px viewport: it scrolls sideways", pytrace=False)


def check_page(page: Page, name: str) -> None:
    """The checks for every page a journey reaches: no sideways scrolling, no serious axe violation; screenshot."""
    screenshot(page, name)
    assert_fits_width(page)
    assert_accessible(page)


def open_from_menu(page: Page, name: str) -> None:
    """Follow a link in the header's navigation, opening its "More" menu first when the link has moved there."""
    menu = page.get_by_role("navigation", name="Menu")
    link = menu.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        menu.get_by_role("button", name="More").click()
    link.click()
