"""Access tokens: HS256 JWTs with a ``kid`` so keys can rotate.

The newest secret signs; every configured secret (newest and previous) verifies. Only HS256 is
accepted: ``none`` and every other algorithm are refused before the signature is looked at.

A client sends the same token on every call for its lifetime, so verified claims are kept,
keyed by the whole token string (a different signature, or any other byte, is another key and
is verified in full). Expiry is checked on every call, cached or not; the cache is bounded.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from uuid import UUID

import jwt

from ticketbase.application.ports.security import AccessClaims
from ticketbase.application.ports.system import Clock
from ticketbase.domain.identity.permissions import Permission, Role
from ticketbase.domain.shared.errors import Unauthenticated
from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId

_ALGORITHM = "HS256"
_REQUIRED = ["exp", "iat", "iss", "aud", "sub", "sid", "jti"]
_LEEWAY_SECONDS = 5
_VERIFIED_CACHE_SIZE = 10_000


class InvalidToken(Unauthenticated):
    code = "invalid_token"


class TokenExpired(Unauthenticated):
    code = "token_expired"


def key_id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


class JwtTokenService:
    def __init__(
        self,
        *,
        secret: str,
        previous_secrets: tuple[str, ...] = (),
        issuer: str,
        audience: str,
        ttl_seconds: int,
        clock: Clock,
    ) -> None:
        self._signing = (key_id(secret), secret)
        self._keys = {key_id(s): s for s in (secret, *previous_secrets)}
        self._issuer, self._audience, self._ttl, self._clock = issuer, audience, ttl_seconds, clock
        self._verified: dict[str, AccessClaims] = {}

    def issue_access_token(
        self,
        *,
        user_id: UserId,
        session_id: SessionId,
        organization_id: OrganizationId | None,
        role: Role | None,
        is_platform_admin: bool,
        grants: frozenset[Permission] = frozenset(),
        revokes: frozenset[Permission] = frozenset(),
    ) -> tuple[str, int]:
        now = int(self._clock.now().timestamp())
        claims: dict[str, object] = {
            "sub": str(user_id),
            "sid": str(session_id),
            "jti": secrets.token_urlsafe(12),
            "iat": now,
            "exp": now + self._ttl,
            "iss": self._issuer,
            "aud": self._audience,
        }
        if organization_id is not None and role is not None:
            claims |= {"org": str(organization_id), "role": role.value}
            if grants:
                claims["grants"] = sorted(p.value for p in grants)
            if revokes:
                claims["revokes"] = sorted(p.value for p in revokes)
        if is_platform_admin:
            claims["pa"] = True
        kid, secret = self._signing
        return jwt.encode(claims, secret, algorithm=_ALGORITHM, headers={"kid": kid}), self._ttl

    def verify_access_token(self, token: str) -> AccessClaims:
        claims = self._verified.get(token)
        if claims is None:
            claims = self._verify(token)
            if len(self._verified) >= _VERIFIED_CACHE_SIZE:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = claims
        if claims.expires_at.timestamp() + _LEEWAY_SECONDS <= self._clock.now().timestamp():
            raise TokenExpired("the access token has expired")
        return claims

    def _verify(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
            secret = self._keys.get(str(header.get("kid")))
            if header.get("alg") != _ALGORITHM or secret is None:
                raise InvalidToken("the access token is not valid")
            claims = jwt.decode(
                token,
                secret,
                algorithms=[_ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                # Expiry is judged by the injected clock (verify_access_token), not the OS.
                options={"require": _REQUIRED, "verify_exp": False, "verify_iat": False},
            )
            organization = claims.get("org")
            role = claims.get("role")
            return AccessClaims(
                user_id=UserId(UUID(claims["sub"])),
                session_id=SessionId(UUID(claims["sid"])),
                organization_id=OrganizationId(UUID(organization)) if organization else None,
                role=Role(role) if organization and role else None,
                is_platform_admin=claims.get("pa") is True,
                token_id=str(claims["jti"]),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
                grants=frozenset(Permission(p) for p in claims.get("grants", ())),
                revokes=frozenset(Permission(p) for p in claims.get("revokes", ())),
            )
        except (jwt.InvalidTokenError, ValueError, KeyError, TypeError):
            raise InvalidToken("the access token is not valid") from None
