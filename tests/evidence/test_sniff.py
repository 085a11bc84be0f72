"""The content check: the type comes from the bytes, the attack set is refused, names are cleaned."""
from __future__ import annotations

import pytest

from accredit.evidence import sniff
from accredit.evidence.errors import FileEmpty, FileRefused
from tests.evidence import samples

ALLOWED = [
    ("audit.pdf", samples.pdf(), "application/pdf"),
    ("photo.png", samples.png(), "image/png"),
    ("photo.jpg", samples.jpeg(), "image/jpeg"),
    ("photo.JPEG", samples.jpeg(), "image/jpeg"),
    ("minutes.docx", samples.ooxml("docx"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("data.xlsx", samples.ooxml("xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("slides.pptx", samples.ooxml("pptx"),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("old.doc", samples.ole2("WordDocument"), "application/msword"),
    ("old.xls", samples.ole2("Workbook"), "application/vnd.ms-excel"),
    ("old.ppt", samples.ole2("PowerPoint Document"), "application/vnd.ms-powerpoint"),
    ("audit.csv", samples.csv_text(), "text/csv"),
    ("semicolons.csv", samples.csv_text("a;b\n1;2\n"), "text/csv"),
    ("bom.csv", b"\xef\xbb\xbf" + samples.csv_text("a,b\n\"x, y\",2\n"), "text/csv"),
]


def _detect(tmp_path, name: str, data: bytes) -> sniff.Detected:
    path = tmp_path / "upload.part"
    path.write_bytes(data)
    return sniff.detect(path, name)


@pytest.mark.parametrize(("name", "data", "media_type"), ALLOWED, ids=[case[0] for case in ALLOWED])
def test_detect_allowed_kind_by_content(tmp_path, name, data, media_type):
    detected = _detect(tmp_path, name, data)
    assert (detected.kind.media_type, detected.filename) == (media_type, name)


def test_detect_adds_extension_to_name_without_one(tmp_path):
    assert _detect(tmp_path, "scan", samples.pdf()).filename == "scan.pdf"


REFUSED = [
    ("renamed html", "report.pdf", samples.HTML, "The selected file is a web page or an SVG image"),
    ("svg with script", "chart.png",
     b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "a web page or an SVG image"),
    ("html before pdf signature", "report.pdf", b"<html><body>" + samples.pdf(), "a web page or an SVG image"),
    ("png+html polyglot", "photo.png", samples.png() + samples.HTML, "contains web page code"),
    ("png with data after IEND", "photo.png", samples.png() + b"hidden payload", "hidden after its end"),
    ("jpeg with html after EOI", "photo.jpg", samples.jpeg() + samples.HTML, "contains web page code"),
    ("jpeg with data after EOI", "photo.jpg", samples.jpeg() + b"hidden payload", "hidden after its end"),
    ("pdf with script after %%EOF", "report.pdf", samples.pdf() + b"<script>alert(1)</script>",
     "contains web page code"),
    ("pdf with data after %%EOF", "report.pdf", samples.pdf() + b"payload", "hidden after its end"),
    ("pdf without end marker", "report.pdf", samples.pdf()[:-7], "has no end marker"),
    ("php in first kilobyte", "photo.jpg", b"\xff\xd8\xff\xfe<?php system($_GET[1]); ?>\xff\xd9",
     "contains web page code"),
    ("zip bomb as docx", "minutes.docx", samples.zip_bomb(), "would unpack to more than 200 MB"),
    ("too many parts", "minutes.docx", samples.many_entries(10_001), "more than 10,000 parts"),
    ("zip that is not office", "minutes.docx", samples.many_entries(3), "not a Word, Excel or PowerPoint"),
    ("docx with undeclared main part", "minutes.docx", samples.ooxml("docx", content_type="text/plain"),
     "not a Word, Excel or PowerPoint"),
    ("macro-enabled docx", "minutes.docx", samples.ooxml("docx", extra={"word/vbaProject.bin": b"VBA"}),
     "contains macros"),
    ("docx with trailing data", "minutes.docx", samples.ooxml("docx") + b"trailing", "hidden after its end"),
    ("damaged zip", "minutes.docx", b"PK\x03\x04" + b"\x00" * 100, "damaged"),
    ("ole2 installer", "setup.doc", samples.ole2("SummaryInformation"), "some other Windows file"),
    ("ole2 with macros", "old.doc", samples.ole2("Macros"), "contains macros"),
    ("password-protected office", "secret.docx", samples.ole2("EncryptedPackage"), "password-protected"),
    ("windows program", "report.pdf", b"MZ\x90\x00" + b"\x00" * 200, "a program or a script"),
    ("shell script", "data.csv", b"#!/bin/sh\nrm -rf /,x\n", "a program or a script"),
    ("real pdf named docx", "minutes.docx", samples.pdf(), "is a PDF file but its name ends in .docx"),
    ("csv with script", "data.csv", b"a,b\n<script>alert(1)</script>,2\n" + b"x,y\n" * 400, "web page code"),
    ("csv with ragged rows", "data.csv", b"a,b\n1,2,3\n", "has 3 columns on row 2 but 2 on the first row"),
    ("csv with one column", "data.csv", b"names\nAnn\nBob\n", "at least two columns"),
    ("csv not utf-8", "data.csv", "a,b\nM\xe4rz,1\n".encode("cp1252"), "Save it as CSV UTF-8"),
    ("binary with nul bytes", "data.csv", b"a,b\x00\n1,2\n", "is not a PDF, Word, Excel"),
    ("plain text named pdf", "notes.pdf", b"just some notes\n", "is not a PDF, Word, Excel"),
]


@pytest.mark.parametrize(("name", "data", "message"), [case[1:] for case in REFUSED], ids=[c[0] for c in REFUSED])
def test_detect_refuses_attack_set_with_415(tmp_path, name, data, message):
    with pytest.raises(FileRefused) as refused:
        _detect(tmp_path, name, data)
    assert (refused.value.http_status, message in refused.value.message) == (415, True), refused.value.message


def test_detect_refuses_empty_file_with_400(tmp_path):
    with pytest.raises(FileEmpty) as refused:
        _detect(tmp_path, "report.pdf", b"")
    assert (refused.value.http_status, refused.value.message) == (400, "The selected file is empty")


def test_detect_refuses_zip_bomb_by_ratio_below_total_limit(tmp_path):
    with pytest.raises(FileRefused) as refused:
        _detect(tmp_path, "minutes.docx", samples.zip_bomb(megabytes=20))
    assert refused.value.message == "The selected file is compressed suspiciously far (a zip bomb), so it cannot be accepted"


@pytest.mark.parametrize(("raw", "clean"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\report.pdf", "report.pdf"),
    ("/var/evidence/ab/cd/audit.pdf", "audit.pdf"),
    ("re\x00po\x1brt\r\n.pdf", "report.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),
    ("  ..hidden.pdf. ", "hidden.pdf"),
    ("..", ""),
    ("Audit – März.pdf", "Audit – März.pdf"),
    (None, ""),
    ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
])
def test_clean_filename_strips_folders_and_control_characters(raw, clean):
    assert sniff.clean_filename(raw) == clean
