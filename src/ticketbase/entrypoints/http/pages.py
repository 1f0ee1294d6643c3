"""``/api/pages``: staff edit storefront pages made in Puck (every save a version, publish,
restore); the storefront reads the published version of a page by slug.

``GET /api/pages/{slug}`` serves both audiences, like ``GET /api/events/{slug}``: with a bearer
token the staff view (drafts included, by slug or id, with the current version's document), and
without one the published version of the resolved storefront's page, with an ``ETag`` naming
the page and its published version (``If-None-Match`` answers 304). Public answers are kept
whole by the response cache until a change of that page (or, for a 404, of the tenant's pages)
drops them in every process.

Pages carry documents of up to 2 MiB, so their writes accept bodies up to
:data:`PAGE_BODY_LIMIT` (the app's default stays 1 MiB); a larger body answers 413.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import FromPath, HeaderParameter, JSONBody, PathParameter, QueryParameter

from ticketbase.application.context import Actor
from ticketbase.application.identity.resolve_organization import ResolveOrganization
from ticketbase.application.pages.create_page import CreatePage, CreatePageCommand
from ticketbase.application.pages.get_page import GetPage
from ticketbase.application.pages.get_page_version import GetPageVersion
from ticketbase.application.pages.get_public_page import GetPublicPage
from ticketbase.application.pages.list_page_versions import ListPageVersions
from ticketbase.application.pages.list_pages import ListPages
from ticketbase.application.pages.loading import PageWithContent
from ticketbase.application.pages.publish_page import PublishPage, PublishPageCommand
from ticketbase.application.pages.restore_page_version import (
    RestorePageVersion,
    RestorePageVersionCommand,
)
from ticketbase.application.pages.update_page import UpdatePage, UpdatePageCommand
from ticketbase.application.pagination import DEFAULT_LIMIT, MAX_LIMIT
from ticketbase.application.ports.pages import PublishedPage
from ticketbase.domain.pages.errors import PageVersionNotFound
from ticketbase.domain.pages.page import (
    MAX_SEO_DESCRIPTION_LENGTH,
    MAX_SEO_IMAGE_LENGTH,
    MAX_SEO_TITLE_LENGTH,
    MAX_TITLE_LENGTH,
    Page,
    PageContent,
    PageId,
    PageVersion,
    PageVersionSummary,
    Seo,
)
from ticketbase.domain.pages.puck import MAX_PUCK_BYTES
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.values import Slug
from ticketbase.entrypoints.http.caching import etag_matches
from ticketbase.entrypoints.http.events import actor_of, has_token
from ticketbase.entrypoints.http.organizations import resolve_storefront
from ticketbase.entrypoints.http.pagination import next_cursor, page_request
from ticketbase.entrypoints.http.response_cache import ANONYMOUS
from ticketbase.entrypoints.http.versioning import expected_version
from ticketbase.entrypoints.http.wire import BEARER, Wire

# A 2 MiB document as the client sent it (indented, escaped) plus title and SEO.
PAGE_BODY_LIMIT = MAX_PUCK_BYTES + 512 * 1024

Unset = msgspec.UnsetType
UNSET = msgspec.UNSET
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TITLE_LENGTH)]
SlugText = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Version = Annotated[int, msgspec.Meta(ge=1)]
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match")]
PuckDocument = Annotated[
    dict[str, Any],
    msgspec.Meta(
        description="Puck editor data: `{content: [{type, props: {id, ...}}], root: {props}, "
        "zones?}`; ids unique across the document, at most 2 MiB as compact JSON"
    ),
]

# --- wire structs ------------------------------------------------------------------------------


class SeoWire(Wire):
    title: Annotated[str, msgspec.Meta(max_length=MAX_SEO_TITLE_LENGTH)] | None = None
    description: Annotated[str, msgspec.Meta(max_length=MAX_SEO_DESCRIPTION_LENGTH)] | None = None
    image: Annotated[str, msgspec.Meta(max_length=MAX_SEO_IMAGE_LENGTH)] | None = None


class CreatePageRequest(Wire):
    slug: SlugText
    title: Title
    data: PuckDocument
    seo: SeoWire | None = None


class UpdatePageRequest(Wire):
    """A save: the whole document, title and SEO (absent SEO: none); ``slug`` when it moves."""

    title: Title
    data: PuckDocument
    seo: SeoWire | None = None
    slug: SlugText | Unset = UNSET
    version: Version | Unset = UNSET


class VersionRequest(Wire):
    version: Version | Unset = UNSET


class PageResponse(Wire):
    """A page. Staff see every field (``data``/``seo`` of the current version; ``version`` is
    what ``If-Match`` names); the storefront sees ``id``, ``slug``, ``title``, ``data``,
    ``seo`` and ``publishedVersion`` of the published version only."""

    id: UUID
    slug: str
    title: str
    published_version: int | None
    data: dict[str, Any] | Unset = UNSET
    seo: SeoWire | Unset | None = UNSET
    status: str | Unset = UNSET
    current_version: int | Unset = UNSET
    version: int | Unset = UNSET
    created_at: datetime | Unset = UNSET
    updated_at: datetime | Unset = UNSET


class PageList(Wire):
    items: list[PageResponse]
    next_cursor: str | None


class PageVersionResponse(Wire):
    """One save of a page; lists leave out ``data`` and ``seo``."""

    page_id: UUID
    version: int
    title: str
    created_at: datetime
    created_by: UUID | None
    data: dict[str, Any] | Unset = UNSET
    seo: SeoWire | Unset | None = UNSET


class PageVersionList(Wire):
    items: list[PageVersionResponse]
    next_cursor: str | None


# --- wire <-> domain ---------------------------------------------------------------------------


def _slug(value: str) -> Slug:
    try:
        return Slug(value)
    except RuleViolated as error:
        error.field = "slug"
        raise


def _content(data: dict[str, Any], title: str, seo: SeoWire | None) -> PageContent:
    parsed_seo = None if seo is None else Seo(seo.title, seo.description, seo.image)
    return PageContent.parse(data=data, title=title, seo=parsed_seo)


def _seo_wire(seo: Seo | None) -> SeoWire | None:
    return (
        None
        if seo is None
        else SeoWire(title=seo.title, description=seo.description, image=seo.image)
    )


def _summary(p: Page) -> PageResponse:
    return PageResponse(
        id=p.id,
        slug=p.slug.value,
        title=p.title,
        published_version=p.published_version,
        status=p.status.value,
        current_version=p.current_version,
        version=p.version,
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


def _staff_page(found: PageWithContent) -> PageResponse:
    response = _summary(found.page)
    response.data = found.current.content.data
    response.seo = _seo_wire(found.current.content.seo)
    return response


def _public_page(found: PublishedPage) -> PageResponse:
    content = found.version.content
    return PageResponse(
        id=found.page.id,
        slug=found.page.slug.value,
        title=content.title,
        published_version=found.version.number,
        data=content.data,
        seo=_seo_wire(content.seo),
    )


def _version_wire(v: PageVersion | PageVersionSummary) -> PageVersionResponse:
    response = PageVersionResponse(
        page_id=v.page_id,
        version=v.number,
        title=v.title,
        created_at=v.created_at,
        created_by=v.created_by,
    )
    if isinstance(v, PageVersion):
        response.data = v.content.data
        response.seo = _seo_wire(v.content.seo)
    return response


def _number(version: str) -> int:
    if not (version.isascii() and version.isdigit() and len(version) <= 9):
        raise PageVersionNotFound("the page has no such version")
    return int(version)


def _encode_before(number: int | None) -> str | None:
    if number is None:
        return None
    return base64.urlsafe_b64encode(str(number).encode()).decode().rstrip("=")


def _decode_before(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (ValueError, binascii.Error):
        text = ""
    if not (text.isdigit() and 0 < len(text) <= 9):
        raise RuleViolated("the cursor is not one this API gave out", field="cursor")
    return int(text)


def _public_answer(request: Request[Any, Any, Any], found: PublishedPage) -> Response[bytes]:
    """The published page with an ETag naming the page and the version shown: the answer is
    a function of those two (and of the slug in the URL), so no hash of the body is needed."""
    tag = f'"{found.page.id}.{found.version.number}"'
    headers = {
        "etag": tag,
        # Browsers and CDNs revalidate every time (a 304 is cheap): a publish shows at once.
        "cache-control": "public, no-cache",
        "vary": "host, x-organization",
    }
    if etag_matches(request.headers.get("if-none-match", ""), tag):
        return Response(b"", status_code=304, headers=headers)
    body = msgspec.json.encode(_public_page(found))
    return Response(body, media_type="application/json", headers=headers)


# --- the controller ----------------------------------------------------------------------------

PAGE_PATH = "/{id:uuid}"
# ``{version}`` is read as text and parsed here: a path that names no version number is simply
# a version that does not exist (404), never a malformed request.
VERSION_PATH = "/{id:uuid}/versions/{version:str}"
VersionNumber = Annotated[
    str, PathParameter(description="A version number (1, 2, ...)", examples=[Example(value="3")])
]
PUBLIC = (
    "Without a bearer token: the published version of the page at this slug on the storefront "
    "named by `X-Organization` or the Host (a draft page answers 404), with an `ETag`; "
    "`If-None-Match` with it answers 304. With a token: the staff view of any of the tenant's "
    "pages by slug or id, with its current version."
)


class PageController(Controller):
    path = "/api/pages"
    tags = ["pages"]

    @get("/", security=BEARER, summary="List pages (staff; drafts included, newest first)")
    async def list_pages(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListPages],
        limit: Annotated[int | None, QueryParameter(ge=1, le=MAX_LIMIT)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> PageList:
        page = await use_case(page_request(limit, cursor), actor)
        return PageList(items=[_summary(p) for p in page.items], next_cursor=next_cursor(page))

    @post(
        "/",
        security=BEARER,
        summary="Create a page (a draft at version 1)",
        request_max_body_size=PAGE_BODY_LIMIT,
    )
    async def create_page(
        self,
        data: JSONBody[CreatePageRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[CreatePage],
    ) -> PageResponse:
        command = CreatePageCommand(_slug(data.slug), _content(data.data, data.title, data.seo))
        return _staff_page(await use_case(command, actor))

    @get(
        "/{slug:str}",
        summary="Read a page (storefront: published, by slug; staff: any, by slug or id)",
        description=PUBLIC,
        responses={
            200: ResponseSpec(PageResponse, description="The page", generate_examples=False),
            304: ResponseSpec(None, description="Not modified: the `If-None-Match` tag matches"),
        },
        opt={"response_cache": ANONYMOUS},  # staff reads come from the database
    )
    async def get_page(
        self,
        request: Request[Any, Any, Any],
        slug: FromPath[str],
        staff: FromDishka[GetPage],
        storefront: FromDishka[GetPublicPage],
        resolve: FromDishka[ResolveOrganization],
    ) -> Response[bytes]:
        if has_token(request):
            found = await staff(slug, await actor_of(request))
            return Response(msgspec.json.encode(_staff_page(found)), media_type="application/json")
        organization = await resolve_storefront(request, resolve)
        return _public_answer(request, await storefront(organization.id, slug))

    @put(
        PAGE_PATH,
        security=BEARER,
        summary="Save a page as a new version (If-Match or version)",
        request_max_body_size=PAGE_BODY_LIMIT,
    )
    async def update_page(
        self,
        id: FromPath[UUID],
        data: JSONBody[UpdatePageRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[UpdatePage],
        if_match: IfMatch = None,
    ) -> PageResponse:
        command = UpdatePageCommand(
            page_id=PageId(id),
            content=_content(data.data, data.title, data.seo),
            slug=None if isinstance(data.slug, Unset) else _slug(data.slug),
            expected_version=expected_version(if_match, data.version),
        )
        return _staff_page(await use_case(command, actor))

    @post(
        PAGE_PATH + "/publish",
        status_code=200,
        security=BEARER,
        summary="Publish a page's current version",
    )
    async def publish_page(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[PublishPage],
        data: JSONBody[VersionRequest | None] = None,
        if_match: IfMatch = None,
    ) -> PageResponse:
        version = expected_version(if_match, UNSET if data is None else data.version)
        return _staff_page(await use_case(PublishPageCommand(PageId(id), version), actor))

    @get(PAGE_PATH + "/versions", security=BEARER, summary="A page's versions, newest first")
    async def list_page_versions(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[ListPageVersions],
        limit: Annotated[int | None, QueryParameter(ge=1, le=MAX_LIMIT)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> PageVersionList:
        found = await use_case(
            PageId(id), actor, limit=limit or DEFAULT_LIMIT, before=_decode_before(cursor)
        )
        return PageVersionList(
            items=[_version_wire(v) for v in found.items],
            next_cursor=_encode_before(found.next_before),
        )

    @get(VERSION_PATH, security=BEARER, summary="One version of a page, with its document")
    async def get_page_version(
        self,
        id: FromPath[UUID],
        version: VersionNumber,
        actor: FromDishka[Actor],
        use_case: FromDishka[GetPageVersion],
    ) -> PageVersionResponse:
        return _version_wire(await use_case(PageId(id), _number(version), actor))

    @post(
        VERSION_PATH + "/restore",
        status_code=200,
        security=BEARER,
        summary="Restore a version: a new current version equal to it (history kept)",
    )
    async def restore_page_version(
        self,
        id: FromPath[UUID],
        version: VersionNumber,
        actor: FromDishka[Actor],
        use_case: FromDishka[RestorePageVersion],
        data: JSONBody[VersionRequest | None] = None,
        if_match: IfMatch = None,
    ) -> PageResponse:
        expected = expected_version(if_match, UNSET if data is None else data.version)
        command = RestorePageVersionCommand(PageId(id), _number(version), expected)
        return _staff_page(await use_case(command, actor))
