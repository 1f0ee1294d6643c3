"""Retention of ended sessions and spent one-time tokens: the app role may delete them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("GRANT DELETE ON sessions, one_time_tokens TO ticketbase_app")
    op.execute("CREATE INDEX ix_sessions_expires_at ON sessions (expires_at)")
    op.execute("CREATE INDEX ix_one_time_tokens_expires_at ON one_time_tokens (expires_at)")


def downgrade() -> None:
    op.execute("DROP INDEX ix_one_time_tokens_expires_at")
    op.execute("DROP INDEX ix_sessions_expires_at")
    op.execute("REVOKE DELETE ON sessions, one_time_tokens FROM ticketbase_app")
