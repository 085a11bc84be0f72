"""Where evidence files live: content-addressed blobs behind one small interface, on local disk or S3.

A blob's name is the SHA-256 of its bytes, so the same file uploaded twice is stored once. `put` streams the
upload into a temporary file (hashing and counting as it goes, refusing past the size limit), lets the caller
check the complete file, and only then moves it into place: atomically with `os.replace` on local disk, with a
single PUT on S3. Whatever goes wrong on the way, the temporary file is removed and nothing is stored.
`staged` splits the same steps in two, so that an upload's row is written before its file is moved into place.
Original file names never reach the storage; only hashes do. `blobs` and `temp_files` list what is there, for
the store sweep (evidence/retention.py) and backups (ops/backup.py).
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from flask import Flask, current_app

from accredit.evidence.errors import FileTooLarge

CHUNK = 64 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class StoredBlob:
    """A stored file: its hash (its name in storage), its size, and what the caller's check returned."""

    sha256: str
    size: int
    checked: Any = None


@dataclass(frozen=True)
class StagedBlob:
    """An upload written and checked but not yet in the store: `commit()` puts it there."""

    blob: StoredBlob
    commit: Callable[[], None]


def blob_path(sha256: str) -> str:
    """`aa/bb/<sha256>`: the relative path (or S3 key) of a blob. Refuses anything that is not a hash."""
    if not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class Storage:
    """The interface: put, open, exists, delete. Subclasses say where the temporary file goes and how to commit."""

    def put(self, fileobj: BinaryIO, *, max_bytes: int, check: Callable[[Path], Any] | None = None) -> StoredBlob:
        """Store the bytes of `fileobj` unless there are more than `max_bytes` or `check(path)` raises.

        Raises FileTooLarge past the limit, or whatever `check` raises; in every such case (and when the
        stream itself fails) the temporary file is removed and nothing is stored.
        """
        with self.staged(fileobj, max_bytes=max_bytes, check=check) as staged:
            staged.commit()
            return staged.blob

    @contextmanager
    def staged(self, fileobj: BinaryIO, *, max_bytes: int,
               check: Callable[[Path], Any] | None = None) -> Iterator[StagedBlob]:
        """Write and check the upload in a temporary file; `commit()` moves it into place. Yields a StagedBlob.

        The caller records the file (flushes its row) before committing it, so that a process killed in
        between leaves at most a temporary file (which `sweep_store` removes later), never a stored blob that
        no row names. On leaving the block the temporary file is removed, whether committed or not.
        Raises as `put` does.
        """
        fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=self._temp_dir())
        temp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                sha256, size = _copy_hashing(fileobj, out, max_bytes)
                out.flush()
                os.fsync(out.fileno())
            checked = check(temp) if check is not None else None
            yield StagedBlob(StoredBlob(sha256, size, checked), lambda: self._commit(temp, sha256))
        finally:
            temp.unlink(missing_ok=True)

    def blobs(self) -> Iterator[tuple[str, datetime]]:
        """Every stored blob as (sha256, last modified, UTC); for the store sweep and backups."""
        raise NotImplementedError

    def temp_files(self) -> Iterator[tuple[Path, datetime]]:
        """Leftover temporary files (of uploads whose process died) as (path, last modified, UTC)."""
        return iter(())

    def open(self, sha256: str) -> BinaryIO:
        raise NotImplementedError

    def exists(self, sha256: str) -> bool:
        raise NotImplementedError

    def delete(self, sha256: str) -> None:
        raise NotImplementedError

    def _temp_dir(self) -> Path:
        raise NotImplementedError

    def _commit(self, temp: Path, sha256: str) -> None:
        """Move the checked temporary file into place as `sha256` (unless that blob exists already)."""
        raise NotImplementedError


def _copy_hashing(source: BinaryIO, out: BinaryIO, max_bytes: int) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FileTooLarge(f"The selected file must be smaller than {_megabytes(max_bytes)}")
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest(), size


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


