"""Hold expiry: the worker's cross-tenant look for lapsed holds, and the indexes that serve it.

A pending order holds its tickets until ``expires_at``; then the worker (``ExpireHolds``) or a
checkout that found the stock short (``free_lapsed_holds``) expires it and gives its tickets
back, each in the order's own tenant transaction.

**The door.** ``orders`` FORCEs row level security, so the app role sees one tenant's orders at
a time; the worker must find every tenant's lapsed holds. Like the outbox claim (0006) it goes
through a SECURITY DEFINER function owned by ``ticketbase_system``, and this one is as narrow as
it can be: ``tb_orders_due_for_expiry(now, limit)`` returns only ``(organization_id, id)`` of
pending orders whose ``expires_at <= now`` (oldest first, at most 500), nothing else of them.
It locks what it returns ``FOR UPDATE SKIP LOCKED`` so that concurrent sweepers (and a payment
or checkout busy with an order) spread over different rows instead of queueing on the same
ones; the lock lasts only as long as the caller's short transaction, so it is not what keeps
an order from being expired twice: the tenant transaction re-reads the order ``FOR NO KEY
UPDATE`` and expires it only while it is still pending. The system role may read orders and
lock them, never change them: its UPDATE policy's check is ``false`` and it holds the UPDATE
privilege on ``status`` alone, which ``FOR UPDATE`` requires.

**The indexes.** The sweep is one global scan: "the oldest pending holds, whoever owns them",
so its index is not led by ``organization_id`` (the house rule for tenant reads): a partial
index ``ix_orders_pending_expiry (expires_at) WHERE status = 'pending'`` holds only the orders
that can still lapse (paid, cancelled and expired ones leave it at their update), so the scan
reads due entries in order and stops at the limit, however many orders the platform has. A
checkout that found the stock short looks for the lapsed holds of one event, a tenant read:
``ix_orders_pending_by_event (organization_id, event_id, expires_at) WHERE status =
'pending'``. Both replace 0007's ``ix_orders_hold_expiry (organization_id, status,
expires_at)``, which served a per-tenant sweep that nothing runs: dropping it keeps the
checkout's insert at the same number of index writes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DUE = """
CREATE FUNCTION tb_orders_due_for_expiry(p_now timestamptz, p_limit integer)
RETURNS TABLE (organization_id uuid, id uuid)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT o.organization_id, o.id
  FROM orders o
  WHERE o.status = 'pending' AND o.expires_at <= p_now
  ORDER BY o.expires_at
  LIMIT LEAST(GREATEST(p_limit, 1), 500)
  FOR UPDATE SKIP LOCKED
$$
"""

FUNCTION = "tb_orders_due_for_expiry(timestamptz, integer)"

UPGRADE = [
    "CREATE INDEX ix_orders_pending_expiry ON orders (expires_at) WHERE status = 'pending'",
    "CREATE INDEX ix_orders_pending_by_event ON orders (organization_id, event_id, expires_at) "
    "WHERE status = 'pending'",
    "DROP INDEX ix_orders_hold_expiry",
    "CREATE POLICY system_read ON orders FOR SELECT TO ticketbase_system USING (true)",
    # FOR UPDATE needs an UPDATE policy to see the row; its check lets no change through.
    "CREATE POLICY system_lock ON orders FOR UPDATE TO ticketbase_system "
    "USING (true) WITH CHECK (false)",
    "GRANT SELECT, UPDATE (status) ON orders TO ticketbase_system",
    DUE,
    f"ALTER FUNCTION {FUNCTION} OWNER TO ticketbase_system",
    f"REVOKE ALL ON FUNCTION {FUNCTION} FROM PUBLIC",
    f"GRANT EXECUTE ON FUNCTION {FUNCTION} TO ticketbase_app",
]

DOWNGRADE = [
    f"DROP FUNCTION {FUNCTION}",
    "REVOKE SELECT, UPDATE (status) ON orders FROM ticketbase_system",
    "DROP POLICY system_lock ON orders",
    "DROP POLICY system_read ON orders",
    "CREATE INDEX ix_orders_hold_expiry ON orders (organization_id, status, expires_at)",
    "DROP INDEX ix_orders_pending_by_event",
    "DROP INDEX ix_orders_pending_expiry",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
