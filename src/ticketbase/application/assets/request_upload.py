"""``POST /api/assets`` with ``{filename, contentType, size}``: a presigned upload.

The client declares what it will send; the declared type must be allowed and the size within
the largest file and the quota, which is reserved now. It gets a URL valid for one PUT of
that many bytes of that type, then calls ``complete``, which checks what actually arrived."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.assets.reservations import Reservations
from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.storage import PresignedRequest
from ticketbase.domain.assets.asset import Asset, require_allowed_type
from ticketbase.domain.identity.permissions import Permission


@dataclass(frozen=True, slots=True)
class RequestUploadCommand:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class PendingUpload:
    asset: Asset
    upload: PresignedRequest


class RequestAssetUpload:
    def __init__(self, reservations: Reservations) -> None:
        self._r = reservations

    async def __call__(self, command: RequestUploadCommand, actor: Actor) -> PendingUpload:
        organization_id = require(actor, Permission.ASSETS_WRITE)
        content_type = require_allowed_type(command.content_type)
        asset = await self._r.reserve(
            organization_id, actor, command.filename, content_type, command.size
        )
        try:
            upload = await self._r.storage.presign_upload(
                asset.object_key,
                content_type=content_type,
                size=command.size,
                expires_in=self._r.policy.upload_url_ttl,
            )
        except BaseException:
            await self._r.abandon(asset, object_stored=False)
            raise
        return PendingUpload(asset, upload)
