"""Scale: tell PostgreSQL's planner how many answers a self-assessment has.

ANALYZE samples 30,000 of the answers table's rows; the answers of one assessment lie together, so the sample
sees few of each and PostgreSQL took 63,000 distinct assessments in 17 million answers (270 answers each, not
28). Planning a join of a few hundred assessments to their answers, it then expected ten times the rows, chose a
parallel scan of every self-assessment and compiled the query with JIT: 150 ms instead of 18 ms for each chunk
of 500 in the Step-up sweep. A negative n_distinct is a fraction of the rows, so it stays right as the table
grows: every assessment has one answer per standard of its framework (27 to 34), about one row in 29.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 02:50:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":  # SQLite's planner keeps no such statistic
        op.execute("ALTER TABLE assessment_responses ALTER COLUMN assessment_id SET (n_distinct = -0.035)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE assessment_responses ALTER COLUMN assessment_id RESET (n_distinct)")
