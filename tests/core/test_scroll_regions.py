"""Tables that scroll sideways on a tablet sit in a focusable, named region (axe: scrollable-region-focusable)."""
from __future__ import annotations

import re

import pytest

from accredit.roles import Role
from tests.factories import PASSWORD


@pytest.mark.parametrize("path, label", [
    ("/teams", "Teams (scrolls sideways on a narrow screen)"),
    ("/admin/users/", "Users (scrolls sideways on a narrow screen)"),
])
def test_scrolling_table_is_in_a_focusable_named_region(client, auth, factory, path, label):
    factory.team(name="Ward 7 Respiratory")
    admin = factory.user(role=Role.ADMIN, password=PASSWORD)
    factory.commit()
    auth.login(admin)
    html = client.get(path).get_data(as_text=True)
    wraps = re.findall(r'<div class="app-table-wrap"([^>]*)>\s*<table', html)
    assert wraps == [f' tabindex="0" role="region" aria-label="{label}"']
