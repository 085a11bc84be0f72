"""A gunicorn worker SIGKILLed while an upload's body is still arriving, or while the upload is being recorded,
leaves no evidence row and no file in the evidence store (a dead upload's temporary file is swept later);
gunicorn starts a new worker and the next upload works."""
from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa

from accredit.evidence.models import Evidence
from accredit.extensions import db
from accredit.roles import Role
from tests.evidence.conftest import stored_blobs, temp_files
from tests.evidence.samples import pdf
from tests.reliability.conftest import csrf_token, lock_waiters, poll

BIG = pdf(b"%" + b"x" * (2 * 1024 * 1024) + b"\n")  #: a 2 MB PDF, so its body takes a while to send


def _ward(data):
    team = data.team(name="Ward 7")
    data.user(email="nurse@test.nhs.uk", role=Role.TEAM_MEMBER, scope=team)
    data.commit()
    return team


def _upload_request(server, browser: requests.Session, team_id: int, title: str) -> requests.PreparedRequest:
    url = f"{server.base}/teams/{team_id}/evidence"
    token = csrf_token(browser.get(url, timeout=10).text)
    request = requests.Request("POST", url, data={"csrf_token": token, "title": title, "review_by": ""},
                               files={"file": ("audit.pdf", BIG, "application/pdf")})
    return browser.prepare_request(request)


def _evidence_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Evidence))


def _raw_head(prepared: requests.PreparedRequest) -> bytes:
    target = urlsplit(prepared.url)
    lines = [f"POST {target.path} HTTP/1.1", f"Host: {target.netloc}", "Connection: close",
             *(f"{name}: {value}" for name, value in prepared.headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def test_worker_killed_while_the_upload_body_streams_leaves_nothing(site, data, start_gunicorn):
    team = _ward(data)
    server = start_gunicorn(site)
    browser = server.session("nurse@test.nhs.uk")
    prepared = _upload_request(server, browser, team.id, "Half an upload")
    with socket.create_connection(("127.0.0.1", urlsplit(server.base).port)) as conn:
        conn.sendall(_raw_head(prepared) + prepared.body[: len(prepared.body) // 2])
        server.kill_worker()
    assert _evidence_count() == 0
    assert (stored_blobs(site.evidence_dir), temp_files(site.evidence_dir)) == ([], [])

    answer = browser.send(_upload_request(server, browser, team.id, "A whole upload"), allow_redirects=False)
    assert answer.status_code == 302
    assert _evidence_count() == 1
    assert len(stored_blobs(site.evidence_dir)) == 1


def test_worker_killed_while_recording_the_upload_leaves_no_row_and_no_stored_file(pg_site, data, start_gunicorn,
                                                                                     row_lock):
    team = _ward(data)
    server = start_gunicorn(pg_site)
    browser = server.session("nurse@test.nhs.uk")
    prepared = _upload_request(server, browser, team.id, "Killed while recording")
    # The evidence row refers to its team: holding the team's row FOR UPDATE stops the insert at that point.
    lock = row_lock("teams", team.id)
    outcome: list = []
    sender = threading.Thread(target=lambda: outcome.append(_send_quietly(browser, prepared)), daemon=True)
    sender.start()
    waiting = poll(lambda: lock_waiters(pg_site.pg_database), what="the upload to wait on the team's row")
    # The file has been written and checked, but is not in the store: only its temporary copy exists.
    assert (stored_blobs(pg_site.evidence_dir), len(temp_files(pg_site.evidence_dir))) == ([], 1)
    server.kill_worker()
    lock.rollback()
    poll(lambda: not set(waiting) & set(_backends(pg_site.pg_database)), what="the dead worker's session to end")
    sender.join(timeout=15)
    assert outcome == ["failed"]
    assert _evidence_count() == 0
    assert stored_blobs(pg_site.evidence_dir) == []

    # The dead upload's temporary file is left for the store sweep, which removes it once it is an hour old.
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    result = pg_site.app.test_cli_runner().invoke(args=["jobs", "run", "--now", later])
    assert "sweep_evidence_store: 1" in result.output
    assert (stored_blobs(pg_site.evidence_dir), temp_files(pg_site.evidence_dir)) == ([], [])


def _send_quietly(browser: requests.Session, prepared: requests.PreparedRequest) -> str:
    try:
        return str(browser.send(prepared, allow_redirects=False, timeout=30).status_code)
    except requests.ConnectionError:
        return "failed"


def _backends(database: str) -> list[int]:
    with db.engine.connect() as conn:
        return list(conn.scalars(sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": database}))


def test_worker_killed_inside_the_submit_leaves_the_self_assessment_as_it_was(pg_site, data, start_gunicorn, row_lock):
    from accredit.assessments import services as assessments
    from accredit.assessments.models import SelfAssessment
    from accredit.audit import AuditEvent
    from tests.assessments.conftest import OPENED, answer_all, coming_period, import_shipped_frameworks

    import_shipped_frameworks()
    team = data.team(name="Ward 7", opened_on=OPENED)
    lead = data.user(email="lead@test.nhs.uk", role=Role.TEAM_LEAD, scope=team)
    data.commit()
    assessment, _ = assessments.ensure_assessment(team, coming_period())
    db.session.commit()
    answer_all(assessment, lead)
    server = start_gunicorn(pg_site)
    browser = server.session("lead@test.nhs.uk")
    url = f"{server.base}/self-assessments/{assessment.id}/submit"
    prepared = browser.prepare_request(requests.Request(
        "POST", url, data={"csrf_token": csrf_token(browser.get(url, timeout=10).text)}))
    # Submitting records who submitted (and audits it by them): holding the lead's row stops it right there.
    lock = row_lock("users", lead.id)
    outcome: list = []
    sender = threading.Thread(target=lambda: outcome.append(_send_quietly(browser, prepared)), daemon=True)
    sender.start()
    waiting = poll(lambda: lock_waiters(pg_site.pg_database), what="the submit to wait on the lead's row")
    server.kill_worker()
    lock.rollback()
    poll(lambda: not set(waiting) & set(_backends(pg_site.pg_database)), what="the dead worker's session to end")
    sender.join(timeout=15)

    def state() -> tuple:
        db.session.rollback()
        row = db.session.get(SelfAssessment, assessment.id)
        db.session.refresh(row)
        submits = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "submit", AuditEvent.subject_id == assessment.id))
        return row.status.value, row.submitted_at is not None, submits

    assert (outcome, state()) == (["failed"], ("in_progress", False, 0))
    assert browser.send(prepared, allow_redirects=False, timeout=30).status_code == 302  # a new worker: it works
    assert state() == ("submitted", True, 1)
