"""The evidence library over the API: upload into a team's library, read an item, download its file."""
from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from flask import url_for
from flask_login import current_user
from flask_smorest.fields import Upload
from werkzeug.datastructures import CombinedMultiDict, FileStorage

from accredit.api.access import get_or_404_in_scope
from accredit.api.blueprint import ApiBlueprint, ApiParser
from accredit.api.errors import ApiError
from accredit.api.schemas import PersonSchema, RefSchema
from accredit.evidence import retention, services
from accredit.evidence.download import download_response, local_today
from accredit.evidence.errors import EvidenceError
from accredit.evidence.kinds import KINDS
from accredit.evidence.models import Evidence
from accredit.evidence.usage import usages_for
from accredit.extensions import db
from accredit.org.models import Team


class MultipartParser(ApiParser):
    """The API's parser plus a `multipart` location: the form fields and the files of one multipart body."""

    __location_map__ = {**ApiParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Any, schema: ma.Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)

    def handle_error(self, error: ma.ValidationError, req: Any, schema: ma.Schema, *, error_status_code: Any,
                     error_headers: Any) -> NoReturn:
        (_location, messages), = error.messages.items()
        raise ApiError(400, "The request body is not valid: see details", details=messages)


class EvidenceBlueprint(ApiBlueprint):
    ARGUMENTS_PARSER = MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **ApiBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data",
    }


blp = EvidenceBlueprint("api_evidence", __name__, tag="evidence",
                        description="The evidence library: files checked by content, stored once, served as attachments")


class FileUpload(Upload):
    """A file part of a multipart body (a plain form field of the same name is refused)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage) or not value.filename:
            raise ma.ValidationError("Send the file as a multipart file part named file, with its file name")
        return value


class EvidenceUploadSchema(ma.Schema):
    file = FileUpload(required=True, metadata={
        "description": "PDF, Word, Excel, PowerPoint, CSV (UTF-8), PNG or JPEG; the type is decided from the bytes"})
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    review_by = ma.fields.Date(load_default=None, allow_none=True,
                               metadata={"description": "After this date the evidence is reported as stale"})


class EvidenceUsageSchema(ma.Schema):
    text = ma.fields.String(required=True)
    href = ma.fields.String(required=True, allow_none=True)


class UsedIn(ma.fields.List):
    """The places an item is used, from the usage registry (see accredit/evidence/usage.py)."""

    def __init__(self, **kwargs: Any):
        super().__init__(ma.fields.Nested(EvidenceUsageSchema), **kwargs)

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        return usages_for([obj.id])[obj.id]


class EvidenceSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    team = ma.fields.Nested(RefSchema, required=True)
    title = ma.fields.String(required=True)
    filename = ma.fields.String(required=True, attribute="original_name",
                                metadata={"description": "The uploaded file's name, cleaned; the download's name"})
    media_type = ma.fields.String(required=True, metadata={"description": "Decided from the content, not the name"})
    size_bytes = ma.fields.Integer(required=True)
    sha256 = ma.fields.String(required=True, attribute="content_hash")
    review_by = ma.fields.Date(required=True, allow_none=True)
    is_stale = ma.fields.Function(lambda e: e.is_stale(local_today()), required=True, metadata={"type": "boolean"})
    uploaded_at = ma.fields.DateTime(required=True)
    uploaded_by = ma.fields.Nested(PersonSchema, required=True, allow_none=True)
    used_in = UsedIn(required=True, metadata={"description": "Where the evidence is linked"})
    content_url = ma.fields.Function(lambda e: url_for("api_evidence.get_evidence_content", evidence_id=e.id),
                                     required=True, metadata={"type": "string"})
    version = ma.fields.Integer(required=True)


@blp.route("/teams/<id:team_id>/evidence", methods=["POST"])
@blp.arguments(EvidenceUploadSchema, location="multipart")
@blp.response(201, EvidenceSchema)
@blp.errors(403, 404, 413, 415)
def upload_evidence(form: dict[str, Any], team_id: int) -> Any:
    """Upload a file into a team's library (team members and leads, quality leads covering the team).

    413 when the file is over the size limit; 415 when its content is not an allowed type, whatever its name;
    400 when it is empty, or its name holds folders (`../`) or control characters.
    """
    team = get_or_404_in_scope(Team, team_id, "team.view", "evidence.upload")
    upload = form["file"]
    try:
        evidence = services.upload_evidence(team, upload.stream, filename=upload.filename, title=form["title"],
                                            review_by=form["review_by"], by=current_user)
    except EvidenceError as refused:
        details = {refused.field: [refused.message]} if refused.http_status == 400 else {}
        raise ApiError(refused.http_status, refused.message, details=details) from None
    db.session.commit()
    return evidence, 201, {"Location": url_for("api_evidence.get_evidence", evidence_id=evidence.id)}


@blp.route("/evidence/<id:evidence_id>")
@blp.response(200, EvidenceSchema)
@blp.errors(404)
def get_evidence(evidence_id: int) -> Evidence:
    """One item of evidence, if the caller may see its team; otherwise 404."""
    return get_or_404_in_scope(Evidence, evidence_id, "evidence.view")


@blp.route("/evidence/<id:evidence_id>/content")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream",
              description="The file, as an attachment, with the media type decided from its content")
@blp.doc(responses={"200": {  # the media type the library stored it as, one of these (never octet-stream)
    "description": "The file, as an attachment, with the media type decided from its content",
    "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in KINDS}}})
@blp.errors(404)
def get_evidence_content(evidence_id: int) -> Any:
    """The file itself: always `Content-Disposition: attachment`, `X-Content-Type-Options: nosniff`."""
    return download_response(get_or_404_in_scope(Evidence, evidence_id, "evidence.view"))


class EvidenceDeleteSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=retention.REASON_LIMIT),
                              metadata={"description": "Why it is being deleted; kept in the audit trail"})
    version = ma.fields.Integer(load_default=None, metadata={"description": "If given, must be current (else 409)"})


@blp.route("/evidence/<id:evidence_id>", methods=["DELETE"])
@blp.arguments(EvidenceDeleteSchema)
@blp.response(204)
@blp.errors(403, 404, 409)
def delete_evidence(body: dict[str, Any], evidence_id: int) -> Any:
    """Delete an item (its team's lead, quality leads covering the team, or its uploader), with a reason.

    A soft delete: the item disappears from the library, downloads and links at once; the file is kept, hidden,
    for EVIDENCE_RETENTION_DAYS and then purged. The audit trail keeps who deleted it and why.
    """
    evidence = get_or_404_in_scope(Evidence, evidence_id, "evidence.view", "evidence.delete")
    try:
        retention.delete_evidence(evidence, reason=body["reason"], by=current_user, version=body["version"])
    except EvidenceError as refused:
        details = {refused.field: [refused.message]} if refused.http_status == 400 else {"version": evidence.version}
        raise ApiError(refused.http_status, refused.message, details=details) from None
    db.session.commit()
    return None
