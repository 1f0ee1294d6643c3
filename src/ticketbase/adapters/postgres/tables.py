"""Table definitions (SQLAlchemy Core). The schema itself is created by the alembic migrations;
these mirror it for building statements."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData()

organizations = Table(
    "organizations",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("slug", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("settings", JSONB, nullable=False),
    Column("branding", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

organization_domains = Table(
    "organization_domains",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("domain", Text, primary_key=True),
    Column("verified_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", Text, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("password_hash", Text),
    Column("is_platform_admin", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True)),
)

outbox = Table(
    "outbox",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("topic", Text, nullable=False),
    Column("payload", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("available_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Column("last_error", Text),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_id", Uuid),
    Column("action", Text, nullable=False),
    Column("target_type", Text, nullable=False),
    Column("target_id", Text),
    Column("ip", Text),
    Column("user_agent", Text),
    Column("request_id", Text),
    Column("changes", JSONB, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("role", Text, nullable=False),
    Column("department_id", Uuid),
    Column("grants", ARRAY(Text), nullable=False),
    Column("revokes", ARRAY(Text), nullable=False),
    Column("status", Text, nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("user_id", Uuid, nullable=False),
    Column("organization_id", Uuid),
    Column("refresh_token_hash", LargeBinary, nullable=False),
    Column("user_agent", Text),
    Column("ip", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_reason", Text),
)

rotated_refresh_tokens = Table(
    "rotated_refresh_tokens",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("session_id", Uuid, nullable=False),
    Column("rotated_at", DateTime(timezone=True), nullable=False),
)

one_time_tokens = Table(
    "one_time_tokens",
    metadata,
    Column("token_hash", LargeBinary, primary_key=True),
    Column("purpose", Text, nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("organization_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True)),
)

security_events = Table(
    "security_events",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("kind", Text, nullable=False),
    Column("user_id", Uuid),
    Column("organization_id", Uuid),
    Column("ip", Text),
    Column("user_agent", Text),
    Column("request_id", Text),
    Column("detail", JSONB, nullable=False),
)

departments = Table(
    "departments",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("parent_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("slug", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("venue", JSONB, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("timezone", Text, nullable=False),
    Column("capacity", Integer),
    Column("sold", Integer, nullable=False),
    Column("held", Integer, nullable=False),
    Column("sales_start_at", DateTime(timezone=True)),
    Column("sales_end_at", DateTime(timezone=True)),
    Column("metadata", JSONB, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("archived_at", DateTime(timezone=True)),
)

ticket_types = Table(
    "ticket_types",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("event_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("price_amount", BigInteger, nullable=False),
    Column("currency", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("sold", Integer, nullable=False),
    Column("held", Integer, nullable=False),
    Column("min_per_order", Integer, nullable=False),
    Column("max_per_order", Integer, nullable=False),
    Column("sales_start_at", DateTime(timezone=True)),
    Column("sales_end_at", DateTime(timezone=True)),
    Column("hidden", Boolean, nullable=False),
    Column("tax_rate", Integer, nullable=False),
    Column("tiers", JSONB, nullable=False),
    Column("position", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

promo_codes = Table(
    "promo_codes",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("event_id", Uuid, nullable=False),
    Column("code", Text, nullable=False),
    Column("discount_percent", Integer),
    Column("discount_amount", BigInteger),
    Column("currency", Text),
    Column("ticket_type_ids", ARRAY(Uuid)),
    Column("max_uses", Integer),
    Column("uses", Integer, nullable=False),
    Column("valid_from", DateTime(timezone=True)),
    Column("valid_until", DateTime(timezone=True)),
    Column("position", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("event_id", Uuid, nullable=False),
    Column("number", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("buyer_full_name", Text, nullable=False),
    Column("buyer_email", Text, nullable=False),
    Column("attendees", JSONB, nullable=False),
    Column("currency", Text, nullable=False),
    Column("subtotal", BigInteger, nullable=False),
    Column("discount", BigInteger, nullable=False),
    Column("fees", BigInteger, nullable=False),
    Column("tax", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("promo_code_id", Uuid),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("access_token_hash", LargeBinary, nullable=False),
    Column("paid_at", DateTime(timezone=True)),
    Column("payment_provider", Text),
    Column("payment_reference", Text),
    Column("refunded_amount", BigInteger, nullable=False),
    Column("refunded_at", DateTime(timezone=True)),
    Column("cancelled_at", DateTime(timezone=True)),
    Column("expired_at", DateTime(timezone=True)),
    Column("late_payment_refunded_at", DateTime(timezone=True)),
    Column("late_payment_reference", Text),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("buyer_email_hash", LargeBinary),
    Column("attendee_email_hashes", ARRAY(LargeBinary), nullable=False),
)

order_items = Table(
    "order_items",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("order_id", Uuid, primary_key=True),
    Column("line", Integer, primary_key=True),
    Column("ticket_type_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_price", BigInteger, nullable=False),
    Column("discount", BigInteger, nullable=False),
    Column("tax_rate", Integer, nullable=False),
    Column("tax", BigInteger, nullable=False),
    Column("total", BigInteger, nullable=False),
)

attendees = Table(
    "attendees",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("order_id", Uuid, nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("ticket_type_id", Uuid, nullable=False),
    Column("line", Integer, nullable=False),
    Column("full_name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("ticket_code", Text, nullable=False),
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("checked_in_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

order_counters = Table(
    "order_counters",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("last_number", BigInteger, nullable=False),
)

email_templates = Table(
    "email_templates",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("subject", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", Uuid),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("request_hash", LargeBinary, nullable=False),
    Column("status_code", Integer),
    Column("response", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

mail_sent = Table(
    "mail_sent",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("message_id", Uuid, primary_key=True),
    Column("sent_at", DateTime(timezone=True), nullable=False),
)


pages = Table(
    "pages",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("slug", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("current_version", Integer, nullable=False),
    Column("published_version", Integer),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

page_versions = Table(
    "page_versions",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("page_id", Uuid, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("data", JSONB, nullable=False),
    Column("title", Text, nullable=False),
    Column("seo", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", Uuid),
)

assets = Table(
    "assets",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("id", Uuid, primary_key=True),
    Column("filename", Text, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("object_key", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("created_by", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True)),
)

organization_storage = Table(
    "organization_storage",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("used_bytes", BigInteger, nullable=False),
)

installed_plugins = Table(
    "installed_plugins",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("plugin_id", Text, primary_key=True),
    Column("version", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("config", JSONB, nullable=False),
    Column("status", Text, nullable=False),
    Column("status_detail", Text),
    Column("requires", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

plugin_webhook_receipts = Table(
    "plugin_webhook_receipts",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("digest", LargeBinary, primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("organization_id", Uuid, primary_key=True),
    Column("plan", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("billing_provider", Text, nullable=False),
    Column("billing_reference", Text),
    Column("version", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
