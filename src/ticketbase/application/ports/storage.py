"""Object storage: where the bytes of assets live (an S3 bucket, or a folder for development).

Bytes move as async iterators of chunks, never as one value: an upload of a hundred megabytes
passes through a process holding a part (S3's multipart upload) or a chunk (the folder) at a
time. A client may also move the bytes itself, through a presigned request: a URL valid for one
method on one key until an instant (S3 signs it; the folder adapter signs a token that this
server's own blob routes check, see ``BlobTokens``).

An outage is ``DependencyUnavailable("storage")``; a key that is not there is
``ObjectMissing``; an upload that runs past its bound is ``ObjectTooLarge`` and leaves nothing
behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from ticketbase.domain.shared.ids import OrganizationId


class ObjectMissing(Exception):
    """No object under this key."""


class ObjectTooLarge(Exception):
    """The stream went past ``max_size``: the upload was abandoned and nothing stored."""

    def __init__(self, max_size: int) -> None:
        super().__init__(f"more than {max_size} bytes")
        self.max_size = max_size


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    size: int
    content_type: str | None


@dataclass(frozen=True, slots=True)
class PresignedRequest:
    """What a client sends to move the bytes itself: ``method`` to ``url`` with ``headers``
    (those the signature covers, such as ``content-type``), before ``expires_at``."""

    method: str
    url: str
    expires_at: datetime
    headers: dict[str, str] = field(default_factory=dict)


class ObjectStorage(Protocol):
    name: str  # "storage": the readiness check's name

    async def put(
        self, key: str, chunks: AsyncIterable[bytes], *, content_type: str, max_size: int
    ) -> int:
        """Store the chunks under ``key`` (replacing what was there) and return the size.
        ``ObjectTooLarge`` once more than ``max_size`` bytes came; an exception raised by the
        iterator itself propagates. Either way nothing is left under ``key``."""
        ...

    def get(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes in chunks (``ObjectMissing`` on the first step when absent)."""
        ...

    async def read_prefix(self, key: str, length: int) -> bytes:
        """The first ``length`` bytes (fewer for a shorter object), for sniffing."""
        ...

    async def head(self, key: str) -> ObjectInfo | None: ...

    async def delete(self, key: str) -> None:
        """Remove the object; nothing happens when it is not there."""
        ...

    async def presign_upload(
        self, key: str, *, content_type: str, size: int, expires_in: timedelta
    ) -> PresignedRequest:
        """A PUT of exactly ``size`` bytes of ``content_type`` to ``key``."""
        ...

    async def presign_download(
        self, key: str, *, content_type: str, filename: str, expires_in: timedelta
    ) -> PresignedRequest:
        """A GET of ``key`` answered with ``content_type`` and ``filename``."""
        ...

    async def check(self) -> None:
        """Return when the storage answers (the readiness probe); raise otherwise."""
        ...


@dataclass(frozen=True, slots=True)
class BlobGrant:
    """What a self-served signed URL allows: ``method`` on ``key`` until ``expires_at``; for an
    upload, exactly ``size`` bytes declared as ``content_type``; for a download, the type and
    filename to answer with."""

    key: str
    method: str  # "GET" or "PUT"
    expires_at: datetime
    content_type: str
    size: int | None = None
    filename: str | None = None


class BlobTokenRefused(Exception):
    """A blob token that is malformed, tampered with, expired or for another method."""


class BlobTokens(Protocol):
    """Signed tokens for the URLs this server serves itself (the folder storage's presigned
    requests)."""

    def issue(self, grant: BlobGrant) -> str: ...

    def verify(self, token: str, method: str, now: datetime) -> BlobGrant:
        """The grant of a valid token for ``method``; ``BlobTokenRefused`` otherwise."""
        ...


class ContentSniffer(Protocol):
    def readings(self, head: bytes) -> list[str]:
        """The media types the first bytes of a file may be, most likely first; empty when
        unknown."""
        ...


class StorageQuota(Protocol):
    """How many bytes of files an organization may keep (the plans decide it in the end)."""

    async def bytes_for(self, organization_id: OrganizationId) -> int: ...
