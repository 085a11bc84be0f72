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
        culprits = page.evaluate(WIDEST)
        pytest.fail(f"{page.url} is {widths[0]}px wide in a {widths[1]}px viewport: it scrolls sideways; "
                    f"reaching past the edge: {culprits}", pytrace=False)


#: true once every workflow diagram on the page has been drawn as SVG (or there is none)
DIAGRAMS_DRAWN = "() => [...document.querySelectorAll('figure.app-diagram')].every(f => f.querySelector('svg'))"

#: the innermost elements whose right edge passes the viewport, to say what to fix
WIDEST = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5
               && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 0.5))
  .slice(0, 3)
  .map(e => `<${e.tagName.toLowerCase()} class="${e.className}"> ${(e.textContent || '').trim().slice(0, 60)}`)"""


#: resolves after two animation frames: any layout work the page's scripts queued has run
SETTLED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def check_page(page: Page, name: str) -> None:
    """The checks for every page a journey reaches: no sideways scrolling, no serious axe violation; screenshot.

    Measured as the person sees the page once it has loaded: every workflow diagram drawn (while mermaid draws,
    the diagram's source text briefly widens the page; under load that moment can last long enough to measure)."""
    page.wait_for_function(DIAGRAMS_DRAWN, timeout=15_000)
    screenshot(page, name)
    assert_fits_width(page)
    assert_accessible(page)


def open_from_menu(page: Page, name: str) -> None:
    """Follow a link in the header's navigation, opening its "More" menu first when the link has moved there.

    Where a link sits is known only once the header's script has laid the navigation out: it starts, then measures
    again on the next animation frame (its resize observer). Asking before then can see a link that is about to move."""
    page.locator('[data-module="nhsuk-header"][data-nhsuk-header-init]').wait_for(state="attached")
    page.evaluate(SETTLED)
    menu = page.get_by_role("navigation", name="Menu")
    link = menu.get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        menu.get_by_role("button", name="More").click()
    link.click()
