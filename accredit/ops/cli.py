"""`flask --app wsgi backup DEST` and `flask --app wsgi restore SRC [--force]`."""
from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
def backup_command(dest: Path) -> None:
    """Back up the database and the evidence store into the new directory DEST (with a manifest of hashes)."""
    from accredit.evidence.storage import get_storage
    from accredit.ops.backup import BackupError, backup

    try:
        summary = backup(dest, get_storage())
    except BackupError as refused:
        click.echo(f"Error: {refused}", err=True)
        sys.exit(1)
    click.echo(summary.line("Backed up to", dest))


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database and evidence store that already hold data.")
def restore_command(src: Path, force: bool) -> None:
    """Restore the database and the evidence store from the backup in SRC, checking every file's hash first.

    Stop the web app and the scheduler first: a restore replaces the whole database.
    """
    from accredit.evidence.storage import get_storage
    from accredit.ops.backup import BackupError, restore

    try:
        summary = restore(src, get_storage(), force=force)
    except BackupError as refused:
        click.echo(f"Error: {refused}", err=True)
        sys.exit(1)
    click.echo(summary.line("Restored from", src))
