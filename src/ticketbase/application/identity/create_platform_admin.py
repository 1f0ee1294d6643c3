"""Create (or promote) a platform administrator: staff of the SaaS operator."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.ports.security import PasswordHasher
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import UnitOfWork
from ticketbase.domain.identity.user import User, check_password_policy
from ticketbase.domain.shared.ids import UserId
from ticketbase.domain.shared.values import EmailAddress


@dataclass(frozen=True, slots=True)
class CreatePlatformAdminCommand:
    email: str
    password: str
    full_name: str = "Platform administrator"


class CreatePlatformAdmin:
    def __init__(
        self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow, self._hasher, self._clock, self._ids = uow, hasher, clock, ids

    async def __call__(self, command: CreatePlatformAdminCommand) -> User:
        email = EmailAddress.parse(command.email)
        check_password_policy(command.password, email)
        password_hash = await self._hasher.hash(command.password)
        async with self._uow.system() as system:
            now = self._clock.now()
            user = await system.users.by_email(email)
            if user is None:
                user = User(
                    id=UserId(self._ids.new()),
                    email=email,
                    full_name=User.check_full_name(command.full_name),
                    password_hash=password_hash,
                    created_at=now,
                    is_platform_admin=True,
                    password_changed_at=now,
                )
                await system.users.add(user)
            else:
                user.is_platform_admin = True
                user.password_hash, user.password_changed_at = password_hash, now
                await system.users.save(user)
            await system.commit()
        return user
