"""The kinds of file the evidence library accepts: media type, the label people read, the extensions allowed."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    media_type: str
    label: str
    extensions: tuple[str, ...]  #: the first is the one added to a name that has none


_OOXML = "application/vnd.openxmlformats-officedocument"
PDF = FileKind("application/pdf", "PDF", (".pdf",))
PNG = FileKind("image/png", "PNG image", (".png",))
JPEG = FileKind("image/jpeg", "JPEG image", (".jpg", ".jpeg"))
DOCX = FileKind(f"{_OOXML}.wordprocessingml.document", "Word", (".docx",))
XLSX = FileKind(f"{_OOXML}.spreadsheetml.sheet", "Excel", (".xlsx",))
PPTX = FileKind(f"{_OOXML}.presentationml.presentation", "PowerPoint", (".pptx",))
DOC = FileKind("application/msword", "Word 97-2003", (".doc",))
XLS = FileKind("application/vnd.ms-excel", "Excel 97-2003", (".xls",))
PPT = FileKind("application/vnd.ms-powerpoint", "PowerPoint 97-2003", (".ppt",))
CSV = FileKind("text/csv", "CSV", (".csv",))

KINDS: dict[str, FileKind] = {k.media_type: k for k in (PDF, PNG, JPEG, DOCX, XLSX, PPTX, DOC, XLS, PPT, CSV)}


def label_for(media_type: str) -> str:
    """What people call a stored media type ('Word', 'PDF'); the media type itself if unknown."""
    kind = KINDS.get(media_type)
    return kind.label if kind else media_type
