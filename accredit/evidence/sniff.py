"""Deciding what an uploaded file is from its bytes (never its name), refusing the rest, and cleaning file names.

Allowed: PDF, PNG, JPEG, Word/Excel/PowerPoint (Office Open XML and the older OLE2 formats) and UTF-8 CSV.
Everything else (HTML, SVG, scripts, programs, archives, unknown bytes) is refused with FileRefused (415), and
so is a file of an allowed kind that also carries markup a browser would run: markup in its first or last
kilobyte, or bytes hidden after its end marker (PDF %%EOF, PNG IEND, JPEG EOI). The name's extension must agree
with what the bytes are; it never decides on its own. Pure Python: no Flask, no database.
"""
from __future__ import annotations

import csv
import io
import os
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from accredit.evidence import office
from accredit.evidence.errors import FileEmpty, FileRefused
from accredit.evidence.kinds import CSV, JPEG, PDF, PNG, FileKind

ALLOWED = "a PDF, Word, Excel, PowerPoint, CSV, PNG or JPEG file"
EDGE_BYTES = 1024  #: how much of the start and the end is searched for markup
#: Markup that makes a browser (or PHP) run or render something; searched case-insensitively.
MARKERS = (b"<script", b"<html", b"<?php", b"<svg", b"<!doctype", b"<iframe", b"<body", b"<object", b"<embed")
PADDING = b" \t\r\n\x00"  #: what writers may leave after an end marker
NAME_LIMIT = 255

PDF_MAGIC, PNG_MAGIC, JPEG_MAGIC = b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"


@dataclass(frozen=True)
class Detected:
    """What the bytes are, and the name to keep for display and download (extension added when missing)."""

    kind: FileKind
    filename: str


def detect(path: Path, filename: str) -> Detected:
    """The kind of the file at `path`, whose cleaned original name is `filename`.

    Raises FileEmpty for a file of no bytes, FileRefused (with a message fit to show) for anything not allowed.
    """
    size = path.stat().st_size
    if size == 0:
        raise FileEmpty("The selected file is empty")
    with open(path, "rb") as f:
        head = f.read(EDGE_BYTES)
        f.seek(max(0, size - EDGE_BYTES))
        tail = f.read()
        _refuse_markup(head, tail)
        kind = _binary_kind(f, head, size, path)
    if kind is None:
        kind = _check_csv(path, filename)
    return Detected(kind, _agreeing_name(filename, kind))


def _refuse_markup(head: bytes, tail: bytes) -> None:
    start = head.lstrip(b" \t\r\n\xef\xbb\xbf").lower()
    if start.startswith((b"<!doctype", b"<html", b"<svg", b"<?xml", b"<head", b"<body", b"<script")):
        raise FileRefused(f"The selected file is a web page or an SVG image, not {ALLOWED}")
    edges = head.lower() + b"\n" + tail.lower()
    if any(marker in edges for marker in MARKERS):
        raise FileRefused("The selected file contains web page code (HTML or script), so it cannot be accepted. "
                          f"Upload {ALLOWED} saved directly from the program that made it")


def _binary_kind(f: BinaryIO, head: bytes, size: int, path: Path) -> FileKind | None:
    if head.startswith(PDF_MAGIC):
        _check_pdf_end(f, size)
        return PDF
    if head.startswith(PNG_MAGIC):
        _check_png(f, size)
        return PNG
    if head.startswith(JPEG_MAGIC):
        _check_jpeg_end(f, size)
        return JPEG
    if head.startswith(office.ZIP_MAGIC):
        return office.check_ooxml(path, size)
    if head.startswith(office.OLE2_MAGIC):
        return office.check_ole2(path)
    if head.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"#!")):
        raise FileRefused(f"The selected file is a program or a script, not {ALLOWED}")
    return None


def _check_pdf_end(f: BinaryIO, size: int) -> None:
    f.seek(max(0, size - EDGE_BYTES))
    tail = f.read()
    end = tail.rfind(b"%%EOF")
    if end < 0:
        raise FileRefused("The selected PDF is incomplete or damaged (it has no end marker). Save it again and retry")
    if tail[end + len(b"%%EOF"):].strip(PADDING):
        raise FileRefused("The selected PDF has something hidden after its end, so it cannot be accepted")


