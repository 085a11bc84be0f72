"""Reliability and security: evidence soft delete, token revocation.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 22:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import accredit.models_base  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    _evidence_soft_delete_upgrade()


def downgrade():
    _evidence_soft_delete_downgrade()


# --- Evidence soft delete and retention (reliability) -------------------------------------------------------------

def _evidence_soft_delete_upgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delete_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('purged_at', accredit.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_evidence_deleted_by_id_users'), 'users', ['deleted_by_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_evidence_purged_only_if_deleted'),
                                         'purged_at IS NULL OR deleted_at IS NOT NULL')


def _evidence_soft_delete_downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_evidence_purged_only_if_deleted'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_evidence_deleted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('purged_at')
        batch_op.drop_column('delete_reason')
        batch_op.drop_column('deleted_by_id')
