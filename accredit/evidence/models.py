"""Evidence: a file in one team's library, stored once by content hash, with a title and a review-by date."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accredit.evidence.kinds import label_for
from accredit.extensions import db
from accredit.models_base import UTCDateTime, utcnow


class Evidence(db.Model):
    __tablename__ = "evidence"
    __table_args__ = (
        sa.CheckConstraint("size_bytes > 0", name="not_empty"),
        sa.CheckConstraint("length(content_hash) = 64", name="hash_is_sha256"),
        sa.CheckConstraint("purged_at IS NULL OR deleted_at IS NOT NULL", name="purged_only_if_deleted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    #: the uploader's file name, cleaned; shown and offered as the download name, never used as a path
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_hash: Mapped[str] = mapped_column(sa.String(64), index=True)  #: SHA-256 hex: the blob's name in storage
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    media_type: Mapped[str] = mapped_column(sa.String(100))  #: what the content check decided, never the name
    review_by: Mapped[date | None] = mapped_column(sa.Date)  #: after this date the evidence shows as stale
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  #: None for the system
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  #: soft delete: the row stays for the links
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  #: None for the system
    delete_reason: Mapped[str | None] = mapped_column(sa.Text)  #: why it was deleted, as the person gave it
    #: when the retention sweep removed the file and the row's content (title, name); the audit records stay
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)  #: optimistic lock for edits

    team = relationship("Team")
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    deleted_by = relationship("User", foreign_keys=[deleted_by_id])

    __mapper_args__ = {"version_id_col": version}

    def is_stale(self, today: date) -> bool:
        """True once the review-by date has passed."""
        return self.review_by is not None and self.review_by < today

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def kind_label(self) -> str:
        return label_for(self.media_type)

    def __repr__(self) -> str:
        return f"<Evidence {self.id} {self.title!r}>"
