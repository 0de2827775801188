"""eligibility inquiries: each 270 sent to a payer through the clearinghouse for a verification, and its 271

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'eligibility_inquiries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('verification_id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('adapter', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('dedupe_key', sa.String(length=64), nullable=True),
        sa.Column('joined_inquiry_id', sa.Integer(), nullable=True),
        sa.Column('payload_id', sa.String(length=64), nullable=True),
        sa.Column('interchange_control', sa.String(length=16), nullable=True),
        sa.Column('response_interchange_control', sa.String(length=16), nullable=True),
        sa.Column('response_transaction_control', sa.String(length=16), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failure_kind', sa.String(length=32), nullable=True),
        sa.Column('failure_detail', sa.String(length=500), nullable=True),
        sa.Column('response_271', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['joined_inquiry_id'], ['eligibility_inquiries.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['verification_id'], ['verifications.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('eligibility_inquiries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eligibility_inquiries_verification_id'), ['verification_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eligibility_inquiries_dedupe_key'), ['dedupe_key'], unique=False)


def downgrade():
    with op.batch_alter_table('eligibility_inquiries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eligibility_inquiries_dedupe_key'))
        batch_op.drop_index(batch_op.f('ix_eligibility_inquiries_verification_id'))
    op.drop_table('eligibility_inquiries')
