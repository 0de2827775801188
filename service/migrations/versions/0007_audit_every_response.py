"""the audit trail records every response that shows patient data: its route, the batch or list's filters, and the client's address

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 18:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('endpoint', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('batch_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('query', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('remote_addr', sa.String(length=45), nullable=True))
        batch_op.alter_column('verification_id', existing_type=sa.Uuid(), nullable=True)
        batch_op.create_index(batch_op.f('ix_audit_events_batch_id'), ['batch_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_batch_id'))
        batch_op.alter_column('verification_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column('remote_addr')
        batch_op.drop_column('query')
        batch_op.drop_column('batch_id')
        batch_op.drop_column('endpoint')