class LocalStorage(Storage):
    """Blobs under `root` (outside static/), temporary files in `root/.tmp` so that the rename stays on one disk."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / blob_path(sha256)

    def open(self, sha256: str) -> BinaryIO:
        return open(self.path(sha256), "rb")

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def _temp_dir(self) -> Path:
        temp = self.root / ".tmp"
        temp.mkdir(parents=True, exist_ok=True)
        return temp

    def _commit(self, temp: Path, sha256: str) -> None:
        # Replaced even when the same bytes are stored already: the blob's time becomes now, so the store sweep
        # (which removes only unreferenced blobs older than a grace period) cannot remove it under this upload.
        final = self.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)

    def blobs(self) -> Iterator[tuple[str, datetime]]:
        for path in sorted(self.root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
            if path.is_file() and _SHA256.fullmatch(path.name):
                yield path.name, _mtime(path)

    def temp_files(self) -> Iterator[tuple[Path, datetime]]:
        temp = self.root / ".tmp"
        for path in sorted(temp.iterdir()) if temp.is_dir() else []:
            if path.is_file():
                yield path, _mtime(path)


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


class S3Storage(Storage):
    """Blobs in an S3-compatible bucket under `aa/bb/<sha256>`; the upload is spooled and checked locally first."""

    def __init__(self, bucket: str, client: Any, *, spool_dir: Path | str | None = None):
        self.bucket, self.client = bucket, client
        self.spool_dir = Path(spool_dir) if spool_dir else Path(tempfile.gettempdir())

    def open(self, sha256: str) -> BinaryIO:
        return self.client.get_object(Bucket=self.bucket, Key=blob_path(sha256))["Body"]

    def exists(self, sha256: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=blob_path(sha256))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=blob_path(sha256))

    def _temp_dir(self) -> Path:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        return self.spool_dir

    def blobs(self) -> Iterator[tuple[str, datetime]]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                name = item["Key"].rpartition("/")[2]
                if _SHA256.fullmatch(name) and item["Key"] == blob_path(name):
                    yield name, item["LastModified"].astimezone(UTC)

    def temp_files(self) -> Iterator[tuple[Path, datetime]]:
        for path in sorted(self.spool_dir.glob("upload-*.part")) if self.spool_dir.is_dir() else []:
            yield path, _mtime(path)

    def _commit(self, temp: Path, sha256: str) -> None:
        if self.exists(sha256):
            return
        # One PUT: S3 shows an object only once all of it has arrived, never half of it.
        with open(temp, "rb") as body:
            self.client.put_object(Bucket=self.bucket, Key=blob_path(sha256), Body=body,
                                   ContentType="application/octet-stream")


def get_storage(app: Flask | None = None) -> Storage:
    """The storage EVIDENCE_STORAGE names ("local" or "s3"), built once per app."""
    app = app or current_app._get_current_object()
    storage = app.extensions.get("evidence_storage")
    if storage is None:
        storage = app.extensions["evidence_storage"] = _build_storage(app.config, app.static_folder)
    return storage


def _build_storage(config: Any, static_folder: str | None) -> Storage:
    kind = config.get("EVIDENCE_STORAGE", "local")
    if kind == "local":
        root = Path(config["EVIDENCE_DIR"]).resolve()
        if static_folder and root.is_relative_to(Path(static_folder).resolve()):
            raise RuntimeError("EVIDENCE_DIR must be outside static/: evidence is never served as a static file")
        return LocalStorage(root)
    if kind == "s3":
        import boto3

        if not config.get("S3_BUCKET"):
            raise RuntimeError("EVIDENCE_STORAGE is s3 but S3_BUCKET is not set")
        client = boto3.client("s3", endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                              region_name=config.get("S3_REGION") or None)
        return S3Storage(config["S3_BUCKET"], client, spool_dir=Path(config["VAR_DIR"]) / "upload-spool")
    raise RuntimeError(f"EVIDENCE_STORAGE must be 'local' or 's3', not {kind!r}")
