"""Small helpers for reading pages in tests."""
from __future__ import annotations

import re

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(response) -> str:
    """The CSRF token in a rendered form; fails the test if the page has none."""
    html = response.get_data(as_text=True)
    match = _CSRF.search(html) or re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return next(g for g in match.groups() if g)
