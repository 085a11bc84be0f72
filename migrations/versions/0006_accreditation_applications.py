"""Accreditation applications: portfolio, pre-panel, panel, decisions, appeals.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 22:30:00

A confirmed panel decision is immutable: triggers refuse any UPDATE or DELETE of `panel_decisions`, and of the
`panel_members` rows of a sitting that has a decision (members, declarations, recusals as they were).
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

import accredit.models_base  # noqa: F401  (UTCDateTime columns)


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

IMMUTABLE = "a confirmed panel decision cannot be changed: record a new, linked decision instead"
#: panel_members rows of a sitting that has a confirmed decision
DECIDED_SEAT = ("OLD.stage = 'panel' AND EXISTS (SELECT 1 FROM panel_decisions d "
                "WHERE d.application_id = OLD.application_id AND d.sitting = OLD.sitting)")


def upgrade():
    op.create_table('panel_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('sitting', sa.Integer(), nullable=False),
    sa.Column('panel_date', sa.Date(), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('members', sa.JSON(), nullable=False),
    sa.Column('ratings', sa.JSON(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('inputs', sa.JSON(), nullable=False),
    sa.Column('scheme_version', sa.String(length=32), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('appeal_deadline', sa.Date(), nullable=False),
    sa.Column('confirmed_at', accredit.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('corrects_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_panel_decisions_application_id_applications')),
    sa.ForeignKeyConstraint(['chair_id'], ['users.id'], name=op.f('fk_panel_decisions_chair_id_users')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_panel_decisions_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['corrects_id'], ['panel_decisions.id'], name=op.f('fk_panel_decisions_corrects_id_panel_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_decisions')),
    sa.UniqueConstraint('application_id', 'sitting', name='one_decision_per_sitting')
    )
    with op.batch_alter_table('panel_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_decisions_application_id'), ['application_id'], unique=False)

    op.create_table('panel_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('pre_panel', 'panel', name='panel_stage', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('sitting', sa.Integer(), nullable=False),
    sa.Column('is_chair', sa.Boolean(), nullable=False),
    sa.Column('from_outside_division', sa.Boolean(), nullable=False),
    sa.Column('conflict_override_reason', sa.Text(), nullable=True),
    sa.Column('declaration', sa.Text(), nullable=True),
    sa.Column('recused', sa.Boolean(), nullable=False),
    sa.Column('recusal_reason', sa.Text(), nullable=True),
    sa.Column('assigned_at', accredit.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("stage = 'panel' OR NOT is_chair", name=op.f('ck_panel_members_chair_sits_on_panel')),
    sa.CheckConstraint('NOT recused OR recusal_reason IS NOT NULL', name=op.f('ck_panel_members_recusal_has_reason')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_panel_members_application_id_applications')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_panel_members_assigned_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_panel_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_members')),
    sa.UniqueConstraint('application_id', 'user_id', 'stage', 'sitting', name='one_seat')
    )
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_members_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_members_user_id'), ['user_id'], unique=False)

    op.create_table('portfolio_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('updated_at', accredit.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_portfolio_entries_application_id_applications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_portfolio_entries_standard_id_standards')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_portfolio_entries_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portfolio_entries')),
    sa.UniqueConstraint('application_id', 'standard_id', name='one_entry_per_standard')
    )
    with op.batch_alter_table('portfolio_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_entries_application_id'), ['application_id'], unique=False)

    op.create_table('prepanel_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.Enum('robust', 'needs_more', name='prepanel_verdict', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', accredit.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("verdict = 'robust' OR comment != ''", name=op.f('ck_prepanel_reviews_needs_more_says_what')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_prepanel_reviews_application_id_applications')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_prepanel_reviews_reviewer_id_users')),
    sa.ForeignKeyConstraint(['standard_id'], ['standards.id'], name=op.f('fk_prepanel_reviews_standard_id_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prepanel_reviews')),
    sa.UniqueConstraint('application_id', 'standard_id', 'round', name='one_verdict_per_round')
    )
    with op.batch_alter_table('prepanel_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prepanel_reviews_application_id'), ['application_id'], unique=False)

    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('lodged_on', sa.Date(), nullable=False),
    sa.Column('lodged_at', accredit.models_base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lodged_by_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('upheld', 'dismissed', name='appeal_outcome', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('outcome_reason', sa.Text(), nullable=True),
    sa.Column('decided_at', accredit.models_base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('outcome IS NULL OR (outcome_reason IS NOT NULL AND decided_at IS NOT NULL)', name=op.f('ck_appeals_resolved_has_reason')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_appeals_application_id_applications')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_appeals_decided_by_id_users')),
    sa.ForeignKeyConstraint(['decision_id'], ['panel_decisions.id'], name=op.f('fk_appeals_decision_id_panel_decisions')),
    sa.ForeignKeyConstraint(['lodged_by_id'], ['users.id'], name=op.f('fk_appeals_lodged_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_application_id'), ['application_id'], unique=False)

    op.create_table('portfolio_evidence',
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['portfolio_entries.id'], name=op.f('fk_portfolio_evidence_entry_id_portfolio_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_id'], ['evidence.id'], name=op.f('fk_portfolio_evidence_evidence_id_evidence')),
    sa.PrimaryKeyConstraint('entry_id', 'evidence_id', name=op.f('pk_portfolio_evidence'))
    )
    with op.batch_alter_table('portfolio_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_portfolio_evidence_evidence_id'), ['evidence_id'], unique=False)

    # Existing applications get round 0 and sitting 1; the defaults are dropped after (the models set them).
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('framework_version_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('started_at', accredit.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', accredit.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('assured_at', accredit.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('decided_at', accredit.models_base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('round', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('sitting', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('panel_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('return_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_applications_framework_version_id_framework_versions'), 'framework_versions', ['framework_version_id'], ['id'])
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.alter_column('round', server_default=None)
        batch_op.alter_column('sitting', server_default=None)

    _create_immutability_triggers()


def _create_immutability_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION panel_record_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{IMMUTABLE}'; END $$""")
        op.execute("CREATE TRIGGER panel_decisions_immutable BEFORE UPDATE OR DELETE ON panel_decisions "
                   "FOR EACH ROW EXECUTE FUNCTION panel_record_refuse()")
        # A trigger's WHEN cannot hold a subquery in PostgreSQL: the function looks for the decision itself.
        op.execute(f"""
            CREATE FUNCTION panel_member_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF {DECIDED_SEAT} THEN RAISE EXCEPTION '{IMMUTABLE}'; END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$""")
        op.execute("CREATE TRIGGER panel_members_decided BEFORE UPDATE OR DELETE ON panel_members "
                   "FOR EACH ROW EXECUTE FUNCTION panel_member_refuse()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER panel_decisions_no_{verb.lower()} BEFORE {verb} ON panel_decisions "
                       f"BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END")
            op.execute(f"CREATE TRIGGER panel_members_decided_no_{verb.lower()} BEFORE {verb} ON panel_members "
                       f"WHEN {DECIDED_SEAT} BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END")


