"""Encryption at rest of the buyer's personal fields, and lookups by keyed hash.

An order's ``buyer_full_name``, ``buyer_email`` and named ``attendees`` are stored as AES-GCM
ciphertexts carrying their key id (adapters/security/field_cipher.py); ``attendees`` becomes a
JSON string holding the ciphertext of the list. A ciphertext cannot be searched, so:

- ``buyer_email_hash``: HMAC-SHA256 of the normalised email under the lookup key, for the staff
  list's email filter: ``ix_orders_buyer_email_hash (organization_id, buyer_email_hash, id DESC)``
  replaces 0011's ``ix_orders_buyer_email`` with the same shape;
- ``attendee_email_hashes``: the same hashes of the named attendees, for privacy requests
  (rare: read by a scan of the tenant's orders, no index to pay for at every checkout).

Rows written before this revision stay in clear until ``ticketbase rotate-keys`` encrypts them
(the hash is NULL until then): readers accept both, and the email filter finds those rows by the
clear column on a partial index that only they are in (it empties as rotation proceeds).

Attendees (tickets) stay in clear: staff search them by any part of a name or email
(``GET /api/events/{id}/attendees?q=``), which a ciphertext cannot answer.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE orders ADD COLUMN buyer_email_hash bytea")
    op.execute("ALTER TABLE orders ADD COLUMN attendee_email_hashes bytea[] NOT NULL DEFAULT '{}'")
    op.execute(
        "CREATE INDEX ix_orders_buyer_email_hash ON orders"
        " (organization_id, buyer_email_hash, id DESC) WHERE buyer_email_hash IS NOT NULL"
    )
    op.execute("DROP INDEX ix_orders_buyer_email")
    op.execute(
        "CREATE INDEX ix_orders_buyer_email_clear ON orders (organization_id, buyer_email, id DESC)"
        " WHERE buyer_email_hash IS NULL"
    )


def downgrade() -> None:
    # Ciphertexts cannot be decrypted here (the keys are the application's): a downgrade of a
    # database holding encrypted rows would leave them unreadable to the older code, so refuse.
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM orders WHERE buyer_email_hash IS NOT NULL) THEN"
        " RAISE EXCEPTION 'orders hold encrypted personal fields: decrypt them before"
        " downgrading below 0018'; END IF; END $$"
    )
    op.execute("DROP INDEX ix_orders_buyer_email_clear")
    op.execute(
        "CREATE INDEX ix_orders_buyer_email ON orders (organization_id, buyer_email, id DESC)"
    )
    op.execute("DROP INDEX ix_orders_buyer_email_hash")
    op.execute("ALTER TABLE orders DROP COLUMN attendee_email_hashes")
    op.execute("ALTER TABLE orders DROP COLUMN buyer_email_hash")
