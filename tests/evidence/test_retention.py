"""Deleting evidence: a soft delete with a reason (page and API), hidden at once, purged after the retention
period by a sweep that removes the file and the row's content and keeps the audit trail; the store sweep."""
from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from accredit.audit import AuditEvent
from accredit.evidence import retention, services
from accredit.evidence.models import Evidence
from accredit.evidence.storage import get_storage
from accredit.extensions import db
from accredit.roles import Role
from tests.api.conftest import ApiClient, answer, error
from tests.evidence import samples
from tests.evidence.conftest import stored_blobs, temp_files
from tests.helpers import csrf_token_from, field_error

REASON = "Uploaded to the wrong team"


@pytest.fixture
def lead(factory, library):
    user = factory.user(role=Role.TEAM_LEAD, scope=library.team, name="Lee Lead")
    factory.commit()
    return user


def _upload(library, data: bytes | None = None, title: str = "Falls audit") -> Evidence:
    evidence = services.upload_evidence(library.team, io.BytesIO(data or samples.pdf()), filename="falls.pdf",
                                        title=title, review_by=None, by=library.member)
    db.session.commit()
    return evidence


def _audit() -> list[tuple[str, int | None, str | None]]:
    return [(e.action, e.subject_id, e.reason) for e in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.subject_type == "evidence").order_by(AuditEvent.id))]


