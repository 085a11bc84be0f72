"""Backup and restore of the database and the evidence store together, as one directory with a manifest.

    DEST/manifest.json        what is in the backup: format, time, database kind and schema revision, the
                              database file's SHA-256, and every evidence file's SHA-256 and size
    DEST/database.sqlite      SQLite: a consistent copy taken with SQLite's online backup API
    DEST/database.pgdump      PostgreSQL: `pg_dump --format=custom` (the pg_dump on the machine must be at least
                              the server's major version; the backup refuses otherwise rather than write a bad dump)
    DEST/evidence/aa/bb/<sha256>

A restore checks the whole backup against its manifest before it changes anything, refuses a database or an
evidence store that already holds data unless forced, restores the database in one transaction, then copies
the evidence files back, checking each one's hash again as it is written.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from accredit.evidence.storage import Storage, blob_path
from accredit.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
DB_FILES = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that was refused or failed; the message says why and what to do."""


@dataclass(frozen=True)
class Summary:
    dialect: str
    revision: str | None
    files: int
    bytes: int

    def line(self, verb: str, where: Path) -> str:
        return (f"{verb} {where}: {self.dialect} database (schema {self.revision or 'empty'}), "
                f"{self.files} evidence file{'s' if self.files != 1 else ''} ({self.bytes:,} bytes)")


def backup(dest: Path, storage: Storage) -> Summary:
    """Write a backup of the database and every stored evidence file into the new directory `dest`.

    Raises BackupError if `dest` exists and is not empty, or the database cannot be dumped. The database is
    copied first, then the files: a file stored in between is simply extra, never missing.
    """
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty: back up into a new directory")
    dest.mkdir(parents=True, exist_ok=True)
    engine = db.engine
    dialect = engine.dialect.name
    db_file = dest / DB_FILES[_supported(dialect)]
    revision = _revision(engine)
    if dialect == "sqlite":
        _sqlite_backup(engine, db_file)
    else:
        _pg_dump(engine, db_file)
    files: dict[str, int] = {}
    for sha256, _modified in storage.blobs():
        target = dest / "evidence" / blob_path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(sha256) as source, open(target, "wb") as out:
            digest, size = _copy(source, out)
        if digest != sha256:
            raise BackupError(f"the stored file {sha256} does not match its hash: the evidence store is damaged")
        files[sha256] = size
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(), "dialect": dialect,
                "revision": revision, "database": {"file": db_file.name, "sha256": _file_hash(db_file)},
                "evidence": dict(sorted(files.items()))}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return Summary(dialect, revision, len(files), sum(files.values()))


def restore(src: Path, storage: Storage, *, force: bool = False) -> Summary:
    """Restore the database and the evidence files from the backup directory `src`.

    Checks every file against the manifest first; raises BackupError (having changed nothing) if any is missing
    or altered, if the backup is of another kind of database, or if the database or the evidence store already
    holds data and `force` is not set. With `force` the database is replaced whole; stored files that the
    backup lacks are left for the store sweep.
    """
    manifest = verify(src)
    engine = db.engine
    dialect = engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(f"this backup is of a {manifest['dialect']} database; the app is using {dialect}")
    if not force:
        held = _tables_with_rows(engine)
        if held:
            raise BackupError(f"the database already holds data (in {', '.join(held[:5])}"
                              f"{', ...' if len(held) > 5 else ''}): restore into an empty one, or use --force")
        if next(iter(storage.blobs()), None) is not None:
            raise BackupError("the evidence store already holds files: restore into an empty one, or use --force")
    db_file = src / manifest["database"]["file"]
    db.session.remove()
    if dialect == "sqlite":
        _sqlite_restore(engine, db_file)
    else:
        _pg_restore(engine, db_file)
    engine.dispose()
    total = 0
    for sha256, size in manifest["evidence"].items():
        with open(src / "evidence" / blob_path(sha256), "rb") as source:
            stored = storage.put(source, max_bytes=size)
        if stored.sha256 != sha256:  # the file changed after verify(): never store it under the wrong name
            storage.delete(stored.sha256)
            raise BackupError(f"evidence file {sha256} changed during the restore; the database is restored, "
                              "run the restore again with --force")
        total += size
    return Summary(dialect, manifest["revision"], len(manifest["evidence"]), total)


