"""the clinic's name, NPI, TIN, address and phone, set by an admin on the settings page (the environment fills the rest)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('clinic_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('npi', sa.String(length=10), nullable=True),
    sa.Column('tin', sa.String(length=11), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    # The one row, all unset: saving settings is then always an update, never a race to insert it.
    op.bulk_insert(table, [{'id': 1}])


def downgrade():
    op.drop_table('clinic_settings')
