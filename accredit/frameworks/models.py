"""Frameworks, their immutable versions and standards: loaded from YAML, never edited in place."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.extensions import db
from accredit.models_base import UTCDateTime, enum_column, utcnow
from workflows.ratings import Domain


class Framework(db.Model):
    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)  #: e.g. cqc-kloe-2017
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(32))  #: self_assessment | accreditation

    versions: Mapped[list[FrameworkVersion]] = relationship(
        back_populates="framework", order_by="FrameworkVersion.imported_at"
    )

    @property
    def current(self) -> FrameworkVersion | None:
        """The latest imported version: what new work is done under."""
        return self.versions[-1] if self.versions else None


class FrameworkVersion(db.Model):
    __tablename__ = "framework_versions"
    __table_args__ = (sa.UniqueConstraint("framework_id", "version", name="one_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(sa.ForeignKey("frameworks.id"), index=True)
    version: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(200))
    aggregation: Mapped[str] = mapped_column(sa.String(32))  #: cqc_principles | saf_scoring
    description: Mapped[str | None] = mapped_column(sa.Text)
    domain_questions: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  #: domain value -> our question
    content_hash: Mapped[str] = mapped_column(sa.String(64))  #: SHA-256 of the canonical content
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    framework: Mapped[Framework] = relationship(back_populates="versions")
    standards: Mapped[list[Standard]] = relationship(
        back_populates="framework_version", order_by="Standard.position", cascade="all, delete-orphan"
    )

    def standards_by_domain(self) -> dict[Domain, list[Standard]]:
        grouped: dict[Domain, list[Standard]] = {d: [] for d in Domain}
        for standard in self.standards:
            grouped[standard.domain].append(standard)
        return grouped


class Standard(db.Model):
    __tablename__ = "standards"
    __table_args__ = (sa.UniqueConstraint("framework_version_id", "code", name="one_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_version_id: Mapped[int] = mapped_column(sa.ForeignKey("framework_versions.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(16))
    domain: Mapped[Domain] = mapped_column(enum_column(Domain, "domain"))
    title: Mapped[str] = mapped_column(sa.String(200))
    prompt: Mapped[str] = mapped_column(sa.Text)
    steeep: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  #: STEEEP-L values (accreditation)
    position: Mapped[int] = mapped_column()

    framework_version: Mapped[FrameworkVersion] = relationship(back_populates="standards")
