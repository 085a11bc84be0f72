"""The dashboard issues the same number of queries for 10 teams as for 1,000: no query per team on any view."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from accredit.accreditation.models import Application, EligibilityCheck
from accredit.actions.models import Action
from accredit.assessments.models import SelfAssessment
from accredit.audit import AuditEvent
from accredit.demo import import_shipped_frameworks
from accredit.extensions import db
from accredit.frameworks.services import current_version
from accredit.org.models import Team, TeamType
from accredit.roles import Role
from accredit.visits.models import Visit, VisitRating
from tests.api.conftest import ApiClient
from tests.statements import statements_sent
from tests.factories import PASSWORD
from workflows.ratings import Domain, Rating

AS_OF = date(2026, 10, 20)
NOON = datetime(2026, 10, 10, 12, tzinfo=UTC)
VIEWS = ["/dashboard", "/dashboard/heatmap", "/dashboard/trends", "/dashboard/teams?figure=qrv.covered",
         "/dashboard/export/summary.xlsx", "/dashboard/export/trends.csv"]


def add_teams(service, framework_version_id: int, owner_id: int, first: int, last: int) -> None:
    """Teams `first`..`last` (bulk inserts), each with a submitted self-assessment, a published QRV rated in every
    domain, an overdue action, an eligibility check and an application with its audit row."""
    numbers = range(first, last + 1)
    db.session.execute(sa.insert(Team), [
        {"code": f"BULK{n}", "name": f"Bulk team {n:04d}", "service_id": service.id,
         "team_type": TeamType.INPATIENT_WARD, "opened_on": date(2020, 1, 1)} for n in numbers])
    ids = dict(db.session.execute(sa.select(Team.code, Team.id).where(Team.code.like("BULK%"))).all())
    team_ids = [ids[f"BULK{n}"] for n in numbers]
    db.session.execute(sa.insert(SelfAssessment), [
        {"team_id": t, "framework_version_id": framework_version_id, "period_start": date(2026, 10, 1),
         "period_end": date(2026, 10, 31), "due_on": date(2026, 10, 14), "status": "submitted",
         "submitted_at": NOON, "submitted_by_id": owner_id} for t in team_ids])
    db.session.execute(sa.insert(Visit), [
        {"team_id": t, "kind": "qrv", "status": "published", "visit_date": date(2026, 3, 1), "scheme_version": "1",
         "published_at": NOON.replace(month=3), "overall_rating": Rating.GOOD} for t in team_ids])
    visits = db.session.execute(sa.select(Visit.id).where(Visit.team_id.in_(team_ids))).scalars().all()
    db.session.execute(sa.insert(VisitRating), [
        {"visit_id": v, "domain": d, "rating": Rating.GOOD} for v in visits for d in Domain])
    db.session.execute(sa.insert(Action), [
        {"team_id": t, "title": "Fix", "owner_id": owner_id, "due_on": date(2026, 9, 1), "status": "open",
         "created_at": NOON.replace(month=8)} for t in team_ids])
    db.session.execute(sa.insert(EligibilityCheck), [
        {"team_id": t, "is_eligible": True, "explanation": "x", "inputs": {}, "scheme_version": "1",
         "computed_at": NOON.replace(month=3)} for t in team_ids])
    checks = dict(db.session.execute(
        sa.select(EligibilityCheck.team_id, EligibilityCheck.id).where(EligibilityCheck.team_id.in_(team_ids))).all())
    db.session.execute(sa.insert(Application), [
        {"team_id": t, "status": "invited", "eligibility_id": checks[t], "invited_at": NOON.replace(month=3),
         "invitation_expires_on": date(2027, 1, 1), "scheme_version": "1"} for t in team_ids])
    apps = db.session.execute(sa.select(Application.id).where(Application.team_id.in_(team_ids))).scalars().all()
    db.session.execute(sa.insert(AuditEvent), [
        {"action": "application.invite", "subject_type": "applications", "subject_id": a, "to_state": "invited",
         "at": NOON.replace(month=3)} for a in apps])
    db.session.commit()


@pytest.fixture
def password() -> str:
    return PASSWORD


def test_same_number_of_queries_for_10_and_1000_teams(client, auth, factory):
    import_shipped_frameworks()
    service = factory.service(name="Bulk")
    quality_lead = factory.user(role=Role.QUALITY_LEAD, password=PASSWORD)
    factory.commit()
    version_id = current_version("cqc-kloe-2017").id
    auth.login(quality_lead)
    api = ApiClient(client)
    api.sign_in(quality_lead)

    def queries() -> dict[str, int]:
        found = {}
        for view in VIEWS:
            with statements_sent() as statements:
                response = client.get(f"{view}{'&' if '?' in view else '?'}as_of={AS_OF.isoformat()}")
            assert response.status_code == 200, view
            found[view] = len(statements)
        with statements_sent() as statements:
            body = api.get(f"/api/v1/coverage?as_of={AS_OF.isoformat()}").get_json()
        found["api"] = len(statements)
        found["teams"] = body["active_teams"]
        return found

    add_teams(service, version_id, quality_lead.id, 1, 10)
    with_10 = queries()
    add_teams(service, version_id, quality_lead.id, 11, 1000)
    with_1000 = queries()
    assert (with_10.pop("teams"), with_1000.pop("teams")) == (10, 1000)
    assert with_1000 == with_10
