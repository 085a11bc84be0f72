"""The evidence library: files in a team's library, checked by content and stored by SHA-256.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 19:22:17.324319

"""
from alembic import op
import sqlalchemy as sa

import accredit.models_base  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('review_by', sa.Date(), nullable=True),
    sa.Column('uploaded_at', accredit.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('deleted_at', accredit.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('length(content_hash) = 64', name=op.f('ck_evidence_hash_is_sha256')),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_evidence_not_empty')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_evidence_team_id_teams')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence'))
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_content_hash'), ['content_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_team_id'), ['team_id'], unique=False)



def downgrade():
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_team_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_content_hash'))

    op.drop_table('evidence')
