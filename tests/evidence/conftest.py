"""Evidence fixtures: a team with a member, uploads through the real page, and what the storage holds."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from accredit.evidence.models import Evidence
from accredit.extensions import db
from accredit.org.models import Team
from accredit.roles import Role
from tests.helpers import csrf_token_from


@dataclass
class Library:
    team: Team
    member: object
    outsider: object  #: a member of another team
    other_team: Team


@pytest.fixture
def library(factory) -> Library:
    team = factory.team(name="Ward 7 Respiratory")
    other_team = factory.team(name="Ward 99 Elsewhere")
    member = factory.user(role=Role.TEAM_MEMBER, scope=team, name="Mary Member")
    outsider = factory.user(role=Role.TEAM_LEAD, scope=other_team, name="Olly Outsider")
    factory.commit()
    return Library(team, member, outsider, other_team)


def upload_page(client, team_id: int, data: bytes, filename: str, title: str = "Hand hygiene audit",
                review_by: str = ""):
    """POST the library's upload form as a browser would (multipart, with the page's CSRF token)."""
    token = csrf_token_from(client.get(f"/teams/{team_id}/evidence"))
    return client.post(f"/teams/{team_id}/evidence", content_type="multipart/form-data", data={
        "csrf_token": token, "title": title, "review_by": review_by, "file": (io.BytesIO(data), filename),
    })


def stored_blobs(root: Path) -> list[str]:
    """Every file under the storage root except the temporary area, as names relative to the root."""
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and ".tmp" not in p.parts)


def temp_files(root: Path) -> list[str]:
    temp = root / ".tmp"
    return sorted(p.name for p in temp.iterdir()) if temp.exists() else []


def evidence_rows() -> list[tuple[str, str, str]]:
    """(title, original name, media type) of every evidence row."""
    db.session.expire_all()
    rows = db.session.execute(sa.select(Evidence.title, Evidence.original_name, Evidence.media_type)
                              .order_by(Evidence.id))
    return [tuple(row) for row in rows]
