"""verifications, their denial reasons, and API keys

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 02:50:11.733404

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('prefix')
    )
    op.create_table('verifications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('request_digest', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('cached', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('program', sa.String(length=16), nullable=True),
    sa.Column('carrier', sa.String(length=100), nullable=True),
    sa.Column('determination', sa.String(length=32), nullable=True),
    sa.Column('rule_module', sa.String(length=64), nullable=True),
    sa.Column('rule_version', sa.String(length=64), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_keys.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('api_key_id', 'idempotency_key', name='uq_verifications_idempotency')
    )
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.create_index('ix_verifications_created_at', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_verifications_determination'), ['determination'], unique=False)
        batch_op.create_index('ix_verifications_fingerprint_status', ['fingerprint', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_verifications_program'), ['program'], unique=False)
        batch_op.create_index(batch_op.f('ix_verifications_status'), ['status'], unique=False)

    op.create_table('verification_denials',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('verification_id', sa.Uuid(), nullable=False),
    sa.Column('carc', sa.String(length=8), nullable=False),
    sa.Column('rarc', sa.String(length=8), nullable=True),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['verification_id'], ['verifications.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('verification_denials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_verification_denials_carc'), ['carc'], unique=False)
        batch_op.create_index(batch_op.f('ix_verification_denials_verification_id'), ['verification_id'], unique=False)



def downgrade():
    with op.batch_alter_table('verification_denials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verification_denials_verification_id'))
        batch_op.drop_index(batch_op.f('ix_verification_denials_carc'))

    op.drop_table('verification_denials')
    with op.batch_alter_table('verifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_verifications_status'))
        batch_op.drop_index(batch_op.f('ix_verifications_program'))
        batch_op.drop_index('ix_verifications_fingerprint_status')
        batch_op.drop_index(batch_op.f('ix_verifications_determination'))
        batch_op.drop_index('ix_verifications_created_at')

    op.drop_table('verifications')
    op.drop_table('api_keys')
