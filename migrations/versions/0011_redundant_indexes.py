"""Scale: drop two indexes that repeat the leading column of a unique constraint.

`ix_assessment_responses_assessment_id` repeats `one_per_standard (assessment_id, standard_id)` and
`ix_self_assessments_team_id` repeats `one_per_period (team_id, period_start)`: every lookup by the one column
uses the constraint's index, and every answer written (270,000 when a 10,000-team trust's periods open) no
longer updates a third index.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 02:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

REDUNDANT = (("assessment_responses", "assessment_id"), ("self_assessments", "team_id"))


def upgrade():
    for table, column in REDUNDANT:
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade():
    for table, column in REDUNDANT:
        op.create_index(f"ix_{table}_{column}", table, [column])
