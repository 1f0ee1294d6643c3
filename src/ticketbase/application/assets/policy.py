"""The limits and lifetimes of assets, from settings, and the quota until plans decide it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from ticketbase.domain.shared.ids import OrganizationId

SNIFF_BYTES = 4096  # enough for every signature on the allowlist (and HTML's first tags)


@dataclass(frozen=True, slots=True)
class AssetPolicy:
    max_file_bytes: int = 100 * 1024 * 1024
    upload_url_ttl: timedelta = timedelta(minutes=15)
    download_url_ttl: timedelta = timedelta(minutes=5)

    def __post_init__(self) -> None:
        if self.max_file_bytes < 1:
            raise ValueError("the largest file must be at least one byte")
        if self.upload_url_ttl <= timedelta(0) or self.download_url_ttl <= timedelta(0):
            raise ValueError("signed URLs must live a positive time")


class FixedStorageQuota:
    """The same quota for every organization (``TICKETBASE_STORAGE_QUOTA_BYTES``): the
    ``StorageQuota`` the plans will replace with each organization's own."""

    def __init__(self, quota_bytes: int) -> None:
        if quota_bytes < 0:
            raise ValueError("a storage quota cannot be negative")
        self._quota = quota_bytes

    async def bytes_for(self, organization_id: OrganizationId) -> int:
        return self._quota
