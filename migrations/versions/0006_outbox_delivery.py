"""Outbox delivery: the worker's cross-tenant claim and marks, as SECURITY DEFINER functions.

The outbox FORCEs row level security, so the app role sees one tenant's messages at a time. The
worker must see every tenant's due messages; like the other cross-tenant reads it goes through
functions owned by ``ticketbase_system`` (policies let that role, and only it, read and update
``outbox`` rows), never by turning row level security off:

- ``tb_outbox_claim(now, lease, limit)`` locks up to ``limit`` due, undelivered messages with
  ``FOR UPDATE SKIP LOCKED`` (so several workers never take the same one), leases them
  (``available_at = now + lease``), counts the attempt (``attempts + 1``) and returns them;
- ``tb_outbox_delivered(organization, id, now)`` stamps ``delivered_at``;
- ``tb_outbox_failed(organization, id, attempts, error, retry_at)`` records the error and
  the next try, only while the caller still holds the lease (``attempts`` unchanged since its
  claim); a NULL ``retry_at`` parks the message: ``available_at = 'infinity'``, still
  undelivered, never claimed again until an operator sets ``available_at`` back.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

CLAIM = """
CREATE FUNCTION tb_outbox_claim(p_now timestamptz, p_lease interval, p_limit integer)
RETURNS TABLE (organization_id uuid, id uuid, topic text, payload jsonb,
               created_at timestamptz, attempts integer)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH due AS (
    SELECT o.organization_id, o.id
    FROM outbox o
    WHERE o.delivered_at IS NULL AND o.available_at <= p_now
    ORDER BY o.available_at
    LIMIT LEAST(GREATEST(p_limit, 1), 500)
    FOR UPDATE SKIP LOCKED
  )
  UPDATE outbox o
  SET available_at = p_now + p_lease, attempts = o.attempts + 1
  FROM due
  WHERE o.organization_id = due.organization_id AND o.id = due.id
  RETURNING o.organization_id, o.id, o.topic, o.payload, o.created_at, o.attempts
$$
"""

DELIVERED = """
CREATE FUNCTION tb_outbox_delivered(p_organization_id uuid, p_id uuid, p_now timestamptz)
RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH marked AS (
    UPDATE outbox SET delivered_at = p_now
    WHERE organization_id = p_organization_id AND id = p_id AND delivered_at IS NULL
    RETURNING 1
  )
  SELECT count(*) > 0 FROM marked
$$
"""

FAILED = """
CREATE FUNCTION tb_outbox_failed(
    p_organization_id uuid, p_id uuid, p_attempts integer, p_error text, p_retry_at timestamptz
) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  WITH marked AS (
    UPDATE outbox
    SET last_error = left(p_error, 2000),
        available_at = COALESCE(p_retry_at, 'infinity'::timestamptz)
    WHERE organization_id = p_organization_id AND id = p_id AND delivered_at IS NULL
      AND attempts = p_attempts
    RETURNING 1
  )
  SELECT count(*) > 0 FROM marked
$$
"""

FUNCTIONS = (
    "tb_outbox_claim(timestamptz, interval, integer)",
    "tb_outbox_delivered(uuid, uuid, timestamptz)",
    "tb_outbox_failed(uuid, uuid, integer, text, timestamptz)",
)

UPGRADE = [
    "CREATE POLICY system_read ON outbox FOR SELECT TO ticketbase_system USING (true)",
    "CREATE POLICY system_deliver ON outbox FOR UPDATE TO ticketbase_system "
    "USING (true) WITH CHECK (true)",
    "GRANT SELECT, UPDATE ON outbox TO ticketbase_system",
    CLAIM,
    DELIVERED,
    FAILED,
    *[
        stmt
        for function in FUNCTIONS
        for stmt in (
            f"ALTER FUNCTION {function} OWNER TO ticketbase_system",
            f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {function} TO ticketbase_app",
        )
    ],
]

DOWNGRADE = [
    *[f"DROP FUNCTION {function}" for function in FUNCTIONS],
    "REVOKE SELECT, UPDATE ON outbox FROM ticketbase_system",
    "DROP POLICY system_deliver ON outbox",
    "DROP POLICY system_read ON outbox",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
