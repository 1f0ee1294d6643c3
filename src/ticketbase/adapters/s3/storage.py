"""Object storage on S3 or any S3-compatible server (MinIO, SeaweedFS…) through aioboto3.

One client lives as long as the process (``open`` / ``aclose``). Uploads stream: chunks are
gathered into parts of ``part_size`` (at least S3's 5 MiB minimum) and sent as a multipart
upload, so at most a part or two is held at a time; a stream that fits in one part is a single
``PutObject``. A failed multipart upload is aborted, so no parts linger (and cost).

Presigned URLs are SigV4 (``s3v4``), with path-style addressing when configured (MinIO and
SeaweedFS want it; AWS prefers virtual-hosted). An upload URL signs the content type; the
completion call checks the size that arrived. A download URL asks S3 to answer with the
asset's type and an inline ``Content-Disposition`` naming its safe filename.

Every failure to reach the server, and every refusal other than "no such key" (a bad
credential, a missing bucket), is ``DependencyUnavailable("storage")``: the client can only wait
while the operator fixes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aioboto3  # type: ignore[import-untyped]
import aiohttp
from botocore.config import Config  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from ticketbase.application.ports.errors import DependencyUnavailable
from ticketbase.application.ports.storage import (
    ObjectInfo,
    ObjectMissing,
    ObjectTooLarge,
    PresignedRequest,
)
from ticketbase.application.ports.system import Clock

MIN_PART_SIZE = 5 * 1024 * 1024
READ_CHUNK = 256 * 1024
_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})
_OUTAGES = (BotoCoreError, aiohttp.ClientError, TimeoutError, OSError)


@dataclass(frozen=True, slots=True)
class S3Settings:
    bucket: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    access_key_id: str | None = None
    secret_access_key: str | None = None
    path_style: bool = False
    create_bucket: bool = False
    part_size: int = 8 * 1024 * 1024
    connect_timeout: float = 3.0
    read_timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.part_size < MIN_PART_SIZE:
            raise ValueError(f"S3 parts are at least {MIN_PART_SIZE} bytes")
        if not 3 <= len(self.bucket) <= 63:
            raise ValueError("an S3 bucket name has 3 to 63 characters")


class S3ObjectStorage:
    name = "storage"

    def __init__(self, settings: S3Settings, clock: Clock) -> None:
        self._s = settings
        self._clock = clock
        self._stack = AsyncExitStack()
        self._client: Any = None

    async def open(self) -> S3ObjectStorage:
        """Create the client (and the bucket, when allowed and missing)."""
        session = aioboto3.Session()
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if self._s.path_style else "auto"},
            connect_timeout=self._s.connect_timeout,
            read_timeout=self._s.read_timeout,
            retries={"max_attempts": 3, "mode": "standard"},
            # S3-compatible servers differ in the newer trailing checksums: send them only
            # where the API requires one.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        self._client = await self._stack.enter_async_context(
            session.client(
                "s3",
                endpoint_url=self._s.endpoint_url,
                region_name=self._s.region,
                aws_access_key_id=self._s.access_key_id,
                aws_secret_access_key=self._s.secret_access_key,
                config=config,
            )
        )
        if self._s.create_bucket:
            await self._ensure_bucket()
        return self

    async def aclose(self) -> None:
        await self._stack.aclose()

    async def _ensure_bucket(self) -> None:
        try:
            await self._client.head_bucket(Bucket=self._s.bucket)
            return
        except ClientError as error:
            if _code(error) not in _MISSING | {"NoSuchBucket"}:
                raise DependencyUnavailable("storage") from error
        except _OUTAGES as error:
            raise DependencyUnavailable("storage") from error
        arguments: dict[str, Any] = {"Bucket": self._s.bucket}
        if self._s.region != "us-east-1":
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": self._s.region}
        try:
            await self._client.create_bucket(**arguments)
        except ClientError as error:
            if _code(error) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise DependencyUnavailable("storage") from error
        except _OUTAGES as error:
            raise DependencyUnavailable("storage") from error

    async def put(
        self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_size: int
    ) -> int:
        bucket, part_size = self._s.bucket, self._s.part_size
        buffer = bytearray()
        size = 0
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []

        async def send_part(data: bytes) -> None:
            nonlocal upload_id
            if upload_id is None:
                started = await self._client.create_multipart_upload(
                    Bucket=bucket, Key=key, ContentType=content_type
                )
                upload_id = started["UploadId"]
            number = len(parts) + 1
            sent = await self._client.upload_part(
                Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
            )
            parts.append({"ETag": sent["ETag"], "PartNumber": number})

        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_size:
                    raise ObjectTooLarge(max_size)
                buffer += chunk
                while len(buffer) >= part_size:
                    part = bytes(buffer[:part_size])
                    del buffer[:part_size]
                    await send_part(part)
            if upload_id is None:
                await self._client.put_object(
                    Bucket=bucket, Key=key, Body=bytes(buffer), ContentType=content_type
                )
            else:
                if buffer:
                    await send_part(bytes(buffer))
                buffer.clear()
                await self._client.complete_multipart_upload(
                    Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
                )
        except BaseException as error:
            if upload_id is not None:
                await self._abort(key, upload_id)
            if isinstance(error, (ClientError, *_OUTAGES)):
                raise DependencyUnavailable("storage") from error
            raise
        return size

    async def _abort(self, key: str, upload_id: str) -> None:
        try:
            await self._client.abort_multipart_upload(
                Bucket=self._s.bucket, Key=key, UploadId=upload_id
            )
        except (ClientError, *_OUTAGES):
            pass  # the bucket's lifecycle rule for incomplete uploads is the backstop

    async def get(self, key: str) -> AsyncIterator[bytes]:
        try:
            answer = await self._client.get_object(Bucket=self._s.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING:
                raise ObjectMissing(key) from None
            raise DependencyUnavailable("storage") from error
        except _OUTAGES as error:
            raise DependencyUnavailable("storage") from error
        body = answer["Body"]
        try:
            async for chunk in body.iter_chunks(READ_CHUNK):
                yield chunk
        except _OUTAGES as error:
            raise DependencyUnavailable("storage") from error
        finally:
            body.close()

    async def read_prefix(self, key: str, length: int) -> bytes:
        try:
            answer = await self._client.get_object(
                Bucket=self._s.bucket, Key=key, Range=f"bytes=0-{max(length, 1) - 1}"
            )
            async with answer["Body"] as body:
                return bytes(await body.read())
        except ClientError as error:
            if _code(error) in _MISSING:
                raise ObjectMissing(key) from None
            if _code(error) == "InvalidRange":  # an empty object
                return b""
            raise DependencyUnavailable("storage") from error
        except _OUTAGES as error:
            raise DependencyUnavailable("storage") from error

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            answer = await self._client.head_object(Bucket=self._s.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise DependencyUnavailable("storage") from error
        except _OUTAGES as error:
            raise DependencyUnavailable("storage") from error
        return ObjectInfo(size=int(answer["ContentLength"]), content_type=answer.get("ContentType"))

    async def delete(self, key: str) -> None:
        try:
            await self._client.delete_object(Bucket=self._s.bucket, Key=key)
        except ClientError as error:
            if _code(error) not in _MISSING:
                raise DependencyUnavailable("storage") from error
        except _OUTAGES as error:
            raise DependencyUnavailable("storage") from error

    async def presign_upload(
        self, key: str, *, content_type: str, size: int, expires_in: timedelta
    ) -> PresignedRequest:
        params = {
            "Bucket": self._s.bucket,
            "Key": key,
            "ContentType": content_type,
            "ContentLength": size,
        }
        url = await self._presign("put_object", params, expires_in, "PUT")
        return PresignedRequest(
            "PUT", url, self._clock.now() + expires_in, headers={"content-type": content_type}
        )

    async def presign_download(
        self, key: str, *, content_type: str, filename: str, expires_in: timedelta
    ) -> PresignedRequest:
        params = {
            "Bucket": self._s.bucket,
            "Key": key,
            "ResponseContentType": content_type,
            "ResponseContentDisposition": f'inline; filename="{filename}"',
        }
        url = await self._presign("get_object", params, expires_in, "GET")
        return PresignedRequest("GET", url, self._clock.now() + expires_in)

    async def _presign(
        self, operation: str, params: dict[str, Any], expires_in: timedelta, method: str
    ) -> str:
        try:
            url = await self._client.generate_presigned_url(
                operation,
                Params=params,
                ExpiresIn=int(expires_in.total_seconds()),
                HttpMethod=method,
            )
        except (ClientError, *_OUTAGES) as error:
            raise DependencyUnavailable("storage") from error
        return str(url)

    async def check(self) -> None:
        try:
            await self._client.head_bucket(Bucket=self._s.bucket)
        except (ClientError, *_OUTAGES) as error:
            raise DependencyUnavailable("storage") from error


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
