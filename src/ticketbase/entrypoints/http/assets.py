"""Assets: ``/api/assets`` for staff, and ``/api/assets/blobs/{token}``, the signed URLs of
the folder storage.

Writing needs ``assets:write``; every member reads. An asset of another tenant answers 404.
Refusals: a file over the largest file or the storage quota → 413 (``payload_too_large``,
``storage_quota_exceeded``); a multipart file whose bytes are of no allowed type (HTML, SVG,
an executable…) → 415 ``file_type_refused``; a declared type that disagrees with the bytes, or a
presigned request declaring a type that is not allowed → 422 naming ``contentType``; a
presigned upload whose object turns out wrong at completion → 422 ``upload_refused`` (it is
deleted). A signed URL that is tampered with, expired or used with another method → 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.exceptions import ClientException, ValidationException
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream

from ticketbase.application.assets.complete_upload import CompleteAssetUpload
from ticketbase.application.assets.delete_asset import DeleteAsset
from ticketbase.application.assets.get_asset import GetAsset
from ticketbase.application.assets.list_assets import ListAssets
from ticketbase.application.assets.receive_blob import ReceiveBlob
from ticketbase.application.assets.request_upload import (
    RequestAssetUpload,
    RequestUploadCommand,
)
from ticketbase.application.assets.serve_blob import ServeBlob
from ticketbase.application.assets.upload_asset import UploadAsset, UploadCommand
from ticketbase.application.context import Actor
from ticketbase.application.pagination import MAX_LIMIT
from ticketbase.domain.assets.asset import ALLOWED_TYPES, Asset
from ticketbase.domain.shared.ids import AssetId
from ticketbase.entrypoints.http.multipart_upload import file_part
from ticketbase.entrypoints.http.pagination import next_cursor, page_request
from ticketbase.entrypoints.http.problems import split_msgspec_error
from ticketbase.entrypoints.http.wire import BEARER, Wire

MAX_JSON_BODY = 16 * 1024
UPLOAD_TYPES = ("application/json", "multipart/form-data")

# --- wire structs ------------------------------------------------------------------------------


class AssetResponse(Wire):
    """``status`` is ``pending`` until a presigned upload is completed; ``size`` is then the
    declared size."""

    id: UUID
    filename: str
    content_type: str
    size: int
    status: str
    created_at: datetime


class AssetDetailResponse(AssetResponse):
    """``downloadUrl`` fetches the bytes until ``downloadExpiresAt`` (null while pending)."""

    download_url: str | None
    download_expires_at: datetime | None


class AssetPage(Wire):
    items: list[AssetResponse]
    next_cursor: str | None


class PresignedUploadRequest(Wire):
    """Declare the file, then PUT exactly ``size`` bytes with this ``Content-Type``."""

    filename: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    content_type: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    size: Annotated[int, msgspec.Meta(ge=1)]


class PresignedUploadResponse(Wire):
    """PUT the bytes to ``uploadUrl`` with ``uploadHeaders`` before ``expiresAt``, then
    ``POST /api/assets/{id}/complete``."""

    asset: AssetResponse
    upload_url: str
    upload_method: str
    upload_headers: dict[str, str]
    expires_at: datetime


def asset_response(asset: Asset) -> AssetResponse:
    return AssetResponse(
        id=asset.id,
        filename=asset.filename,
        content_type=asset.content_type,
        size=asset.size,
        status=asset.status.value,
        created_at=asset.created_at,
    )


@dataclass
class _UploadOperation(Operation):
    """The one POST takes a file (multipart) or a declaration (JSON): both in the document."""

    def __post_init__(self) -> None:
        declaration = Schema(
            type=OpenAPIType.OBJECT,
            required=["filename", "contentType", "size"],
            properties={
                "filename": Schema(type=OpenAPIType.STRING, min_length=1, max_length=255),
                "contentType": Schema(type=OpenAPIType.STRING, min_length=1, max_length=100),
                "size": Schema(type=OpenAPIType.INTEGER, minimum=1),
            },
            additional_properties=False,
        )
        form = Schema(
            type=OpenAPIType.OBJECT,
            required=["file"],
            properties={"file": Schema(type=OpenAPIType.STRING, format="binary")},  # type: ignore[arg-type]
        )
        self.request_body = RequestBody(
            required=True,
            content={
                "multipart/form-data": OpenAPIMediaType(schema=form),
                "application/json": OpenAPIMediaType(schema=declaration),
            },
        )


# --- the controllers ---------------------------------------------------------------------------


class AssetController(Controller):
    path = "/api/assets"
    tags = ["assets"]
    security = BEARER

    @post(
        "/",
        status_code=201,
        summary="Upload an asset, or ask for a presigned upload (assets:write)",
        description="`multipart/form-data` with a `file` part: the file streams to storage and"
        " the ready asset is answered. `application/json` `{filename, contentType, size}`: the"
        " size is reserved and `{asset, uploadUrl, uploadMethod, uploadHeaders, expiresAt}`"
        " answered; PUT the bytes there, then `POST /api/assets/{id}/complete`. The type is"
        " read from the bytes (PNG, JPEG, GIF, WebP, AVIF, PDF, WOFF, WOFF2, TTF, OTF; never"
        " HTML or SVG): another type 415 `file_type_refused`, a declared type that disagrees"
        " 422; over the largest file or the storage quota 413.",
        request_max_body_size=None,  # the use case bounds the file, the JSON branch its body
        opt={"content_types": UPLOAD_TYPES},
        operation_class=_UploadOperation,
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        actor: FromDishka[Actor],
        upload: FromDishka[UploadAsset],
        presign: FromDishka[RequestAssetUpload],
    ) -> Response[Any]:
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type == "multipart/form-data":
            part = await file_part(request)
            command = UploadCommand(
                part.filename, part.content_type, part.chunks, request.content_length
            )
            asset = await upload(command, actor)
            return Response(asset_response(asset), status_code=201)
        body = await _json_body(request)
        pending = await presign(
            RequestUploadCommand(body.filename, body.content_type, body.size), actor
        )
        return Response(
            PresignedUploadResponse(
                asset=asset_response(pending.asset),
                upload_url=pending.upload.url,
                upload_method=pending.upload.method,
                upload_headers=pending.upload.headers,
                expires_at=pending.upload.expires_at,
            ),
            status_code=201,
        )

    @post(
        "/{id:uuid}/complete",
        status_code=200,
        summary="Complete a presigned upload (assets:write)",
        description="Checks the stored object: exactly the declared size, an allowed type"
        " agreeing with the declared one (read from its first bytes). Then the asset is ready;"
        " otherwise the object and the asset are deleted, the quota given back, 422"
        " `upload_refused`. Nothing uploaded yet → 422. A ready asset is answered unchanged.",
    )
    async def complete(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[CompleteAssetUpload],
    ) -> AssetResponse:
        return asset_response(await use_case(AssetId(id), actor))

    @get("/", summary="The organization's assets (members)", description="Newest first.")
    async def list_assets(
        self,
        actor: FromDishka[Actor],
        use_case: FromDishka[ListAssets],
        limit: Annotated[int | None, QueryParameter(ge=1, le=MAX_LIMIT)] = None,
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> AssetPage:
        page = await use_case(page_request(limit, cursor), actor)
        return AssetPage(
            items=[asset_response(a) for a in page.items], next_cursor=next_cursor(page)
        )

    @get(
        "/{id:uuid}",
        summary="An asset with a short-lived download URL (members)",
        description="`downloadUrl` answers the bytes until `downloadExpiresAt`; null while the"
        " asset is pending. Another tenant's asset → 404.",
    )
    async def get_asset(
        self, id: FromPath[UUID], actor: FromDishka[Actor], use_case: FromDishka[GetAsset]
    ) -> AssetDetailResponse:
        found = await use_case(AssetId(id), actor)
        base = asset_response(found.asset)
        return AssetDetailResponse(
            **{f: getattr(base, f) for f in base.__struct_fields__},
            download_url=found.download.url if found.download else None,
            download_expires_at=found.download.expires_at if found.download else None,
        )

    @delete(
        "/{id:uuid}",
        status_code=204,
        summary="Delete an asset and its file (assets:write)",
        description="The stored object goes with it and its bytes return to the quota.",
    )
    async def delete_asset(
        self, id: FromPath[UUID], actor: FromDishka[Actor], use_case: FromDishka[DeleteAsset]
    ) -> None:
        await use_case(AssetId(id), actor)


class BlobController(Controller):
    """The signed URLs of the folder storage (S3 serves its own). No bearer token: the signed
    token in the path is the credential."""

    path = "/api/assets/blobs"
    tags = ["assets"]

    @get(
        "/{token:str}",
        summary="The bytes behind a signed download URL",
        description="Served with the asset's type, `nosniff` and a sandboxing CSP. A tampered,"
        " expired or PUT token → 403.",
    )
    async def download(self, token: FromPath[str], use_case: FromDishka[ServeBlob]) -> Stream:
        blob = await use_case(token)
        disposition = f'inline; filename="{blob.grant.filename or "file"}"'
        return Stream(
            blob.chunks,
            media_type=blob.grant.content_type,
            headers={
                "content-length": str(blob.size),
                "content-disposition": disposition,
                "x-content-type-options": "nosniff",
                "content-security-policy": "default-src 'none'; sandbox",
                "cache-control": "private, max-age=60",
            },
        )

    @put(
        "/{token:str}",
        status_code=200,
        summary="The bytes sent to a signed upload URL",
        description="Exactly the declared size with the declared `Content-Type`; another type"
        " or a tampered, expired or GET token → 403, more bytes → 413.",
        request_max_body_size=None,  # bounded by the size the token grants
        opt={"content_types": tuple(sorted(ALLOWED_TYPES))},
    )
    async def upload(
        self,
        request: Request[Any, Any, Any],
        token: FromPath[str],
        use_case: FromDishka[ReceiveBlob],
    ) -> None:
        chunks = (chunk async for chunk in request.stream() if chunk)
        await use_case(token, request.headers.get("content-type"), chunks)


async def _json_body(request: Request[Any, Any, Any]) -> PresignedUploadRequest:
    """The JSON branch's body, read within a small limit and validated like any JSON body."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_JSON_BODY:
            raise ClientException("the JSON body is too large", status_code=413)
    if not body:
        raise ClientException("this endpoint needs a body: a file or a JSON declaration")
    try:
        return msgspec.json.decode(bytes(body), type=PresignedUploadRequest)
    except msgspec.ValidationError as error:
        message, at = split_msgspec_error(str(error))
        key = at.removeprefix(".") or "data"
        raise ValidationException(
            "the request is not valid",
            extra=[{"message": message, "key": key, "source": "body"}],
        ) from None
    except msgspec.DecodeError as error:
        raise ClientException(f"the body is not valid JSON: {error}") from None
