"""``ManualBilling``: plans invoiced by hand (the default, and self-hosting without a provider).

Nothing is called: the change is recorded with its audit row and the operator invoices it. A
reference given earlier by hand stays."""

from __future__ import annotations

from ticketbase.application.ports.subscriptions import BillingChange
from ticketbase.domain.shared.ids import OrganizationId
from ticketbase.domain.subscriptions.plan import PlanName


class ManualBilling:
    async def change_plan(
        self, organization_id: OrganizationId, plan: PlanName, current_reference: str | None
    ) -> BillingChange:
        return BillingChange(provider="manual", reference=current_reference)
