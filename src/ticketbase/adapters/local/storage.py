"""Object storage in a folder (``{data_dir}/assets``): the default, so ``make run`` needs no
S3 server.

Each object is a file named by its key under the root, written to a temporary file in the
same folder tree and renamed into place, so a reader never sees half an object and a failed
upload leaves nothing. File I/O runs in threads. A key is checked before it becomes a path:
relative, no ``..``, no empty or hidden segments, so it cannot leave the root.

Its "presigned" URLs point at this server's own routes (``/api/assets/blobs/{token}``) with a
token signed by ``BlobTokens``; the routes read and write through this same storage. The
content type of an object is not kept beside it: the token carries the type to serve.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterable, AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from ticketbase.application.ports.storage import (
    BlobGrant,
    BlobTokens,
    ObjectInfo,
    ObjectMissing,
    ObjectTooLarge,
    PresignedRequest,
)
from ticketbase.application.ports.system import Clock

READ_CHUNK = 256 * 1024
_TEMPORARY = ".incoming"


class LocalObjectStorage:
    name = "storage"

    def __init__(self, root: Path, tokens: BlobTokens, clock: Clock, public_url: str) -> None:
        self._root = root
        self._tokens = tokens
        self._clock = clock
        self._blobs = public_url.rstrip("/") + "/api/assets/blobs/"

    def path_of(self, key: str) -> Path:
        parts = key.split("/")
        if (
            not key
            or key.startswith("/")
            or "\\" in key
            or "\x00" in key
            or any(not p or p.startswith(".") for p in parts)
        ):
            raise ValueError(f"unsafe object key {key!r}")
        return self._root.joinpath(*parts)

    async def put(
        self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_size: int
    ) -> int:
        target = self.path_of(key)
        incoming = self._root / _TEMPORARY
        await asyncio.to_thread(incoming.mkdir, parents=True, exist_ok=True)
        temporary = incoming / secrets.token_hex(16)
        handle: BinaryIO = await asyncio.to_thread(temporary.open, "xb")
        size = 0
        try:
            try:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_size:
                        raise ObjectTooLarge(max_size)
                    await asyncio.to_thread(handle.write, chunk)
                await asyncio.to_thread(_flush, handle)
            finally:
                await asyncio.to_thread(handle.close)
            await asyncio.to_thread(_move_into_place, temporary, target)
        except BaseException:
            await asyncio.to_thread(temporary.unlink, missing_ok=True)
            raise
        return size

    async def get(self, key: str) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            handle: BinaryIO = await asyncio.to_thread(path.open, "rb")
        except FileNotFoundError:
            raise ObjectMissing(key) from None
        try:
            while chunk := await asyncio.to_thread(handle.read, READ_CHUNK):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def read_prefix(self, key: str, length: int) -> bytes:
        def read() -> bytes:
            with self.path_of(key).open("rb") as handle:
                return handle.read(length)

        try:
            return await asyncio.to_thread(read)
        except FileNotFoundError:
            raise ObjectMissing(key) from None

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            stat = await asyncio.to_thread(self.path_of(key).stat)
        except FileNotFoundError:
            return None
        return ObjectInfo(size=stat.st_size, content_type=None)

    async def delete(self, key: str) -> None:
        path = self.path_of(key)
        await asyncio.to_thread(_remove, path)

    async def presign_upload(
        self, key: str, *, content_type: str, size: int, expires_in: timedelta
    ) -> PresignedRequest:
        self.path_of(key)
        expires_at = self._clock.now() + expires_in
        token = self._tokens.issue(
            BlobGrant(key, "PUT", expires_at, content_type=content_type, size=size)
        )
        return PresignedRequest(
            "PUT", self._blobs + token, expires_at, headers={"content-type": content_type}
        )

    async def presign_download(
        self, key: str, *, content_type: str, filename: str, expires_in: timedelta
    ) -> PresignedRequest:
        self.path_of(key)
        expires_at = self._clock.now() + expires_in
        token = self._tokens.issue(
            BlobGrant(key, "GET", expires_at, content_type=content_type, filename=filename)
        )
        return PresignedRequest("GET", self._blobs + token, expires_at)

    async def check(self) -> None:
        def probe() -> None:
            self._root.mkdir(parents=True, exist_ok=True)
            if not os.access(self._root, os.W_OK | os.X_OK):
                raise PermissionError(f"{self._root} is not writable")

        await asyncio.to_thread(probe)


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _move_into_place(temporary: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temporary, target)


def _remove(path: Path) -> None:
    """The object, and its asset's folder once empty (the tenant's folder stays: another upload
    may be creating its own folder in it right now)."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty, or gone
        path.parent.rmdir()
