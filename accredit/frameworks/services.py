"""Importing a framework version: the one way frameworks enter the database."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from accredit import audit
from accredit.extensions import db
from accredit.frameworks.models import Framework, FrameworkVersion, Standard
from accredit.frameworks.schema import FrameworkSpec


class FrameworkConflict(ValueError):
    """The same key and version already exist with different content: a change needs a new version."""


def import_framework(spec: FrameworkSpec, *, by: Any = None) -> tuple[FrameworkVersion, bool]:
    """Store `spec` as a new framework version; return (version, created).

    Re-importing identical content is a no-op (created False). The same version with different
    content raises FrameworkConflict and changes nothing. Side effects: framework and version rows,
    one audit row `framework.import`. Flushes, never commits.
    """
    framework = db.session.scalar(sa.select(Framework).where(Framework.key == spec.key))
    if framework is None:
        framework = Framework(key=spec.key, title=spec.title, kind=spec.kind)
        db.session.add(framework)
    elif framework.kind != spec.kind:
        raise FrameworkConflict(f"{spec.key} is a {framework.kind} framework; the file says {spec.kind}")
    existing = next((v for v in framework.versions if v.version == spec.version), None)
    if existing is not None:
        if existing.content_hash == spec.content_hash:
            return existing, False
        raise FrameworkConflict(
            f"{spec.key} version {spec.version} already exists with different content; "
            "frameworks are never edited in place: give the file a new version"
        )
    version = _new_version(framework, spec, by)
    db.session.flush()
    audit.record("framework.import", version, by=by, data={"key": spec.key, "version": spec.version})
    return version, True


def _new_version(framework: Framework, spec: FrameworkSpec, by: Any) -> FrameworkVersion:
    framework.title = spec.title
    version = FrameworkVersion(
        framework=framework,
        version=spec.version,
        title=spec.title,
        aggregation=spec.aggregation,
        description=spec.description,
        domain_questions={d.domain.value: d.question for d in spec.domains},
        content_hash=spec.content_hash,
        imported_by_id=getattr(by, "id", None),
    )
    for position, item in enumerate(spec.standards, start=1):
        version.standards.append(
            Standard(
                code=item.code,
                domain=item.domain,
                title=item.title,
                prompt=item.prompt,
                steeep=[s.value for s in item.steeep],
                position=position,
            )
        )
    db.session.add(version)
    return version


def current_version(key: str) -> FrameworkVersion | None:
    """The latest version of the framework `key`, or None."""
    return db.session.scalar(
        sa.select(FrameworkVersion)
        .join(Framework)
        .where(Framework.key == key)
        .order_by(FrameworkVersion.imported_at.desc(), FrameworkVersion.id.desc())
        .limit(1)
    )
