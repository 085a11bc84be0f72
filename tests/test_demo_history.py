"""The demo trust's two years of history (API.md `demo`): self-assessments, visits, actions; the same each time,
loaded once, leaving the demo accounts' current work to do."""
from __future__ import annotations

from collections import Counter
from datetime import date

import sqlalchemy as sa

from accredit.accreditation.models import Application
from accredit.actions.models import Action
from accredit.assessments.models import SelfAssessment
from accredit.audit import AuditEvent
from accredit.demo import load_demo
from accredit.extensions import db
from accredit.notifications.models import Notification
from accredit.org.models import Team
from accredit.visits.models import Visit
from workflows.action import ActionStatus
from workflows.assessment import AssessmentStatus
from workflows.visit import VisitStatus

TODAY = date(2026, 6, 15)


def _fingerprint() -> dict:
    db.session.expire_all()
    assessments = db.session.scalars(sa.select(SelfAssessment)).all()
    visits = db.session.scalars(sa.select(Visit).order_by(Visit.visit_date, Visit.id)).all()
    return {
        "assessments": Counter(a.status.value for a in assessments),
        "late": sum(a.is_late for a in assessments),
        "periods": (min(a.period_start for a in assessments), max(a.period_start for a in assessments)),
        "visits": [(v.team.name, v.kind.value, v.status.value, v.visit_date.isoformat(),
                    v.overall_rating.value if v.overall_rating else None) for v in visits],
        "actions": Counter(a.status.value for a in db.session.scalars(sa.select(Action))),
        "applications": sorted((a.team.name, a.status.value) for a in db.session.scalars(sa.select(Application))),
    }


EXPECTED = {
    "assessments": {"accepted": 977, "missed": 52, "open": 43, "submitted": 3},
    "late": 107,
    "periods": (date(2024, 6, 1), date(2026, 6, 1)),  # 24 past months and the current one
    "visits": [
        ("Intensive Care Unit", "qrv", "published", "2024-10-15", "outstanding"),
        ("Willow Ward", "qrv", "published", "2024-11-14", "good"),
        ("Crisis Resolution Team North", "qrv", "published", "2025-02-14", "good"),
        ("Ward 8 Cardiology", "qrv", "published", "2025-04-15", "good"),
        ("Ward 7 Respiratory", "qrv", "published", "2025-07-16", "good"),
        ("Intensive Care Unit", "qrv", "published", "2025-10-15", "requires_improvement"),
        ("Willow Ward", "qrv", "published", "2025-12-15", "requires_improvement"),
        ("Oak Ward", "objective_review", "published", "2026-01-14", "good"),
        ("Crisis Resolution Team North", "qrv", "published", "2026-02-13", "good"),
        ("Fracture Clinic", "qrv", "cancelled", "2026-03-16", None),
        ("Ward 8 Cardiology", "qrv", "published", "2026-05-18", "outstanding"),  # eligible: invited
        ("Ward 10 Elderly Care", "qrv", "factual_accuracy", "2026-06-05", "good"),
        ("Ward 20 Surgical", "qrv", "scheduled", "2026-08-17", None),  # in the future
    ],
    "actions": {"open": 3, "in_progress": 3, "awaiting_evidence": 3, "closed": 3},
    "applications": [("Crisis Resolution Team North", "preparing"), ("Ward 8 Cardiology", "invited")],
}


def test_demo_history_is_two_years_of_everything_the_same_each_time(app):
    summary = load_demo(today=TODAY)
    db.session.commit()
    assert summary.endswith("history: 1075 self-assessments, 13 visits, 12 improvement actions")
    assert _fingerprint() == EXPECTED
    published = db.session.scalars(sa.select(Visit).where(Visit.status == VisitStatus.PUBLISHED)).all()
    assert {len([r for r in v.ratings if r.rating]) for v in published} == {5}
    # Made by the services, on the days things happened: audit rows dated in the past, no emails owed now.
    publishes = db.session.scalars(sa.select(AuditEvent.at).where(AuditEvent.action == "visit.publish")).all()
    assert (len(publishes), max(p.date() for p in publishes) < TODAY) == (10, True)
    assert db.session.scalars(sa.select(Notification.kind).where(Notification.kind.like("visit.%"))).all() == []
    again = load_demo(today=TODAY)
    assert (again, _fingerprint()) == ("Demo data already present; nothing added", EXPECTED)


def test_demo_ward_manager_still_has_this_months_draft_to_fill_in(app):
    load_demo(today=TODAY)
    db.session.commit()
    ward = db.session.scalar(sa.select(Team).where(Team.code == "MED-ACUTE-02"))
    current = db.session.scalar(sa.select(SelfAssessment).where(SelfAssessment.team_id == ward.id,
                                                                SelfAssessment.period_start == date(2026, 6, 1)))
    assert (current.status, current.unanswered_codes()[:3], len(current.unanswered_codes())) == (
        AssessmentStatus.OPEN, ["S1", "S2", "S3"], 27)
    statuses = Counter(a.status for a in db.session.scalars(sa.select(Action).where(Action.team_id == ward.id)))
    assert statuses == {s: 1 for s in ActionStatus}
