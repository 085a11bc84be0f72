"""Checking Word, Excel and PowerPoint files by structure: Office Open XML ZIPs (never unpacked) and OLE2 files.

A ZIP is judged from its central directory alone, so a zip bomb is refused without being inflated: too many
entries, too much uncompressed data, a member that inflates too far, encryption or damage. Only
`[Content_Types].xml` is read, and only its first megabyte. Macro-enabled and password-protected files are
refused because they cannot be checked (and macros are not evidence).
"""
from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

from accredit.evidence.errors import FileRefused
from accredit.evidence.kinds import DOC, DOCX, PPT, PPTX, XLS, XLSX, FileKind

MiB = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

MAX_ENTRIES = 10_000
MAX_UNCOMPRESSED = 200 * MiB
MAX_RATIO = 100
RATIO_FLOOR = 1 * MiB  #: members smaller than this cannot be bombs, however well they compress
CONTENT_TYPES_LIMIT = 1 * MiB

#: (kind, main part, the content type [Content_Types].xml must declare for it)
MAIN_PARTS = (
    (DOCX, "word/document.xml", "wordprocessingml.document.main+xml"),
    (XLSX, "xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    (PPTX, "ppt/presentation.xml", "presentationml.presentation.main+xml"),
)
OLE2_STREAMS = ((DOC, "WordDocument"), (XLS, "Workbook"), (XLS, "Book"), (PPT, "PowerPoint Document"))
OLE2_MACROS = ("Macros", "_VBA_PROJECT_CUR", "VBA")

NOT_OFFICE = "The selected file is not a Word, Excel or PowerPoint file (it is some other kind of archive)"
DAMAGED = "The selected Office file is damaged. Open it, save it again and retry"
PROTECTED = "The selected file is password-protected, so it cannot be checked. Remove the password and retry"
MACROS = "The selected file contains macros. Save it as an ordinary Word, Excel or PowerPoint file and retry"


def check_ooxml(path: Path, size: int) -> FileKind:
    """The kind of a .docx/.xlsx/.pptx at `path`; FileRefused for anything else or anything dangerous."""
    with open(path, "rb") as f:
        if _zip_entry_count(f, size) > MAX_ENTRIES:
            raise FileRefused(f"The selected file holds more than {MAX_ENTRIES:,} parts, so it cannot be accepted")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            _check_members(infos)
            content_types = _read_content_types(archive, {info.filename for info in infos})
            return _main_kind({info.filename for info in infos}, content_types)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, zlib.error, struct.error):
        raise FileRefused(DAMAGED) from None


def _zip_entry_count(f, size: int) -> int:
    """The entry count the end-of-central-directory record declares; it must close the file exactly."""
    f.seek(max(0, size - 65_557))  # the record (22 bytes) plus the longest comment
    tail = f.read()
    position = tail.rfind(b"PK\x05\x06")
    if position < 0 or len(tail) - position < 22:
        raise FileRefused(DAMAGED)
    *_, entries, _cd_size, _cd_offset, comment_length = struct.unpack("<4s4H2LH", tail[position:position + 22])
    if position + 22 + comment_length != len(tail):
        raise FileRefused("The selected Office file has something hidden after its end, so it cannot be accepted")
    if entries != 0xFFFF:
        return entries
    locator = tail[position - 20:position] if position >= 20 else b""
    if not locator.startswith(b"PK\x06\x07"):
        raise FileRefused(DAMAGED)
    (record_offset,) = struct.unpack("<Q", locator[8:16])
    f.seek(record_offset)
    record = f.read(56)
    if len(record) < 56 or not record.startswith(b"PK\x06\x06"):
        raise FileRefused(DAMAGED)
    return struct.unpack("<Q", record[32:40])[0]


def _check_members(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise FileRefused(f"The selected file holds more than {MAX_ENTRIES:,} parts, so it cannot be accepted")
    if any(info.flag_bits & 0x1 for info in infos):
        raise FileRefused(PROTECTED)
    if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED:
        raise FileRefused("The selected file would unpack to more than 200 MB, so it cannot be accepted")
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise FileRefused("The selected file is compressed suspiciously far (a zip bomb), so it cannot be accepted")


def _read_content_types(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "[Content_Types].xml" not in names:
        raise FileRefused(NOT_OFFICE)
    with archive.open("[Content_Types].xml") as member:
        data = member.read(CONTENT_TYPES_LIMIT + 1)
    if len(data) > CONTENT_TYPES_LIMIT:
        raise FileRefused(DAMAGED)
    return data.decode("utf-8", errors="replace")


def _main_kind(names: set[str], content_types: str) -> FileKind:
    if "macroenabled" in content_types.lower() or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise FileRefused(MACROS)
    for kind, main_part, declared in MAIN_PARTS:
        if main_part in names:
            if declared not in content_types:
                raise FileRefused(NOT_OFFICE)
            return kind
    raise FileRefused(NOT_OFFICE)


def check_ole2(path: Path) -> FileKind:
    """The kind of a .doc/.xls/.ppt at `path`, from the stream names in its directory."""
    data = path.read_bytes()
    if len(data) < 1024:
        raise FileRefused(DAMAGED)
    names = _ole2_names(data, [name for _, name in OLE2_STREAMS] + list(OLE2_MACROS) + ["EncryptedPackage"])
    if "EncryptedPackage" in names:
        raise FileRefused(PROTECTED)
    if names & set(OLE2_MACROS):
        raise FileRefused(MACROS)
    for kind, stream in OLE2_STREAMS:
        if stream in names:
            return kind
    raise FileRefused("The selected file is not a Word, Excel or PowerPoint file (it is some other Windows file)")


def _ole2_names(data: bytes, wanted: list[str]) -> set[str]:
    """Which of `wanted` appear as directory entries: 128-byte aligned, UTF-16 name with its length at +64."""
    found = set()
    for name in wanted:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        position = data.find(encoded, 512)
        while position >= 0:
            length = data[position + 64:position + 66]
            if position % 128 == 0 and length == struct.pack("<H", len(encoded)):
                found.add(name)
                break
            position = data.find(encoded, position + 1)
    return found