def _drop_immutability_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS panel_decisions_immutable ON panel_decisions")
        op.execute("DROP TRIGGER IF EXISTS panel_members_decided ON panel_members")
        op.execute("DROP FUNCTION IF EXISTS panel_record_refuse()")
        op.execute("DROP FUNCTION IF EXISTS panel_member_refuse()")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS panel_decisions_no_{verb}")
            op.execute(f"DROP TRIGGER IF EXISTS panel_members_decided_no_{verb}")


def downgrade():
    _drop_immutability_triggers()
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_applications_framework_version_id_framework_versions'), type_='foreignkey')
        for column in ('return_reason', 'panel_date', 'sitting', 'round', 'decided_at', 'assured_at', 'submitted_at',
                       'started_at', 'framework_version_id'):
            batch_op.drop_column(column)
    with op.batch_alter_table('portfolio_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_evidence_evidence_id'))
    op.drop_table('portfolio_evidence')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_application_id'))
    op.drop_table('appeals')
    with op.batch_alter_table('prepanel_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prepanel_reviews_application_id'))
    op.drop_table('prepanel_reviews')
    with op.batch_alter_table('portfolio_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portfolio_entries_application_id'))
    op.drop_table('portfolio_entries')
    with op.batch_alter_table('panel_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_panel_members_application_id'))
    op.drop_table('panel_members')
    with op.batch_alter_table('panel_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_decisions_application_id'))
    op.drop_table('panel_decisions')
