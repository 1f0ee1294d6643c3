"""The assets' ``StorageQuota`` from each organization's plan."""

from __future__ import annotations

from ticketbase.application.subscriptions.plans import CurrentPlans
from ticketbase.domain.shared.ids import OrganizationId

# What "unlimited" reserves against: the counter is a bigint, and no disk holds more.
UNLIMITED_BYTES = 2**62


class PlanStorageQuota:
    def __init__(self, plans: CurrentPlans) -> None:
        self._plans = plans

    async def bytes_for(self, organization_id: OrganizationId) -> int:
        allowed = (await self._plans.limits_of(organization_id)).storage_bytes
        return UNLIMITED_BYTES if allowed is None else allowed
