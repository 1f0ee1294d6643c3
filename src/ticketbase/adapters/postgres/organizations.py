"""Organizations in PostgreSQL: the tenant's own row and its custom domains, plus row mapping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from ticketbase.adapters.postgres.tables import organization_domains, organizations
from ticketbase.application.ports.cache import ANY_ORGANIZATION, organization_tag
from ticketbase.domain.identity.organization import (
    Branding,
    CustomDomain,
    Organization,
    OrganizationSettings,
    OrganizationStatus,
)
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.shared.values import Slug


class PostgresOrganizationRepository:
    def __init__(self, connection: AsyncConnection, changes: set[str]) -> None:
        self._c = connection
        self._changes = changes

    async def get(self) -> Organization | None:
        # Row level security leaves exactly the current tenant's row visible.
        row = (await self._c.execute(select(organizations))).mappings().first()
        if row is None:
            return None
        domains = (
            await self._c.execute(
                select(organization_domains).order_by(organization_domains.c.domain)
            )
        ).mappings()
        return organization_from_row(
            row, [{"name": d["domain"], "verifiedAt": d["verified_at"]} for d in domains]
        )

    async def add(self, organization: Organization) -> None:
        await self._c.execute(insert(organizations).values(**_columns(organization)))
        await self._write_domains(organization)

    async def save(self, organization: Organization) -> None:
        result = await self._c.execute(
            update(organizations)
            .where(organizations.c.id == organization.id)
            .where(organizations.c.version == organization.version - 1)
            .values(**_columns(organization))
        )
        if result.rowcount != 1:
            raise StaleVersion("the organization was changed meanwhile; reload and retry")
        await self._write_domains(organization)

    async def _write_domains(self, organization: Organization) -> None:
        # Every write of the organization passes here: name, slug, status and domains all
        # decide what a storefront host resolves to.
        self._changes.update((organization_tag(organization.id), ANY_ORGANIZATION))
        names = [d.name for d in organization.custom_domains]
        await self._c.execute(
            delete(organization_domains).where(organization_domains.c.domain.not_in(names))
        )
        if not names:
            return
        statement = pg_insert(organization_domains).values(
            [
                {
                    "organization_id": organization.id,
                    "domain": d.name,
                    "verified_at": d.verified_at,
                    "created_at": organization.updated_at,
                }
                for d in organization.custom_domains
            ]
        )
        await self._c.execute(
            statement.on_conflict_do_update(
                index_elements=["organization_id", "domain"],
                set_={"verified_at": statement.excluded.verified_at},
            )
        )


def _columns(organization: Organization) -> dict[str, Any]:
    s, b = organization.settings, organization.branding
    return {
        "id": organization.id,
        "name": organization.name,
        "slug": organization.slug.value,
        "status": organization.status.value,
        "settings": {
            "timezone": s.timezone,
            "currency": s.currency,
            "locale": s.locale,
            "supportEmail": s.support_email,
            "allowedOrigins": list(s.allowed_origins),
        },
        "branding": {
            "logoAssetId": str(b.logo_asset_id) if b.logo_asset_id else None,
            "primaryColor": b.primary_color,
            "accentColor": b.accent_color,
        },
        "version": organization.version,
        "created_at": organization.created_at,
        "updated_at": organization.updated_at,
    }


def organization_from_row(row: Mapping[Any, Any], domains: list[Mapping[str, Any]]) -> Organization:
    s, b = row["settings"], row["branding"]
    return Organization(
        id=OrganizationId(row["id"]),
        name=row["name"],
        slug=Slug(row["slug"]),
        status=OrganizationStatus(row["status"]),
        settings=OrganizationSettings(
            timezone=s.get("timezone", "UTC"),
            currency=s.get("currency", "EUR"),
            locale=s.get("locale", "en"),
            support_email=s.get("supportEmail"),
            allowed_origins=tuple(s.get("allowedOrigins", ())),
        ),
        branding=Branding(
            logo_asset_id=UUID(b["logoAssetId"]) if b.get("logoAssetId") else None,
            primary_color=b.get("primaryColor"),
            accent_color=b.get("accentColor"),
        ),
        custom_domains=tuple(
            CustomDomain(d["name"], _timestamp(d.get("verifiedAt"))) for d in domains
        ),
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _timestamp(value: datetime | str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)
