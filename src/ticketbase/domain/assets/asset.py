"""An asset: a file a tenant stores for its storefront (an image, a PDF, a font).

What may be stored is decided here, from the bytes: the type sniffed from the file's first bytes
must be on the allowlist, and a type the client declares must agree with it. HTML is never on
it, and neither is SVG: an SVG is a document that may run scripts when opened from our origin,
and telling a harmless one from a hostile one is a sanitiser's job, not a sniffer's.

The object key is ``{organization_id}/{asset_id}/{safe name}``: the server builds it; the
client's filename is cut to its last path segment and a small character set, so it can neither
climb out of its folder nor collide with another asset's object.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from ticketbase.domain.shared.errors import (
    NotFound,
    RuleViolated,
    TooLarge,
    UnsupportedMediaType,
)
from ticketbase.domain.shared.ids import AssetId, OrganizationId, UserId

# The types an asset may have, as served. Each is what browsers render without running code.
ALLOWED_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "application/pdf",
        "font/woff",
        "font/woff2",
        "font/ttf",
        "font/otf",
    }
)
# What clients also send for the same types.
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/font-woff": "font/woff",
    "application/x-font-woff": "font/woff",
    "application/font-woff2": "font/woff2",
    "application/x-font-ttf": "font/ttf",
    "application/x-font-truetype": "font/ttf",
    "application/font-sfnt": "font/ttf",
    "application/x-font-otf": "font/otf",
    "application/x-font-opentype": "font/otf",
    "application/vnd.ms-opentype": "font/otf",
}
# Bytes that read as a document a browser would run: refused even if another reading of the
# same bytes looks like an image (a polyglot).
_ACTIVE_TYPES = frozenset(
    {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}
)
MAX_FILENAME_LENGTH = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class AssetStatus(enum.StrEnum):
    PENDING = "pending"  # its size is reserved; the bytes are not stored and checked yet
    READY = "ready"


class AssetNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("no such asset")


class FileTooLarge(TooLarge):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a file may have at most {limit} bytes", field="file")
        self.limit = limit


class StorageQuotaExceeded(TooLarge):
    code = "storage_quota_exceeded"

    def __init__(self, quota: int) -> None:
        super().__init__(
            f"this organization's files would take more than its storage quota of {quota} bytes"
        )
        self.quota = quota


class FileTypeRefused(UnsupportedMediaType):
    """The bytes are of no allowed type (HTML, SVG, an executable, unknown)."""

    code = "file_type_refused"

    def __init__(self, sniffed: str | None) -> None:
        seen = f"it reads as {sniffed}" if sniffed else "its type cannot be recognised"
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        super().__init__(f"this file type is not accepted ({seen}); allowed: {allowed}")


class ContentTypeMismatch(RuleViolated):
    """The declared type is allowed, but the bytes are of another type."""

    def __init__(self, declared: str, sniffed: str, *, field: str = "contentType") -> None:
        super().__init__(f"declared {declared} but the file is {sniffed}", field=field)


def canonical_type(declared: str) -> str:
    """A declared media type without parameters, lower-cased, aliases resolved."""
    bare = declared.split(";", 1)[0].strip().lower()
    return _ALIASES.get(bare, bare)


def require_allowed_type(declared: str, *, field: str = "contentType") -> str:
    """The canonical form of a declared type, refused (422 on ``field``) when not allowed."""
    kind = canonical_type(declared)
    if kind not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise RuleViolated(
            f"{kind or 'an empty type'} is not accepted; allowed: {allowed}", field=field
        )
    return kind


def content_type_of(candidates: Iterable[str], declared: str | None) -> str:
    """The type of a file from what its first bytes may be (the sniffer's readings, most
    likely first) and what the client declared.

    Refused when any reading is an active document, or none is allowed; a declared type must
    be one of the readings (``application/octet-stream`` or none declares nothing)."""
    readings = [canonical_type(c) for c in candidates if c]
    active = [r for r in readings if r in _ACTIVE_TYPES]
    if active:
        raise FileTypeRefused(active[0])
    allowed = [r for r in readings if r in ALLOWED_TYPES]
    if not allowed:
        raise FileTypeRefused(readings[0] if readings else None)
    claimed = canonical_type(declared) if declared else ""
    if claimed in ("", "application/octet-stream"):
        return allowed[0]
    if claimed in allowed:
        return claimed
    raise ContentTypeMismatch(claimed, allowed[0])


def safe_filename(name: str) -> str:
    """The client's filename reduced to something safe in a key, a URL and a header.

    Only the last path segment (either slash), accents folded to ASCII, every other run of
    characters outside ``[A-Za-z0-9._-]`` one ``-``, no leading dots (no hidden files, no
    ``..``), at most ``MAX_FILENAME_LENGTH`` characters keeping the extension; ``file`` when
    nothing is left."""
    last = re.split(r"[\\/]", name)[-1]
    ascii_only = unicodedata.normalize("NFKD", last).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("-", ascii_only).strip("-").lstrip(".")
    if not cleaned.strip(".-_"):
        return "file"
    if len(cleaned) > MAX_FILENAME_LENGTH:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 10 and stem:
            cleaned = f"{stem[: MAX_FILENAME_LENGTH - len(extension) - 1]}.{extension}"
        else:
            cleaned = cleaned[:MAX_FILENAME_LENGTH]
    return cleaned


def object_key(organization_id: OrganizationId, asset_id: AssetId, filename: str) -> str:
    return f"{organization_id}/{asset_id}/{safe_filename(filename)}"


@dataclass(frozen=True, slots=True)
class Asset:
    id: AssetId
    organization_id: OrganizationId
    filename: str  # already safe (``safe_filename``)
    content_type: str
    size: int  # the bytes reserved while pending, the stored bytes once ready
    object_key: str
    status: AssetStatus
    created_by: UserId | None
    created_at: datetime
    completed_at: datetime | None = None

    @classmethod
    def reserve(
        cls,
        asset_id: AssetId,
        organization_id: OrganizationId,
        filename: str,
        content_type: str,
        size: int,
        created_by: UserId | None,
        now: datetime,
    ) -> Asset:
        name = safe_filename(filename)
        return cls(
            id=asset_id,
            organization_id=organization_id,
            filename=name,
            content_type=content_type,
            size=size,
            object_key=object_key(organization_id, asset_id, name),
            status=AssetStatus.PENDING,
            created_by=created_by,
            created_at=now,
        )

    def ready(self, content_type: str, size: int, now: datetime) -> Asset:
        if self.status is not AssetStatus.PENDING:
            raise AssetNotFound()  # completed already, or never started: nothing to complete
        return replace(
            self, content_type=content_type, size=size, status=AssetStatus.READY, completed_at=now
        )


class UploadRefused(RuleViolated):
    """A presigned upload stored something other than what was declared (size or type): it
    was deleted, and the client starts again."""

    code = "upload_refused"

    def __init__(self, detail: str) -> None:
        super().__init__(f"the uploaded file was refused and deleted: {detail}", field="file")