def _check_png(f: BinaryIO, size: int) -> None:
    """Walk the chunks from the signature to IEND; nothing may follow IEND."""
    position, first = len(PNG_MAGIC), True
    while True:
        f.seek(position)
        header = f.read(8)
        if len(header) < 8:
            raise FileRefused("The selected PNG image is incomplete or damaged")
        length, chunk_type = struct.unpack(">I4s", header)
        if first and chunk_type != b"IHDR":
            raise FileRefused("The selected PNG image is damaged (it does not start with an image header)")
        position += 8 + length + 4  # header, data, CRC
        if position > size:
            raise FileRefused("The selected PNG image is incomplete or damaged")
        if chunk_type == b"IEND":
            if position != size:
                raise FileRefused("The selected PNG image has something hidden after its end, so it cannot be accepted")
            return
        first = False


def _check_jpeg_end(f: BinaryIO, size: int) -> None:
    f.seek(max(0, size - EDGE_BYTES))
    if not f.read().rstrip(PADDING).endswith(b"\xff\xd9"):
        raise FileRefused("The selected JPEG image is incomplete, or has something hidden after its end")


def _check_csv(path: Path, filename: str) -> FileKind:
    """UTF-8 text without NUL bytes or markup, whose rows all have the same number of columns (at least two)."""
    named_csv = _extension(filename) == ".csv"
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        hint = " Save it as CSV UTF-8 (in Excel: File, Save As, CSV UTF-8)" if named_csv else ""
        raise FileRefused(f"The selected file is not {ALLOWED}.{hint}") from None
    if "\x00" in text:
        raise FileRefused(f"The selected file is not {ALLOWED}")
    lowered = text.lower().encode()
    if any(marker in lowered for marker in MARKERS):
        raise FileRefused("The selected file contains web page code (HTML or script), so it cannot be accepted")
    problem = _csv_shape_problem(text)
    if problem:
        raise FileRefused(f"The selected CSV file {problem}" if named_csv else f"The selected file is not {ALLOWED}")
    return CSV


def _csv_shape_problem(text: str) -> str | None:
    """Why `text` is not a consistent table, or None when it is one."""
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t|", key=lambda d: (first_line.count(d), d == ","))
    try:
        rows = [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
                if any(cell.strip() for cell in row)]
    except csv.Error as error:
        return f"cannot be read ({error})"
    if not rows or len(rows[0]) < 2:
        return "must have at least two columns separated by commas, semicolons or tabs"
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(rows[0]):
            return f"has {len(row)} columns on row {number} but {len(rows[0])} on the first row"
    return None


def _agreeing_name(filename: str, kind: FileKind) -> str:
    extension = _extension(filename)
    if not extension:
        return limit_name((filename or "evidence") + kind.extensions[0])
    if extension not in kind.extensions:
        raise FileRefused(f"The selected file is a {kind.label} file but its name ends in {extension}. "
                          f"Rename it to end in {kind.extensions[0]} and upload it again")
    return filename


def _extension(filename: str) -> str:
    return os.path.splitext(filename)[1].lower()


#: Characters that reorder how a name is shown ("invoice\u202efdp.exe" reads as "invoiceexe.pdf").
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def name_problem(name: str | None) -> str | None:
    """Why an uploaded file's name is refused, or None: a name with folders or a `..` (a path traversal
    attempt), control characters or direction overrides is never what a browser sends for a real file."""
    name = name or ""
    if "/" in name or "\\" in name or name.strip() in {".", ".."}:
        return "The selected file's name must not contain folders, / or \\. Rename the file and try again"
    if any(unicodedata.category(ch) == "Cc" or ch in BIDI_CONTROLS for ch in name):
        return "The selected file's name contains hidden control characters. Rename the file and try again"
    return None


def clean_filename(name: str | None) -> str:
    """A name safe to show and to offer as a download name: no folders, control characters or edge dots.

    `../../etc/passwd` becomes `passwd`; the result may be empty. It is never used as a path.
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Zl", "Zp"})
    return limit_name(" ".join(name.split()).strip(" ."))


def limit_name(name: str) -> str:
    """`name` cut to NAME_LIMIT characters, keeping its extension."""
    if len(name) <= NAME_LIMIT:
        return name
    stem, extension = os.path.splitext(name)
    extension = extension if len(extension) <= 16 else ""
    return stem[: NAME_LIMIT - len(extension)].rstrip(" .") + extension
