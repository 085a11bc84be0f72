"""Serving a stored evidence file: always as an attachment, never rendered, never cached, never sniffed."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import Response, current_app, request
from werkzeug.wsgi import wrap_file

from accredit.evidence.models import Evidence
from accredit.evidence.storage import get_storage


def download_response(evidence: Evidence) -> Response:
    """The file's bytes with the media type the content check decided and its cleaned original name.

    The caller has already checked scope. The name goes out only RFC 5987-encoded, so no character in it can
    break the header; a sandboxing CSP covers the browser that would try to render the file anyway.
    """
    stream = get_storage().open(evidence.content_hash)
    response = Response(wrap_file(request.environ, stream), mimetype=evidence.media_type, direct_passthrough=True)
    response.content_length = evidence.size_bytes
    response.headers["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(evidence.original_name, safe="")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def local_today():
    """Today in the trust's time zone: a review-by date passes at midnight UK time."""
    return datetime.now(ZoneInfo(current_app.config["TIMEZONE"])).date()
