"""Uploading through the library page: what is stored, what is refused (and with which status), what is left."""
from __future__ import annotations

import hashlib
import io

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from accredit.audit import AuditEvent
from accredit.evidence import services
from accredit.evidence.errors import FileTooLarge
from accredit.evidence.storage import get_storage
from accredit.extensions import db
from tests.evidence import samples
from tests.evidence.conftest import evidence_rows, stored_blobs, temp_files, upload_page


def _blob_name(data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest[2:4]}/{digest}"


def test_upload_stores_file_by_hash_and_records_row(app, client, auth, library):
    auth.login(library.member)
    response = upload_page(client, library.team.id, samples.pdf(), "audit.pdf", title="  Hand hygiene   audit ",
                           review_by="2027-03-31")
    assert (response.status_code, response.location) == (302, "/evidence/1")
    assert evidence_rows() == [("Hand hygiene audit", "audit.pdf", "application/pdf")]
    assert stored_blobs(app.config["EVIDENCE_DIR"]) == [_blob_name(samples.pdf())]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "evidence.upload")).one()
    assert (event.actor_id, event.subject_type, event.subject_id, event.data["sha256"]) == (
        library.member.id, "evidence", 1, hashlib.sha256(samples.pdf()).hexdigest())


def test_upload_of_same_content_twice_stores_one_blob(app, client, auth, library):
    auth.login(library.member)
    upload_page(client, library.team.id, samples.png(), "before.png", title="Before")
    upload_page(client, library.team.id, samples.png(), "after.png", title="After")
    assert evidence_rows() == [("Before", "before.png", "image/png"), ("After", "after.png", "image/png")]
    assert stored_blobs(app.config["EVIDENCE_DIR"]) == [_blob_name(samples.png())]