def verify(src: Path) -> dict[str, Any]:
    """Read the manifest of the backup in `src` and check every file in it; returns the manifest.

    Raises BackupError naming the first problem: no manifest, another format, or a file missing or altered.
    """
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{src} is not a backup: it has no {MANIFEST}") from None
    except ValueError as bad:
        raise BackupError(f"{src / MANIFEST} is not valid JSON: {bad}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{src} was written in backup format {manifest.get('format')!r}; this version reads {FORMAT}")
    db_file = src / manifest["database"]["file"]
    if not db_file.is_file() or _file_hash(db_file) != manifest["database"]["sha256"]:
        raise BackupError(f"{db_file.name} is missing or does not match the manifest: the backup is damaged")
    for sha256, size in manifest["evidence"].items():
        path = src / "evidence" / blob_path(sha256)
        if not path.is_file():
            raise BackupError(f"evidence file {sha256} is missing from the backup")
        if path.stat().st_size != size or _file_hash(path) != sha256:
            raise BackupError(f"evidence file {sha256} does not match its hash: the backup is damaged")
    return manifest


def _supported(dialect: str) -> str:
    if dialect not in DB_FILES:
        raise BackupError(f"backups of {dialect} databases are not supported (SQLite and PostgreSQL are)")
    return dialect


def _revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.scalar(sa.text("SELECT version_num FROM alembic_version"))


def _tables_with_rows(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        names = sorted(n for n in sa.inspect(conn).get_table_names() if n != "alembic_version")
        return [n for n in names if conn.scalar(sa.text(f'SELECT EXISTS (SELECT 1 FROM "{n}")'))]


def _sqlite_path(engine: sa.Engine) -> str:
    path = engine.url.database
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return path


def _sqlite_backup(engine: sa.Engine, dest: Path) -> None:
    source, target = sqlite3.connect(_sqlite_path(engine)), sqlite3.connect(dest)
    try:
        source.backup(target)  # a consistent snapshot, even while the app writes
    finally:
        target.close()
        source.close()


def _sqlite_restore(engine: sa.Engine, src: Path) -> None:
    engine.dispose()
    source, target = sqlite3.connect(f"file:{src}?mode=ro", uri=True), sqlite3.connect(_sqlite_path(engine))
    try:
        source.backup(target)  # replaces every page of the target in one step
    finally:
        target.close()
        source.close()


def _libpq(engine: sa.Engine) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, with the password in the environment, not the command line."""
    url = engine.url
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432), "--dbname", url.database or ""]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str, engine: sa.Engine) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools (the server's version)")
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    with engine.connect() as conn:
        server = int(conn.scalar(sa.text("SHOW server_version_num"))) // 10000
    if found is None or int(found.group(1)) < server:
        raise BackupError(f"{name} is version {found.group(1) if found else '?'} but the server is {server}: "
                          f"install the PostgreSQL {server} client tools")
    return path


def _pg_dump(engine: sa.Engine, dest: Path) -> None:
    args, env = _libpq(engine)
    done = subprocess.run([_tool("pg_dump", engine), "--format=custom", "--no-owner", "--no-privileges",
                           "--file", str(dest), *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")


def _pg_restore(engine: sa.Engine, src: Path) -> None:
    args, env = _libpq(engine)
    engine.dispose()
    done = subprocess.run([_tool("pg_restore", engine), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                           "--single-transaction", "--exit-on-error", *args, str(src)],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed (nothing was changed): {done.stderr.strip()}")


def _copy(source: Any, out: Any) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        out.write(chunk)
    return digest.hexdigest(), size


def _file_hash(path: Path) -> str:
    with open(path, "rb") as source:
        return _copy(source, _Discard())[0]


class _Discard:
    def write(self, data: bytes) -> None:
        pass
