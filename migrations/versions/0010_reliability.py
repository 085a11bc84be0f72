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
    pass


def downgrade():
    pass
