"""Re-encrypt personal fields under the newest key (``ticketbase rotate-keys``).

Organization by organization, in short transactions of ``batch_size`` records each, so the API
keeps serving meanwhile: a batch locks only its own rows and skips those a checkout or payment
holds. Each batch commits on its own, and a record already under the newest key is never taken
again, so an interrupted run resumes where it stopped when run again. An organization is done
when a batch comes back short (rows skipped because they were locked are taken by the next run;
the answer says how many were rewritten). Organizations are taken newest first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ticketbase.application.pagination import PageRequest
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.shared.ids import OrganizationId

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Rotation:
    rewritten: int
    batches: int
    finished: bool
    """False when ``max_batches`` stopped it before every organization was done."""


class RotateEncryptionKeys:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(
        self,
        *,
        batch_size: int = 500,
        max_batches: int | None = None,
        progress: Progress | None = None,
    ) -> Rotation:
        if batch_size < 1:
            raise ValueError("a batch holds at least one record")
        rewritten = batches = 0
        for organization_id in await self._organizations():
            while True:
                if max_batches is not None and batches >= max_batches:
                    return Rotation(rewritten, batches, finished=False)
                async with self._uow.for_tenant(organization_id) as tx:
                    done = await tx.personal_data.reencrypt(batch_size)
                    await tx.commit()
                batches += 1
                rewritten += done
                if progress is not None:
                    progress(done)
                if done < batch_size:
                    break
        return Rotation(rewritten, batches, finished=True)

    async def _organizations(self) -> list[OrganizationId]:
        found: list[OrganizationId] = []
        page = PageRequest(limit=100)
        async with self._uow.lookups() as lookups:
            while True:
                listed = await lookups.list_organizations(None, page)
                found += [o.id for o in listed.items]
                if listed.next_after is None:
                    return found
                page = PageRequest(limit=100, after=listed.next_after)
