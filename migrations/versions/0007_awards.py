"""Awards: granted by a panel decision, suspended, reinstated, expired.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:30:00

"""
from alembic import op
import sqlalchemy as sa

import accredit.models_base  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('outstanding_team', 'excelling_team', name='award_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('status', sa.Enum('active', 'suspended', 'expired', name='award_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('validity_explanation', sa.Text(), nullable=False),
    sa.Column('scheme_version', sa.String(length=32), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('chair_name', sa.String(length=200), nullable=False),
    sa.Column('granted_at', accredit.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('ended_reason', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status != 'expired' OR (ended_on IS NOT NULL AND ended_reason IS NOT NULL)", name=op.f('ck_awards_expired_has_end')),
    sa.CheckConstraint('valid_until >= granted_on', name=op.f('ck_awards_valid_after_granted')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_awards_application_id_applications')),
    sa.ForeignKeyConstraint(['chair_id'], ['users.id'], name=op.f('fk_awards_chair_id_users')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_awards_granted_by_id_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_awards_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awards'))
    )
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awards_application_id'), ['application_id'], unique=False)
        batch_op.create_index('ix_awards_status_valid_until', ['status', 'valid_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_awards_team_id'), ['team_id'], unique=False)
        batch_op.create_index('uq_awards_current_team', ['team_id'], unique=True, sqlite_where=sa.text("status IN ('active', 'suspended')"), postgresql_where=sa.text("status IN ('active', 'suspended')"))

    op.create_table('award_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('domain', sa.Enum('safe', 'effective', 'caring', 'responsive', 'well_led', name='domain', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('rating', sa.Enum('inadequate', 'requires_improvement', 'good', 'outstanding', name='rating', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_award_ratings_award_id_awards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_ratings')),
    sa.UniqueConstraint('award_id', 'domain', name='one_award_rating_per_domain')
    )
    with op.batch_alter_table('award_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_ratings_award_id'), ['award_id'], unique=False)

    op.create_table('award_suspensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('suspended_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=True),
    sa.Column('suspended_by_id', sa.Integer(), nullable=True),
    sa.Column('reinstated_on', sa.Date(), nullable=True),
    sa.Column('reinstate_reason', sa.Text(), nullable=True),
    sa.Column('reinstated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('reinstated_on IS NULL OR reinstate_reason IS NOT NULL', name=op.f('ck_award_suspensions_reinstated_has_reason')),
    sa.CheckConstraint('reinstated_on IS NULL OR reinstated_on >= suspended_on', name=op.f('ck_award_suspensions_reinstated_after')),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_award_suspensions_award_id_awards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reinstated_by_id'], ['users.id'], name=op.f('fk_award_suspensions_reinstated_by_id_users')),
    sa.ForeignKeyConstraint(['suspended_by_id'], ['users.id'], name=op.f('fk_award_suspensions_suspended_by_id_users')),
    sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_award_suspensions_visit_id_visits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_award_suspensions'))
    )
    with op.batch_alter_table('award_suspensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_award_suspensions_award_id'), ['award_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_award_suspensions_visit_id'), ['visit_id'], unique=False)


def downgrade():
    with op.batch_alter_table('award_suspensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_suspensions_visit_id'))
        batch_op.drop_index(batch_op.f('ix_award_suspensions_award_id'))

    op.drop_table('award_suspensions')
    with op.batch_alter_table('award_ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_award_ratings_award_id'))

    op.drop_table('award_ratings')
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_index('uq_awards_current_team', sqlite_where=sa.text("status IN ('active', 'suspended')"), postgresql_where=sa.text("status IN ('active', 'suspended')"))
        batch_op.drop_index(batch_op.f('ix_awards_team_id'))
        batch_op.drop_index('ix_awards_status_valid_until')
        batch_op.drop_index(batch_op.f('ix_awards_application_id'))

    op.drop_table('awards')
