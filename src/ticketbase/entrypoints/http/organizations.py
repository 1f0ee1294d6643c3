"""Organizations: staff read and update their own, platform admins list all, the public
resolves a storefront's domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get, put
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from ticketbase.application.context import Actor
from ticketbase.application.identity.get_organization import GetOrganization
from ticketbase.application.identity.list_organizations import ListOrganizations
from ticketbase.application.identity.resolve_organization import ResolveOrganization
from ticketbase.application.identity.update_organization import (
    UpdateOrganization,
    UpdateOrganizationCommand,
)
from ticketbase.domain.identity.organization import Branding, Organization, OrganizationSettings
from ticketbase.domain.shared.errors import NotFound
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.entrypoints.http.caching import cached_json
from ticketbase.entrypoints.http.pagination import next_cursor, page_request
from ticketbase.entrypoints.http.response_cache import ANONYMOUS
from ticketbase.entrypoints.http.versioning import expected_version
from ticketbase.entrypoints.http.wire import BEARER, PageResponse, Wire


class SettingsWire(Wire):
    timezone: str = "UTC"
    currency: str = "EUR"
    locale: str = "en"
    support_email: str | None = None
    allowed_origins: list[str] = msgspec.field(default_factory=list)


class BrandingWire(Wire):
    logo_asset_id: UUID | None = None
    primary_color: str | None = None
    accent_color: str | None = None


class CustomDomainWire(Wire):
    name: str
    verified: bool
    verified_at: datetime | None


class OrganizationResponse(Wire):
    id: UUID
    name: str
    slug: str
    status: str
    settings: SettingsWire
    branding: BrandingWire
    custom_domains: list[CustomDomainWire]
    version: int
    created_at: datetime
    updated_at: datetime


class PublicSettingsWire(Wire):
    locale: str
    currency: str
    timezone: str


class PublicOrganizationResponse(Wire):
    id: UUID
    name: str
    slug: str
    branding: BrandingWire
    settings: PublicSettingsWire


class OrganizationPage(PageResponse):
    items: list[OrganizationResponse]


class UpdateOrganizationRequest(Wire):
    name: str | msgspec.UnsetType = msgspec.UNSET
    settings: SettingsWire | msgspec.UnsetType = msgspec.UNSET
    branding: BrandingWire | msgspec.UnsetType = msgspec.UNSET
    custom_domains: list[str] | msgspec.UnsetType = msgspec.UNSET
    version: int | msgspec.UnsetType = msgspec.UNSET


def _branding(b: Branding) -> BrandingWire:
    return BrandingWire(
        logo_asset_id=b.logo_asset_id, primary_color=b.primary_color, accent_color=b.accent_color
    )


def organization_response(o: Organization) -> OrganizationResponse:
    s = o.settings
    return OrganizationResponse(
        id=o.id,
        name=o.name,
        slug=o.slug.value,
        status=o.status.value,
        settings=SettingsWire(
            timezone=s.timezone,
            currency=s.currency,
            locale=s.locale,
            support_email=s.support_email,
            allowed_origins=list(s.allowed_origins),
        ),
        branding=_branding(o.branding),
        custom_domains=[
            CustomDomainWire(name=d.name, verified=d.verified, verified_at=d.verified_at)
            for d in o.custom_domains
        ],
        version=o.version,
        created_at=o.created_at,
        updated_at=o.updated_at,
    )


def _public(o: Organization) -> PublicOrganizationResponse:
    s = o.settings
    return PublicOrganizationResponse(
        id=o.id,
        name=o.name,
        slug=o.slug.value,
        branding=_branding(o.branding),
        settings=PublicSettingsWire(locale=s.locale, currency=s.currency, timezone=s.timezone),
    )


def _update_command(
    organization_id: OrganizationId, data: UpdateOrganizationRequest, version: int | None
) -> UpdateOrganizationCommand:
    def given(value: Any) -> Any:
        return None if value is msgspec.UNSET else value

    settings, branding = given(data.settings), given(data.branding)
    return UpdateOrganizationCommand(
        organization_id=organization_id,
        expected_version=version,
        name=given(data.name),
        settings=None
        if settings is None
        else OrganizationSettings(
            timezone=settings.timezone,
            currency=settings.currency,
            locale=settings.locale,
            support_email=settings.support_email,
            allowed_origins=tuple(settings.allowed_origins),
        ),
        branding=None
        if branding is None
        else Branding(
            logo_asset_id=branding.logo_asset_id,
            primary_color=branding.primary_color,
            accent_color=branding.accent_color,
        ),
        custom_domains=given(data.custom_domains),
    )


class OrganizationController(Controller):
    path = "/api/organizations"
    tags = ["organizations"]

    @get("/", security=BEARER, summary="List every organization (platform admins)")
    async def list_organizations(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListOrganizations],
        q: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int | None, QueryParameter(ge=1, le=200)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> OrganizationPage:
        page = await use_case(q, page_request(limit, cursor), actor)
        return OrganizationPage(
            items=[organization_response(o) for o in page.items], next_cursor=next_cursor(page)
        )

    @get(
        "/by-domain",
        summary="Resolve a storefront's domain (public)",
        description="With no `domain`, the tenant comes from `X-Organization` or the Host. "
        "The answer carries an `ETag`; `If-None-Match` with it answers 304 without a body.",
        responses={
            200: ResponseSpec(
                PublicOrganizationResponse,
                description="The public profile (with `ETag` and `Cache-Control`)",
                generate_examples=False,
            ),
            304: ResponseSpec(None, description="Not modified: the `If-None-Match` tag matches"),
        },
        opt={"response_cache": ANONYMOUS},  # see entrypoints/http/response_cache.py
    )
    async def by_domain(
        self,
        request: Request[Any, Any, Any],
        use_case: FromDishka[ResolveOrganization],
        domain: Annotated[str | None, QueryParameter(max_length=253)] = None,
        # Read by resolve_storefront and cached_json from the request; declared for the document.
        x_organization: Annotated[
            str | None, HeaderParameter(name="X-Organization", max_length=64)
        ] = None,
        if_none_match: Annotated[str | None, HeaderParameter(name="If-None-Match")] = None,
    ) -> Response[bytes]:
        organization = await resolve_storefront(request, use_case, domain)
        return cached_json(request, _public(organization))

    @get("/{id:uuid}", security=BEARER, summary="Read an organization")
    async def get_organization(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[GetOrganization],
    ) -> OrganizationResponse:
        return organization_response(await use_case(OrganizationId(id), actor))

    @put("/{id:uuid}", security=BEARER, summary="Update an organization")
    async def update_organization(
        self,
        id: FromPath[UUID],
        data: JSONBody[UpdateOrganizationRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[UpdateOrganization],
        if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
    ) -> OrganizationResponse:
        command = _update_command(
            OrganizationId(id), data, expected_version(if_match, data.version)
        )
        return organization_response(await use_case(command, actor))


async def resolve_storefront(
    request: Request[Any, Any, Any], use_case: ResolveOrganization, domain: str | None = None
) -> Organization:
    """The tenant of a public request: an explicit domain, ``X-Organization``, or the Host."""
    if domain:
        return await use_case.by_host(domain)
    slug = request.headers.get("x-organization")
    if slug:
        return await use_case.by_slug(slug.strip())
    host = request.headers.get("host")
    if not host:
        raise NotFound("no organization: send X-Organization or use the storefront's domain")
    return await use_case.by_host(host)
