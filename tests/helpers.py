"""Small helpers for reading pages in tests."""
from __future__ import annotations

import re
from html import unescape

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(response) -> str:
    """The CSRF token in a rendered form; fails the test if the page has none."""
    html = response.get_data(as_text=True)
    match = _CSRF.search(html) or re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return next(g for g in match.groups() if g)


def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def field_error(response, field_id: str) -> str | None:
    """The error message shown next to the field with id `field_id` (without the hidden "Error:"), or None."""
    html = response.get_data(as_text=True)
    match = re.search(
        rf'id="{re.escape(field_id)}-error"\s*>\s*<span class="nhsuk-u-visually-hidden">Error: </span>(.*?)</span>', html, re.S
    )
    return _text(match.group(1)) if match else None


def summary_errors(response) -> list[str]:
    """Every message in the page's error summary ("There is a problem"), in order."""
    html = response.get_data(as_text=True)
    match = re.search(r'<ul class="nhsuk-list nhsuk-error-summary__list">(.*?)</ul>', html, re.S)
    return [_text(item) for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S)] if match else []


def select_options(response, field_id: str) -> list[tuple[str, str, bool]]:
    """The (value, text, selected) of every option of the select with id `field_id`; [] if there is none."""
    html = response.get_data(as_text=True)
    match = re.search(rf'<select[^>]*\bid="{re.escape(field_id)}"[^>]*>(.*?)</select>', html, re.S)
    if not match:
        return []
    options = re.findall(r"<option([^>]*)>(.*?)</option>", match.group(1), re.S)
    return [(unescape(re.search(r'value="([^"]*)"', attrs).group(1)), _text(text), " selected" in f" {attrs}")
            for attrs, text in options]


def table_rows(response) -> list[list[str]]:
    """The text of each cell of every table body row on the page, in order."""
    html = response.get_data(as_text=True)
    rows = [row for body in re.findall(r"<tbody[^>]*>(.*?)</tbody>", html, re.S)
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    return [[_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


def flashed(response) -> list[str]:
    """The text of the success and information banners on the page."""
    html = response.get_data(as_text=True)
    return [_text(p) for p in re.findall(r'<p class="nhsuk-notification-banner__heading">(.*?)</p>', html, re.S)]
