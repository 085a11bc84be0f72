"""The evidence routes of the JSON API: upload, read, download; errors in the API's format; scope as 404."""
from __future__ import annotations

import hashlib
import io

import pytest

from accredit.evidence import services
from accredit.extensions import db
from accredit.roles import Role
from tests.api.conftest import answer, error
from tests.evidence import samples
from tests.evidence.conftest import evidence_rows, stored_blobs

NOT_FOUND = "There is no evidence with that id that you can see"


@pytest.fixture
def api(client):
    from tests.api.conftest import ApiClient

    return ApiClient(client)


def _post(api, team_id: int, data: bytes, filename: str, **fields):
    body = {"title": "Falls audit", **fields, "file": (io.BytesIO(data), filename)}
    return api.post(f"/api/v1/teams/{team_id}/evidence", data=body, content_type="multipart/form-data")


def test_api_upload_answers_201_with_the_evidence(app, api, library):
    api.sign_in(library.member)
    response = _post(api, library.team.id, samples.pdf(), "falls.pdf", review_by="2027-02-28")
    body = response.get_json()
    assert (response.status_code, response.headers["Location"]) == (201, "/api/v1/evidence/1")
    del body["uploaded_at"]
    assert body == {
        "id": 1, "team": {"id": library.team.id, "code": library.team.code, "name": "Ward 7 Respiratory"},
        "title": "Falls audit", "filename": "falls.pdf", "media_type": "application/pdf",
        "size_bytes": len(samples.pdf()), "sha256": hashlib.sha256(samples.pdf()).hexdigest(),
        "review_by": "2027-02-28", "is_stale": False, "uploaded_by": {"id": library.member.id, "name": "Mary Member"},
        "used_in": [], "content_url": "/api/v1/evidence/1/content", "version": 1,
    }


@pytest.mark.parametrize(("data", "filename", "expected"), [
    (samples.HTML, "report.pdf", error(415, "unsupported_type", "The selected file is a web page or an SVG image, "
                                       "not a PDF, Word, Excel, PowerPoint, CSV, PNG or JPEG file")),
    (samples.zip_bomb(), "minutes.docx", error(415, "unsupported_type", "The selected file would unpack to more "
                                               "than 200 MB, so it cannot be accepted")),
    (b"", "empty.pdf", error(400, "bad_request", "The selected file is empty",
                             {"file": ["The selected file is empty"]})),
], ids=["renamed-html", "zip-bomb", "empty"])
def test_api_upload_refusals_use_error_format(app, api, library, data, filename, expected):
    api.sign_in(library.member)
    assert answer(_post(api, library.team.id, data, filename)) == expected
    assert (evidence_rows(), stored_blobs(app.config["EVIDENCE_DIR"])) == ([], [])


def test_api_upload_over_size_setting_answers_413(app, api, library):
    app.config["EVIDENCE_MAX_BYTES"] = 100
    api.sign_in(library.member)
    assert answer(_post(api, library.team.id, samples.pdf(), "a.pdf")) == error(
        413, "too_large", "The selected file must be smaller than 100 bytes")
    assert stored_blobs(app.config["EVIDENCE_DIR"]) == []


def test_api_upload_over_request_limit_answers_413(app, api, library):
    api.sign_in(library.member)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = _post(api, library.team.id, b"x" * 5000, "a.pdf")
    assert (response.status_code, response.get_json()["error"]["code"]) == (413, "too_large")


def test_api_upload_without_file_or_title_answers_400_with_details(api, library):
    api.sign_in(library.member)
    response = api.post(f"/api/v1/teams/{library.team.id}/evidence", data={"review_by": "soon"},
                        content_type="multipart/form-data")
    assert answer(response) == error(400, "bad_request", "The request body is not valid: see details", {
        "file": ["Missing data for required field."], "title": ["Missing data for required field."],
        "review_by": ["Not a valid date."]})


def test_api_upload_to_team_out_of_scope_answers_404(api, library):
    api.sign_in(library.outsider)
    response = _post(api, library.team.id, samples.pdf(), "a.pdf")
    assert answer(response) == error(404, "not_found", "There is no team with that id that you can see")
    assert evidence_rows() == []


def test_api_get_and_content_answer_404_to_member_of_another_team(api, library):
    evidence = services.upload_evidence(library.team, io.BytesIO(samples.png()), filename="a.png", title="Photo",
                                        review_by=None, by=library.member)
    db.session.commit()
    api.sign_in(library.outsider)
    answers = [answer(api.get(f"/api/v1/evidence/{evidence.id}{suffix}")) for suffix in ("", "/content")]
    missing = answer(api.get("/api/v1/evidence/999"))
    assert answers + [missing] == [error(404, "not_found", NOT_FOUND)] * 3


def test_api_content_is_an_attachment_with_nosniff(api, library):
    evidence = services.upload_evidence(library.team, io.BytesIO(samples.png()), filename="ward photo.png",
                                        title="Photo", review_by=None, by=library.member)
    db.session.commit()
    api.sign_in(library.member)
    response = api.get(f"/api/v1/evidence/{evidence.id}/content")
    assert (response.status_code, response.get_data()) == (200, samples.png())
    assert {name: response.headers[name] for name in ("Content-Type", "Content-Disposition", "X-Content-Type-Options",
                                                       "Cache-Control")} == {
        "Content-Type": "image/png", "Content-Disposition": "attachment; filename*=UTF-8''ward%20photo.png",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}


def test_api_content_needs_a_bearer_token(client, library):
    response = client.get("/api/v1/evidence/1/content")
    assert response.status_code == 401


def test_api_upload_by_reviewer_of_the_team_answers_403(api, factory, library):
    reviewer = factory.user(role=Role.REVIEWER, scope=library.team)
    factory.commit()
    api.sign_in(reviewer)
    assert answer(_post(api, library.team.id, samples.pdf(), "a.pdf")) == error(
        403, "forbidden", "You do not have permission to do this", {"action": "evidence.upload"})
    assert evidence_rows() == []
