"""verifications.program holds up to 32 characters: "medicare_advantage" is 18

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.alter_column('program', existing_type=sa.String(length=16), type_=sa.String(length=32), existing_nullable=True)


def downgrade():
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.alter_column('program', existing_type=sa.String(length=32), type_=sa.String(length=16), existing_nullable=True)
