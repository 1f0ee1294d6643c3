"""An index for the sweep of lately ended sessions.

Every server process asks every few seconds which sessions ended since its last look
(``revoked_at >= $1``, ``application/identity/check_session.py``); without an index that is a
scan of the whole sessions table each time. Partial: only ended sessions are ever asked for.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX ix_sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_sessions_revoked_at")
