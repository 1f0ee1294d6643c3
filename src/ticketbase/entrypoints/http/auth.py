"""Bearer tokens → the calling Actor."""

from __future__ import annotations

from typing import Any

from litestar import Request

from ticketbase.application.context import Actor, RequestMeta
from ticketbase.application.identity.check_session import CheckSession
from ticketbase.application.ports.cache import record_deadline
from ticketbase.application.ports.security import TokenService
from ticketbase.domain.identity.permissions import effective_permissions
from ticketbase.domain.shared.errors import Unauthenticated
from ticketbase.entrypoints.http.request_context import request_id_of


def request_meta(request: Request[Any, Any, Any]) -> RequestMeta:
    return RequestMeta(
        ip=request.client.host if request.client else None,
        user_agent=(request.headers.get("user-agent") or "")[:512] or None,
        request_id=request_id_of(request.scope),
    )


async def actor_from_request(
    request: Request[Any, Any, Any], tokens: TokenService, check_session: CheckSession
) -> Actor:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("this needs an access token: Authorization: Bearer <token>")
    claims = tokens.verify_access_token(token.strip())
    # A session ended anywhere (logout, password change, removal) stops here at once.
    await check_session(claims.user_id, claims.session_id)
    record_deadline(claims.expires_at)  # an answer cached for this token dies with it
    return Actor(
        user_id=claims.user_id,
        session_id=claims.session_id,
        organization_id=claims.organization_id,
        role=claims.role,
        permissions=effective_permissions(claims.role, claims.grants, claims.revokes)
        if claims.role
        else frozenset(),
        is_platform_admin=claims.is_platform_admin,
        meta=request_meta(request),
    )
