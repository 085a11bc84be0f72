"""Command-line interface: `flask --app wsgi users|org|frameworks|demo|jobs|scheduler ...` (db: Flask-Migrate)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from accredit.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
org_cli = AppGroup("org", help="Import the organisation structure.")
frameworks_cli = AppGroup("frameworks", help="Import framework versions.")


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", "roles", multiple=True, help="A role: team_member, team_lead, reviewer, panel_member, panel_chair, quality_lead, admin.")
@click.option("--scope", "scopes", multiple=True, help="What each role covers: trust, division:<id>, service:<id>, team:<id>.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email: str, name: str, roles: tuple[str, ...], scopes: tuple[str, ...], password_stdin: bool) -> None:
    """Add a user with roles (one --scope per --role, in order)."""
    from accredit.auth import services
    from accredit.org.queries import parse_scope

    if len(scopes) != len(roles):
        _fail("give one --scope for each --role")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    try:
        user = services.create_user(email, name, password=password)
        for role, scope in zip(roles, scopes, strict=True):
            kind, scope_id = parse_scope(scope)
            services.grant_role(user, _role(role), kind, scope_id)
    except (services.AccountError, ValueError) as refused:
        _fail(str(refused))
    db.session.commit()
    click.echo(f"Created {user.email} (id {user.id})")


def _role(value: str):
    """The Role written `value`; raises ValueError naming the roles there are."""
    from accredit.roles import Role

    try:
        return Role(value)
    except ValueError:
        raise ValueError(f"role {value!r} is not one of {', '.join(r.value for r in Role)}") from None


@org_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_org_command(path: Path) -> None:
    """Import divisions, services and teams from a CSV export; a bad file is refused whole."""
    from accredit.org.imports import OrgImportError, import_org_csv

    try:
        result = import_org_csv(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        _fail(f"{path.name}: the file is not UTF-8 text; save it as 'CSV UTF-8'")
    except OrgImportError as refused:
        for line, reason in refused.problems:
            click.echo(f"{path.name}, line {line}: {reason}", err=True)
        _fail(f"{path.name} was not imported: nothing was changed")
    db.session.commit()
    click.echo(f"Imported {path.name}: {result.divisions} divisions, {result.services} services, "
               f"{result.teams} teams added or updated, {result.unchanged} unchanged")


@frameworks_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_frameworks_command(paths: tuple[Path, ...]) -> None:
    """Import framework versions from YAML files; a bad file is refused with its line and reason."""
    from accredit.frameworks.schema import FrameworkFileError, load_framework_file
    from accredit.frameworks.services import FrameworkConflict, import_framework

    for path in paths:
        try:
            version, created = import_framework(load_framework_file(path))
        except (FrameworkFileError, FrameworkConflict) as refused:
            _fail(str(refused) if isinstance(refused, FrameworkFileError) else f"{path.name}: {refused}")
        verb = "Imported" if created else "Already present:"
        click.echo(f"{verb} {version.framework.key} {version.version} ({len(version.standards)} standards)")
    db.session.commit()


@click.command("demo")
@click.option("--seed", default=2026, show_default=True, help="Random seed: the same seed gives the same trust.")
def demo_command(seed: int) -> None:
    """Load a demo trust: divisions, services, 40+ teams, a user for every role (skipped if loaded)."""
    from accredit.demo import load_demo

    summary = load_demo(seed=seed)
    db.session.commit()
    click.echo(summary)


def init_app(app: Flask) -> None:
    from accredit.ops.cli import backup_command, restore_command
    from accredit.scheduling.cli import jobs_cli, scheduler_cli

    for command in (users_cli, org_cli, frameworks_cli, demo_command, jobs_cli, scheduler_cli, backup_command,
                    restore_command):
        app.cli.add_command(command)
