"""The coverage dashboard's figures (DESIGN.md §8) computed by bare SQL on PostgreSQL: the floor the dashboard
page and GET /api/v1/coverage are measured against. Same inputs, same as-of day, no ORM and no Python loops.
"""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

ACTIVE = "(t.opened_on <= :day AND (t.closed_on IS NULL OR t.closed_on > :day))"

FIGURES = {
    "active_teams": f"SELECT count(*) FROM teams t WHERE {ACTIVE}",
    "compliance": f"""
        SELECT CASE WHEN a.submitted_at IS NULL AND a.status = 'missed' THEN 'missed'
                    WHEN a.submitted_at IS NULL THEN 'overdue'
                    WHEN (a.submitted_at AT TIME ZONE 'Europe/London')::date <= a.due_on THEN 'on_time'
                    ELSE 'late' END AS bucket, count(*)
        FROM teams t JOIN self_assessments a ON a.team_id = t.id AND a.period_start = :period_start
        WHERE {ACTIVE} GROUP BY 1""",
    "qrv_coverage": f"""
        SELECT count(DISTINCT t.id) FROM teams t JOIN visits v ON v.team_id = t.id
        WHERE {ACTIVE} AND v.kind = 'qrv' AND v.status = 'published' AND v.published_at > :year_ago""",
    "accreditation_coverage": f"""
        SELECT w.kind, count(DISTINCT t.id) FROM teams t JOIN awards w ON w.team_id = t.id
        WHERE {ACTIVE} AND w.granted_on <= :day AND w.valid_until >= :day AND (w.ended_on IS NULL OR w.ended_on > :day)
          AND NOT EXISTS (SELECT 1 FROM award_suspensions s WHERE s.award_id = w.id AND s.suspended_on <= :day
                          AND (s.reinstated_on IS NULL OR s.reinstated_on > :day))
        GROUP BY w.kind""",
    "pipeline": f"""
        SELECT p.status, count(*) FROM teams t JOIN applications p ON p.team_id = t.id
        WHERE {ACTIVE} AND p.status IN ('invited', 'preparing', 'pre_panel', 'panel_ready') GROUP BY p.status""",
    "eligible": f"""
        SELECT count(*) FROM teams t JOIN LATERAL (SELECT e.is_eligible FROM eligibility_checks e
            WHERE e.team_id = t.id ORDER BY e.computed_at DESC LIMIT 1) e ON true WHERE {ACTIVE} AND e.is_eligible""",
    "stepup_levels": f"""
        SELECT coalesce(r.level, 'standard'), count(*) FROM teams t LEFT JOIN stepup_regulations r ON r.team_id = t.id
        WHERE {ACTIVE} GROUP BY 1""",
    "overdue_actions": f"""
        SELECT count(*), count(DISTINCT t.id) FROM teams t JOIN actions x ON x.team_id = t.id
        WHERE {ACTIVE} AND x.status != 'closed' AND x.due_on < :day""",
    "awards_expiring": f"""
        SELECT count(DISTINCT t.id) FROM teams t JOIN awards w ON w.team_id = t.id
        WHERE {ACTIVE} AND w.status = 'active' AND w.valid_until BETWEEN :day AND :in_60_days""",
    "heatmap_self": f"""
        SELECT l.team_id, s.domain, round(avg(CASE r.rating WHEN 'inadequate' THEN 1 WHEN 'requires_improvement'
               THEN 2 WHEN 'good' THEN 3 WHEN 'outstanding' THEN 4 END), 2)
        FROM (SELECT DISTINCT ON (a.team_id) a.team_id, a.id FROM self_assessments a JOIN teams t ON t.id = a.team_id
              WHERE {ACTIVE} AND a.submitted_at IS NOT NULL AND a.submitted_at < :cutoff
              ORDER BY a.team_id, a.period_start DESC) l
        JOIN assessment_responses r ON r.assessment_id = l.id JOIN standards s ON s.id = r.standard_id
        GROUP BY l.team_id, s.domain""",
    "heatmap_qrv": f"""
        SELECT l.team_id, vr.domain, vr.rating
        FROM (SELECT DISTINCT ON (v.team_id) v.team_id, v.id FROM visits v JOIN teams t ON t.id = v.team_id
              WHERE {ACTIVE} AND v.kind = 'qrv' AND v.status = 'published' AND v.published_at < :cutoff
              ORDER BY v.team_id, v.published_at DESC) l JOIN visit_ratings vr ON vr.visit_id = l.id""",
    "heatmap_panel": f"""
        SELECT DISTINCT ON (p.team_id) p.team_id, d.ratings FROM panel_decisions d
        JOIN applications p ON p.id = d.application_id JOIN teams t ON t.id = p.team_id
        WHERE {ACTIVE} AND d.decided_on <= :day ORDER BY p.team_id, d.decided_on DESC, d.id DESC""",
}

TRENDS = f"""
    SELECT a.period_start, count(*) FILTER (WHERE (a.submitted_at AT TIME ZONE 'Europe/London')::date <= a.due_on),
           count(*) FROM teams t JOIN self_assessments a ON a.team_id = t.id
    WHERE {ACTIVE} AND a.period_start >= :trend_from GROUP BY a.period_start ORDER BY a.period_start"""


def parameters(day: date, period_start: date) -> dict:
    from datetime import UTC, datetime

    cutoff = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    return {"day": day, "period_start": period_start, "year_ago": cutoff - timedelta(days=365), "cutoff": cutoff,
            "in_60_days": day + timedelta(days=60), "trend_from": date(day.year - 2, day.month, 1)}


def compute(conn: sa.Connection, day: date, period_start: date, *, with_trends: bool) -> dict[str, list]:
    """Every figure, fetched to the client (as the app fetches its facts)."""
    params = parameters(day, period_start)
    figures = {name: conn.execute(sa.text(sql), params).all() for name, sql in FIGURES.items()}
    if with_trends:
        figures["trends"] = conn.execute(sa.text(TRENDS), params).all()
    return figures