@pytest.mark.parametrize(("filename", "data", "status", "message"), [
    ("report.pdf", samples.HTML, 415, "The selected file is a web page or an SVG image"),
    ("chart.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415, "an SVG image"),
    ("photo.png", samples.png() + samples.HTML, 415, "contains web page code"),
    ("report.pdf", samples.pdf() + b"<script>alert(1)</script>", 415, "contains web page code"),
    ("minutes.docx", samples.zip_bomb(), 415, "would unpack to more than 200 MB"),
    ("report.pdf", b"", 400, "The selected file is empty"),
], ids=["renamed-html", "svg-script", "png-html-polyglot", "pdf-script-after-eof", "zip-bomb-docx", "empty"])
def test_upload_refused_keeps_title_and_stores_nothing(app, client, auth, library, filename, data, status, message):
    auth.login(library.member)
    response = upload_page(client, library.team.id, data, filename, title="Typed title kept")
    html = response.get_data(as_text=True)
    assert (response.status_code, message in html, 'value="Typed title kept"' in html) == (status, True, True)
    assert 'href="#file"' in html  # the error summary links to the file field
    assert (evidence_rows(), stored_blobs(app.config["EVIDENCE_DIR"])) == ([], [])
    assert temp_files(app.config["EVIDENCE_DIR"]) == []


def test_upload_over_size_setting_answers_413_and_stores_nothing(app, client, auth, library):
    app.config["EVIDENCE_MAX_BYTES"] = 1000
    auth.login(library.member)
    response = upload_page(client, library.team.id, samples.pdf(b"%" + b"x" * 2000 + b"\n"), "big.pdf")
    assert (response.status_code, "The selected file must be smaller than 1,000 bytes" in response.get_data(
        as_text=True)) == (413, True)
    assert (evidence_rows(), stored_blobs(app.config["EVIDENCE_DIR"])) == ([], [])
    assert temp_files(app.config["EVIDENCE_DIR"]) == []


def test_upload_over_request_limit_renders_413_page(app, client, auth, library):
    auth.login(library.member)
    token = auth.csrf_token(f"/teams/{library.team.id}/evidence")
    app.config["MAX_CONTENT_LENGTH"] = 4096
    response = client.post(f"/teams/{library.team.id}/evidence", content_type="multipart/form-data", data={
        "csrf_token": token, "title": "Big", "file": (io.BytesIO(b"x" * 10_000), "big.pdf")})
    html = response.get_data(as_text=True)
    assert (response.status_code, "<h1>The file is too large</h1>" in html) == (413, True)
    assert evidence_rows() == []


# Names with folders or control characters are refused outright: tests/security/test_upload_attacks.py.
@pytest.mark.parametrize(("filename", "kept"), [
    ("  ..report.pdf. ", "report.pdf"),
    ("Audit\u200b \u2028 March.pdf", "Audit March.pdf"),
    ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
])
def test_upload_name_is_cleaned_and_never_used_as_path(app, client, auth, library, filename, kept):
    auth.login(library.member)
    response = upload_page(client, library.team.id, samples.pdf(), filename)
    assert response.status_code == 302
    assert evidence_rows() == [("Hand hygiene audit", kept, "application/pdf")]
    assert stored_blobs(app.config["EVIDENCE_DIR"]) == [_blob_name(samples.pdf())]


def test_upload_without_file_or_title_shows_both_errors(client, auth, library):
    auth.login(library.member)
    token = auth.csrf_token(f"/teams/{library.team.id}/evidence")
    response = client.post(f"/teams/{library.team.id}/evidence", content_type="multipart/form-data",
                           data={"csrf_token": token, "title": ""})
    html = response.get_data(as_text=True)
    assert ("Select a file to upload" in html, "Enter a title for the evidence" in html) == (True, True)
    assert evidence_rows() == []


class BrokenStream(io.RawIOBase):
    """A request body that fails halfway, as when the connection drops."""

    def __init__(self, good: bytes):
        self.good, self.sent = good, False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if not self.sent:
            self.sent = True
            return self.good
        raise ConnectionResetError("client went away")


def test_interrupted_upload_leaves_no_temp_file_blob_or_row(app, library):
    with pytest.raises(ConnectionResetError):
        services.upload_evidence(library.team, BrokenStream(samples.pdf()), filename="audit.pdf", title="Audit",
                                 review_by=None, by=library.member)
    root = app.config["EVIDENCE_DIR"]
    assert (temp_files(root), stored_blobs(root), evidence_rows()) == ([], [], [])


def test_oversized_stream_stops_reading_at_limit(app, library):
    app.config["EVIDENCE_MAX_BYTES"] = 100_000
    stream = io.BytesIO(samples.pdf(b"%" + b"x" * 1_000_000 + b"\n"))
    with pytest.raises(FileTooLarge):
        services.upload_evidence(library.team, stream, filename="big.pdf", title="Big", review_by=None,
                                 by=library.member)
    assert (stream.tell() < 200_000, temp_files(app.config["EVIDENCE_DIR"])) == (True, [])


def _failing_flush(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("INSERT INTO evidence", {}, Exception("database went away"))

    monkeypatch.setattr(db.session, "flush", fail)


def test_database_failure_after_storing_removes_new_blob(app, library, monkeypatch):
    _failing_flush(monkeypatch)
    with pytest.raises(OperationalError):
        services.upload_evidence(library.team, io.BytesIO(samples.png()), filename="a.png", title="A",
                                 review_by=None, by=library.member)
    monkeypatch.undo()
    assert (stored_blobs(app.config["EVIDENCE_DIR"]), evidence_rows()) == ([], [])


def test_database_failure_keeps_blob_another_row_uses(app, library, monkeypatch):
    services.upload_evidence(library.team, io.BytesIO(samples.png()), filename="a.png", title="First",
                             review_by=None, by=library.member)
    db.session.commit()
    _failing_flush(monkeypatch)
    with pytest.raises(OperationalError):
        services.upload_evidence(library.team, io.BytesIO(samples.png()), filename="b.png", title="Second",
                                 review_by=None, by=library.member)
    monkeypatch.undo()
    assert stored_blobs(app.config["EVIDENCE_DIR"]) == [_blob_name(samples.png())]
    assert evidence_rows() == [("First", "a.png", "image/png")]
    assert get_storage().exists(hashlib.sha256(samples.png()).hexdigest()) is True
