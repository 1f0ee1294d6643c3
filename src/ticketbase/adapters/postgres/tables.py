"""Table definitions (SQLAlchemy Core). The schema itself is created by the alembic migrations;
these mirror it for building statements."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

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
