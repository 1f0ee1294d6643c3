"""``/api/auth``: registration, login, refresh, logout, sessions, password flows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, delete, get, post
from litestar.params import FromPath, JSONBody

from ticketbase.application.context import Actor
from ticketbase.application.identity.get_me import GetMe
from ticketbase.application.identity.log_in import LogIn, LogInCommand
from ticketbase.application.identity.password_flows import (
    AcceptInvitation,
    ChangePassword,
    ForgotPassword,
    ResetPassword,
)
from ticketbase.application.identity.refresh_session import RefreshSession
from ticketbase.application.identity.register import Register, RegisterCommand, SignedIn
from ticketbase.application.identity.session_management import EndSession, ListSessions
from ticketbase.application.identity.sessions import IssuedTokens
from ticketbase.application.ports.unit_of_work import OrganizationRef
from ticketbase.domain.identity.membership import Membership
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.identity.user import User
from ticketbase.domain.shared.ids import SessionId
from ticketbase.entrypoints.http.auth import request_meta
from ticketbase.entrypoints.http.rate_limits import AuthRateLimitMiddleware
from ticketbase.entrypoints.http.response_cache import PER_TOKEN
from ticketbase.entrypoints.http.wire import BEARER, Wire

Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
EmailText = Annotated[str, msgspec.Meta(min_length=3, max_length=320)]
OpaqueToken = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class TokensWire(Wire):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"]
    expires_in: int


class UserWire(Wire):
    id: UUID
    email: str
    full_name: str
    is_platform_admin: bool


class OrganizationSummaryWire(Wire):
    id: UUID
    name: str
    slug: str


class MembershipWire(Wire):
    role: Role
    permissions: list[Permission]
    department_id: UUID | None


class SignedInResponse(Wire):
    """Registering or accepting an invitation: always a member of an organization."""

    tokens: TokensWire
    user: UserWire
    organization: OrganizationSummaryWire


class LoginResponse(Wire):
    """``organization`` is null only for a platform administrator with no membership."""

    tokens: TokensWire
    user: UserWire
    organization: OrganizationSummaryWire | None


class RefreshedResponse(Wire):
    tokens: TokensWire


class MeResponse(Wire):
    user: UserWire
    membership: MembershipWire | None
    organization: OrganizationSummaryWire | None


class SessionWire(Wire):
    id: UUID
    user_agent: str | None
    ip: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    organization_id: UUID | None
    current: bool


class SessionsResponse(Wire):
    items: list[SessionWire]


class RegisterRequest(Wire):
    organization_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    organization_slug: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    email: EmailText
    password: Password
    full_name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class LoginRequest(Wire):
    email: EmailText
    password: Password
    organization: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class RefreshRequest(Wire):
    refresh_token: OpaqueToken


class ForgotPasswordRequest(Wire):
    email: EmailText


class AcceptedResponse(Wire):
    status: str


class TokenPasswordRequest(Wire):
    token: OpaqueToken
    password: Password


class ChangePasswordRequest(Wire):
    current_password: Password
    new_password: Password


def tokens_wire(tokens: IssuedTokens) -> TokensWire:
    return TokensWire(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        token_type="Bearer",  # noqa: S106 - the scheme name, not a secret
        expires_in=tokens.expires_in,
    )


def user_wire(user: User) -> UserWire:
    return UserWire(
        id=user.id,
        email=user.email.value,
        full_name=user.full_name,
        is_platform_admin=user.is_platform_admin,
    )


def _organization(o: OrganizationRef | None) -> OrganizationSummaryWire | None:
    return None if o is None else OrganizationSummaryWire(id=o.id, name=o.name, slug=o.slug.value)


def _member_organization(o: OrganizationRef | None) -> OrganizationSummaryWire:
    summary = _organization(o)
    if summary is None:
        raise AssertionError("registering and accepting an invitation always give a membership")
    return summary


def _membership(m: Membership | None) -> MembershipWire | None:
    if m is None:
        return None
    return MembershipWire(
        role=m.role,
        permissions=sorted(m.permissions),
        department_id=m.department_id,
    )


def signed_in(result: SignedIn) -> SignedInResponse:
    return SignedInResponse(
        tokens=tokens_wire(result.tokens),
        user=user_wire(result.user),
        organization=_member_organization(result.organization),
    )


def logged_in(result: SignedIn) -> LoginResponse:
    return LoginResponse(
        tokens=tokens_wire(result.tokens),
        user=user_wire(result.user),
        organization=_organization(result.organization),
    )


# The credential routes are limited per client address; /me and /sessions are not (the apps
# call them all the time, and they need a valid token anyway).
LIMITED = [AuthRateLimitMiddleware()]


class AuthController(Controller):
    path = "/api/auth"
    tags = ["authentication"]

    @post(
        "/register",
        middleware=LIMITED,
        status_code=201,
        summary="Create an organization and its owner",
    )
    async def register(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RegisterRequest],
        use_case: FromDishka[Register],
    ) -> SignedInResponse:
        command = RegisterCommand(
            organization_name=data.organization_name,
            organization_slug=data.organization_slug,
            email=data.email,
            password=data.password,
            full_name=data.full_name,
            meta=request_meta(request),
        )
        return signed_in(await use_case(command))

    @post("/login", middleware=LIMITED, status_code=200, summary="Log in with email and password")
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[LoginRequest],
        use_case: FromDishka[LogIn],
    ) -> LoginResponse:
        command = LogInCommand(data.email, data.password, data.organization, request_meta(request))
        return logged_in(await use_case(command))

    @post(
        "/refresh",
        middleware=LIMITED,
        status_code=200,
        summary="Rotate the refresh token, get new tokens",
    )
    async def refresh(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[RefreshRequest],
        use_case: FromDishka[RefreshSession],
    ) -> RefreshedResponse:
        tokens = await use_case(data.refresh_token, request_meta(request))
        return RefreshedResponse(tokens=tokens_wire(tokens))

    @post("/logout", status_code=204, security=BEARER, summary="End the current session")
    async def logout(self, actor: FromDishka[Actor], use_case: FromDishka[EndSession]) -> None:
        await use_case(actor)

    @get(
        "/me",
        security=BEARER,
        summary="The caller, its membership and organization",
        opt={"response_cache": PER_TOKEN},  # see entrypoints/http/response_cache.py
    )
    async def me(self, actor: FromDishka[Actor], use_case: FromDishka[GetMe]) -> MeResponse:
        me = await use_case(actor)
        return MeResponse(
            user=user_wire(me.user),
            membership=_membership(me.membership),
            organization=_organization(me.organization),
        )

    @get("/sessions", security=BEARER, summary="The caller's active sessions")
    async def sessions(
        self, actor: FromDishka[Actor], use_case: FromDishka[ListSessions]
    ) -> SessionsResponse:
        found = await use_case(actor)
        return SessionsResponse(
            items=[
                SessionWire(
                    id=s.id,
                    user_agent=s.user_agent,
                    ip=s.ip,
                    created_at=s.created_at,
                    last_used_at=s.last_used_at,
                    expires_at=s.expires_at,
                    organization_id=s.organization_id,
                    current=s.id == actor.session_id,
                )
                for s in found
            ]
        )

    @delete(
        "/sessions/{id:uuid}",
        status_code=204,
        security=BEARER,
        summary="End one of the caller's sessions (another device)",
    )
    async def end_session(
        self,
        id: FromPath[UUID],
        actor: FromDishka[Actor],
        use_case: FromDishka[EndSession],
    ) -> None:
        await use_case(actor, SessionId(id))

    @post(
        "/forgot-password",
        middleware=LIMITED,
        status_code=202,
        summary="Email a one-time reset link",
    )
    async def forgot_password(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[ForgotPasswordRequest],
        use_case: FromDishka[ForgotPassword],
    ) -> AcceptedResponse:
        await use_case(data.email, request_meta(request))
        return AcceptedResponse(status="accepted")

    @post(
        "/reset-password",
        middleware=LIMITED,
        status_code=204,
        summary="Set a new password with a reset link",
    )
    async def reset_password(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TokenPasswordRequest],
        use_case: FromDishka[ResetPassword],
    ) -> None:
        await use_case(data.token, data.password, request_meta(request))

    @post(
        "/accept-invitation",
        middleware=LIMITED,
        status_code=200,
        summary="Choose a password and sign in",
    )
    async def accept_invitation(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TokenPasswordRequest],
        use_case: FromDishka[AcceptInvitation],
    ) -> SignedInResponse:
        return signed_in(await use_case(data.token, data.password, request_meta(request)))

    @post(
        "/change-password",
        middleware=LIMITED,
        status_code=204,
        security=BEARER,
        summary="Change the password; ends the account's other sessions",
    )
    async def change_password(
        self,
        data: JSONBody[ChangePasswordRequest],
        actor: FromDishka[Actor],
        use_case: FromDishka[ChangePassword],
    ) -> None:
        await use_case(data.current_password, data.new_password, actor)
