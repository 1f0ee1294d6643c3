"""Move the organization to another plan, billed through the ``BillingGateway``.

In one transaction holding the organization's limit lock (limits.py): the current usage is
counted and the new plan refused (409, naming each limit that is over) when it does not fit; a
seat or an event racing the change waits for it, then counts against the new plan. The billing
provider is called inside that transaction, before the commit: a refused or failed billing
call changes nothing here, and a plan change is rare enough that holding this organization's
limit lock for one bounded round trip (the gateway's timeouts) costs only its own staff
actions a short wait. The plan cache of every process drops the organization's entry on commit
(``subscription_tag``), so the new request rate and storage quota apply at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.authorization import require
from ticketbase.application.context import Actor
from ticketbase.application.ports.audit import AuditEntry
from ticketbase.application.ports.subscriptions import BillingGateway
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.application.subscriptions.usage import current_usage
from ticketbase.application.subscriptions.views import SubscriptionView
from ticketbase.domain.identity.permissions import Permission
from ticketbase.domain.shared.errors import StaleVersion
from ticketbase.domain.subscriptions.plan import (
    PlanCatalog,
    PlanName,
    UnknownPlan,
    check_fits,
)


@dataclass(frozen=True, slots=True)
class ChangePlanCommand:
    plan: str
    expected_version: int | None = None


class ChangePlan:
    def __init__(
        self,
        uow: UnitOfWork,
        catalog: PlanCatalog,
        billing: BillingGateway,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._catalog, self._billing = uow, catalog, billing
        self._clock, self._ids = clock, ids

    async def __call__(self, command: ChangePlanCommand, actor: Actor) -> SubscriptionView:
        organization_id = require(actor, Permission.BILLING_MANAGE)
        try:
            plan = PlanName(command.plan)
        except ValueError:
            raise UnknownPlan(command.plan) from None
        now = self._clock.now()
        async with self._uow.for_tenant(organization_id) as tx:
            current = await tx.subscriptions.lock(now)
            if command.expected_version is not None and command.expected_version != current.version:
                raise StaleVersion(
                    f"the subscription is at version {current.version}, "
                    f"not {command.expected_version}; reload and retry"
                )
            if plan is current.plan:
                await tx.commit()  # keeps the row lock() created for a first reader
                return SubscriptionView(current, self._catalog[plan])
            usage = await current_usage(tx, now)
            check_fits(plan, usage, self._catalog)  # refused before billing is asked
            billed = await self._billing.change_plan(
                organization_id, plan, current.billing_reference
            )
            changed = current.change_plan(
                plan,
                usage=usage,
                catalog=self._catalog,
                billing_provider=billed.provider,
                billing_reference=billed.reference,
                now=now,
            )
            await tx.subscriptions.save(changed)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=actor.user_id,
                    action="subscription.plan_changed",
                    target_type="subscription",
                    target_id=str(organization_id),
                    meta=actor.meta,
                    changes={
                        "plan": {"from": current.plan.value, "to": plan.value},
                        "billingProvider": billed.provider,
                    },
                )
            )
            await tx.commit()
        return SubscriptionView(changed, self._catalog[plan])
