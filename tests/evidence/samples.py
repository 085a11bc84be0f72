"""Small files of every allowed kind, and the attack set, made in code (no binaries in the repository)."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import lru_cache

MiB = 1024 * 1024
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n"


def pdf(body: bytes = b"") -> bytes:
    """A minimal well-formed PDF (one empty page)."""
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n" + body +
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png() -> bytes:
    """A 1x1 white RGB PNG."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def jpeg() -> bytes:
    """Start of image, a JFIF header and end of image: all the structure the check reads."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


_MAIN = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


def ooxml(kind: str = "docx", *, content_type: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Office Open XML package of `kind` (docx, xlsx or pptx)."""
    part, declared = _MAIN[kind]
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
             f'content-types"><Override PartName="/{part}" ContentType="{content_type or declared}"/></Types>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        archive.writestr(part, '<?xml version="1.0"?><document>Hand hygiene audit</document>')
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


@lru_cache
def zip_bomb(megabytes: int = 300) -> bytes:
    """A .docx-shaped ZIP whose main part inflates to `megabytes` of zeros (written streaming, a few hundred KB)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            block = b"\x00" * MiB
            for _ in range(megabytes):
                member.write(block)
    return out.getvalue()


def many_entries(count: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for n in range(count):
            archive.writestr(f"p{n}", b"")
    return out.getvalue()


def ole2(stream: str = "WordDocument") -> bytes:
    """An OLE2 compound file whose directory holds a root entry and one stream called `stream`."""
    header = bytes.fromhex("D0CF11E0A1B11AE1").ljust(512, b"\x00")

    def entry(name: str, kind: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return encoded.ljust(64, b"\x00") + struct.pack("<HB", len(encoded), kind).ljust(64, b"\x00")

    directory = (entry("Root Entry", 5) + entry(stream, 2)).ljust(512, b"\x00")
    return header + directory + b"\x00" * 512


def csv_text(text: str = "standard,finding\nS1,Hand hygiene 98%\nS2,Falls down 10%\n") -> bytes:
    return text.encode("utf-8")
