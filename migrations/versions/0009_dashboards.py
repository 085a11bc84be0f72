"""Dashboards: the trust's accreditation target.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 22:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import accredit.models_base  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('accreditation_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('percentage', sa.Integer(), nullable=False),
    sa.Column('award_kind', sa.String(length=32), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('set_at', accredit.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("award_kind IN ('outstanding_team', 'excelling_team')", name=op.f('ck_accreditation_targets_known_award_kind')),
    sa.CheckConstraint('percentage >= 1 AND percentage <= 100', name=op.f('ck_accreditation_targets_percentage_in_range')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_accreditation_targets_set_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accreditation_targets'))
    )


def downgrade():
    op.drop_table('accreditation_targets')