def _days_later(days: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def test_lead_deletes_evidence_with_a_reason_and_it_disappears_everywhere(app, client, auth, library, lead):
    evidence = _upload(library)
    auth.login(lead)
    page = client.get(f"/evidence/{evidence.id}")
    assert f'href="/evidence/{evidence.id}/delete"' in page.get_data(as_text=True)
    form = client.get(f"/evidence/{evidence.id}/delete")
    assert "<h1>" in form.get_data(as_text=True) and "kept, hidden, for 90 days" in form.get_data(as_text=True)
    token = csrf_token_from(form)

    no_reason = client.post(f"/evidence/{evidence.id}/delete", data={"csrf_token": token, "reason": " ",
                                                                     "version": "1"})
    assert (no_reason.status_code, field_error(no_reason, "reason")) == (400, "Enter why the evidence is being deleted")
    done = client.post(f"/evidence/{evidence.id}/delete", data={"csrf_token": token, "reason": REASON, "version": "1"})
    assert (done.status_code, done.headers["Location"]) == (302, f"/teams/{library.team.id}/evidence")

    db.session.expire_all()
    assert (evidence.deleted_by_id, evidence.delete_reason, evidence.purged_at) == (lead.id, REASON, None)
    library_page = client.get(f"/teams/{library.team.id}/evidence").get_data(as_text=True)
    assert "Falls audit has been deleted" in library_page  # the flash; the list no longer links to it
    assert f'href="/evidence/{evidence.id}"' not in library_page
    assert [client.get(f"/evidence/{evidence.id}{p}").status_code for p in ("", "/download", "/delete")] == [404] * 3
    assert _audit() == [("evidence.upload", evidence.id, None), ("evidence.delete", evidence.id, REASON)]
    assert len(stored_blobs(app.config["EVIDENCE_DIR"])) == 1  # kept, hidden, until the retention period ends


def test_delete_needs_the_csrf_token_and_the_right_person(app, client, auth, library, lead):
    evidence = _upload(library)
    auth.login(lead)
    assert client.post(f"/evidence/{evidence.id}/delete", data={"reason": REASON}).status_code == 400
    auth.logout()
    auth.login(library.outsider)
    assert client.get(f"/evidence/{evidence.id}/delete").status_code == 404
    db.session.expire_all()
    assert evidence.deleted_at is None


def test_a_member_may_delete_what_they_uploaded_but_not_what_others_did(app, client, auth, factory, library, lead):
    mine = _upload(library)
    theirs = services.upload_evidence(library.team, io.BytesIO(samples.png()), filename="x.png", title="Rota",
                                      review_by=None, by=lead)
    db.session.commit()
    auth.login(library.member)
    assert client.get(f"/evidence/{mine.id}/delete").status_code == 200
    assert client.get(f"/evidence/{theirs.id}/delete").status_code == 403


def test_api_deletes_evidence_with_a_reason(app, client, library, lead):
    evidence = _upload(library)
    api = ApiClient(client)
    api.sign_in(library.outsider)
    assert answer(api.delete(f"/api/v1/evidence/{evidence.id}", json={"reason": REASON})) == error(
        404, "not_found", "There is no evidence with that id that you can see")
    api.sign_in(lead)
    assert api.delete(f"/api/v1/evidence/{evidence.id}", json={}).status_code == 400
    assert answer(api.delete(f"/api/v1/evidence/{evidence.id}", json={"reason": REASON, "version": 7})) == error(
        409, "conflict", "Someone else changed this evidence since you opened it. Check it and try again.",
        {"version": 1})
    gone = api.delete(f"/api/v1/evidence/{evidence.id}", json={"reason": REASON, "version": 1})
    assert (gone.status_code, gone.get_data()) == (204, b"")
    assert api.get(f"/api/v1/evidence/{evidence.id}").status_code == 404
    assert api.get(f"/api/v1/evidence/{evidence.id}/content").status_code == 404
    assert _audit()[-1] == ("evidence.delete", evidence.id, REASON)


def test_purge_after_the_retention_period_removes_file_and_content_and_keeps_the_audit(app, library, lead):
    evidence = _upload(library)
    retention.delete_evidence(evidence, reason=REASON, by=lead)
    db.session.commit()
    runner = app.test_cli_runner()
    early = runner.invoke(args=["jobs", "run", "--now", _days_later(89).isoformat()]).output
    assert ("purge_deleted_evidence: 0" in early, len(stored_blobs(app.config["EVIDENCE_DIR"]))) == (True, 1)

    due = runner.invoke(args=["jobs", "run", "--now", _days_later(91).isoformat()]).output
    assert "purge_deleted_evidence: 1\n" in due and "sweep_evidence_store: 1\n" in due
    db.session.expire_all()
    assert (evidence.title, evidence.original_name, evidence.purged_at is not None) == ("Deleted evidence", "deleted", True)
    assert stored_blobs(app.config["EVIDENCE_DIR"]) == []
    assert _audit() == [("evidence.upload", evidence.id, None), ("evidence.delete", evidence.id, REASON),
                        ("evidence.purge", evidence.id, None)]
    again = runner.invoke(args=["jobs", "run", "--now", _days_later(92).isoformat()]).output
    assert "purge_deleted_evidence: 0\n" in again and "sweep_evidence_store: 0\n" in again


def test_purge_keeps_a_file_that_another_item_still_uses(app, library, lead):
    first, second = _upload(library, title="Falls audit"), _upload(library, title="Same file again")
    retention.delete_evidence(first, reason=REASON, by=lead, at=datetime.now(UTC) - timedelta(days=100))
    db.session.commit()
    assert retention.purge_deleted_evidence(datetime.now(UTC)) == 1
    db.session.commit()
    assert retention.sweep_store(_days_later(1)) == 0
    assert len(stored_blobs(app.config["EVIDENCE_DIR"])) == 1
    assert second.content_hash == first.content_hash


def test_store_sweep_removes_old_unused_files_and_leftovers_but_not_new_ones(app, library):
    used = _upload(library)
    storage = get_storage()
    orphan = storage.put(io.BytesIO(samples.png()), max_bytes=10**6)
    leftover = storage._temp_dir() / "upload-dead.part"
    leftover.write_bytes(b"half an upload")
    root = app.config["EVIDENCE_DIR"]
    assert retention.sweep_store(datetime.now(UTC)) == 0  # too new: may be an upload in flight
    hour_ago = (datetime.now(UTC) - timedelta(hours=2)).timestamp()
    for path in (storage.path(orphan.sha256), storage.path(used.content_hash), leftover):
        os.utime(path, (hour_ago, hour_ago))
    assert retention.sweep_store(datetime.now(UTC)) == 2
    assert (stored_blobs(root), temp_files(root)) == ([storage.path(used.content_hash).relative_to(root).as_posix()], [])
