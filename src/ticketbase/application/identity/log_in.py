"""Log in with email and password, into one of the user's organizations."""

from __future__ import annotations

from dataclasses import dataclass

from ticketbase.application.context import RequestMeta
from ticketbase.application.identity.login_throttle import LoginThrottle
from ticketbase.application.identity.register import SignedIn
from ticketbase.application.identity.sessions import SessionIssuer
from ticketbase.application.ports.audit import AuditEntry, JsonValue, SecurityEvent
from ticketbase.application.ports.security import PasswordHasher
from ticketbase.application.ports.system import Clock, IdGenerator
from ticketbase.application.ports.unit_of_work import (
    MembershipSummary,
    OrganizationRef,
    UnitOfWork,
)
from ticketbase.domain.identity.membership import MembershipStatus
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.errors import InvalidCredentials, RateLimited, RuleViolated
from ticketbase.domain.shared.values import EmailAddress

_INVALID = "the email or password is not correct"


@dataclass(frozen=True, slots=True)
class LogInCommand:
    email: str
    password: str
    organization_slug: str | None
    meta: RequestMeta


class LogIn:
    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        issuer: SessionIssuer,
        throttle: LoginThrottle,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow, self._hasher, self._issuer, self._throttle = uow, hasher, issuer, throttle
        self._clock, self._ids = clock, ids
        self._dummy_hash: str | None = None

    async def __call__(self, command: LogInCommand) -> SignedIn:
        try:
            email = EmailAddress.parse(command.email)
        except RuleViolated:
            raise InvalidCredentials(_INVALID) from None
        try:
            await self._throttle.check(email, command.meta.ip)
        except RateLimited:
            await self._record(None, command.meta, "login_throttled", {})
            raise
        async with self._uow.system() as system:
            user = await system.users.by_email(email)
            memberships = await system.memberships_of_user(user.id) if user else []
        if not await self._password_matches(user, command.password):
            await self._fail(
                email, user, command.meta, "wrong_password" if user else "unknown_email"
            )
            raise InvalidCredentials(_INVALID)
        assert user is not None
        chosen = self._choose(user, memberships, command.organization_slug)
        if chosen is None and not user.is_platform_admin:
            await self._fail(email, user, command.meta, "no_active_membership")
            raise InvalidCredentials(_INVALID)
        await self._throttle.succeeded(email)
        rehashed = self._hasher.needs_rehash(user.password_hash or "")
        if rehashed:
            user.password_hash = await self._hasher.hash(command.password)
        return await self._start(user, chosen, command.meta, save_user=rehashed)

    async def _password_matches(self, user: User | None, password: str) -> bool:
        if user is None or user.password_hash is None:
            # The same work as a real check, so timing does not tell which emails exist.
            if self._dummy_hash is None:
                self._dummy_hash = await self._hasher.hash("not-a-real-password-0000")
            await self._hasher.verify(self._dummy_hash, password)
            return False
        return await self._hasher.verify(user.password_hash, password)

    @staticmethod
    def _choose(
        user: User, memberships: list[MembershipSummary], slug: str | None
    ) -> MembershipSummary | None:
        usable = [m for m in memberships if m.status is not MembershipStatus.DEACTIVATED]
        if slug is not None:
            found = next((m for m in usable if m.organization_slug.value == slug), None)
            if found is None:
                raise InvalidCredentials(_INVALID)
            return found
        if len(usable) > 1:
            raise RuleViolated(
                "this account belongs to several organizations: say which one "
                f"({', '.join(m.organization_slug.value for m in usable)})",
                field="organization",
            )
        return usable[0] if usable else None

    async def _start(
        self, user: User, chosen: MembershipSummary | None, meta: RequestMeta, *, save_user: bool
    ) -> SignedIn:
        now = self._clock.now()
        if chosen is None:  # a platform administrator with no organization
            async with self._uow.system() as system:
                if save_user:
                    await system.users.save(user)
                tokens = await self._issuer.start(system, user, None, meta)
                await system.commit()
            return SignedIn(tokens, user, None, None)
        async with self._uow.for_tenant(chosen.organization_id) as tx:
            membership = await tx.memberships.get(chosen.membership_id)
            if membership is None or not membership.can_log_in:
                raise InvalidCredentials(_INVALID)
            await tx.memberships.record_login(membership.id, now)
            membership.last_login_at = now
            if membership.status is MembershipStatus.INVITED:
                membership.status = MembershipStatus.ACTIVE
            if save_user:
                await tx.users.save(user)
            tokens = await self._issuer.start(tx, user, membership, meta)
            await tx.audit.append(
                AuditEntry(
                    id=self._ids.new(),
                    at=now,
                    actor_id=user.id,
                    action="auth.login",
                    target_type="session",
                    target_id=str(tokens.session_id),
                    meta=meta,
                )
            )
            await tx.commit()
        organization = OrganizationRef(
            chosen.organization_id, chosen.organization_name, chosen.organization_slug
        )
        return SignedIn(tokens, user, membership, organization)

    async def _fail(
        self, email: EmailAddress, user: User | None, meta: RequestMeta, reason: str
    ) -> None:
        await self._throttle.failed(email, meta.ip)
        await self._record(user, meta, "login_failed", {"reason": reason})

    async def _record(
        self, user: User | None, meta: RequestMeta, kind: str, detail: dict[str, JsonValue]
    ) -> None:
        async with self._uow.system() as system:
            await system.security_events.record(
                SecurityEvent(
                    id=self._ids.new(),
                    at=self._clock.now(),
                    kind=kind,
                    user_id=user.id if user else None,
                    meta=meta,
                    detail=detail,
                )
            )
            await system.commit()
