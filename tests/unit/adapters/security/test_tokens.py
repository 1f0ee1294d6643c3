"""JwtTokenService: HS256 access tokens with key ids, refusing every other algorithm."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

import jwt
import pytest

from ticketbase.adapters.memory.system import FixedClock
from ticketbase.adapters.security.tokens import (
    InvalidToken,
    JwtTokenService,
    TokenExpired,
    key_id,
)
from ticketbase.domain.identity.permissions import Role
from ticketbase.domain.shared.errors import Unauthenticated
from ticketbase.domain.shared.ids import OrganizationId, SessionId, UserId

SECRET = "current-secret-" + "c" * 64
OLD_SECRET = "previous-secret-" + "p" * 64
USER = UserId(UUID("0190a1b2-0000-7000-8000-000000000001"))
SESSION = SessionId(UUID("0190a1b2-0000-7000-8000-000000000002"))
ORG = OrganizationId(UUID("0190a1b2-0000-7000-8000-000000000003"))


def now() -> datetime:
    # PyJWT checks ``exp`` and ``iat`` against the wall clock, so tokens are issued "now".
    return datetime.now(UTC).replace(microsecond=0)


def service(
    secret: str = SECRET,
    *,
    previous: tuple[str, ...] = (),
    issuer: str = "ticketbase",
    audience: str = "ticketbase-api",
    ttl: int = 900,
    at: datetime | None = None,
) -> JwtTokenService:
    return JwtTokenService(
        secret=secret,
        previous_secrets=previous,
        issuer=issuer,
        audience=audience,
        ttl_seconds=ttl,
        clock=FixedClock(at or now()),
    )


def member_token(tokens: JwtTokenService) -> str:
    token, _ = tokens.issue_access_token(
        user_id=USER,
        session_id=SESSION,
        organization_id=ORG,
        role=Role.MANAGER,
        is_platform_admin=False,
    )
    return token


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def forged(header: dict[str, object], payload: dict[str, object], sign: bytes | None) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    if sign is None:
        return signing_input + "."
    signature = hmac.new(sign, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def claims_of(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def assert_invalid(tokens: JwtTokenService, token: str) -> None:
    with pytest.raises(InvalidToken) as caught:
        tokens.verify_access_token(token)
    assert caught.value.code == "invalid_token"
    assert isinstance(caught.value, Unauthenticated)


class TestRoundTrip:
    def test_member_claims_survive_issue_and_verify(self) -> None:
        issued_at = now()
        tokens = service(at=issued_at, ttl=600)
        token, lifetime = tokens.issue_access_token(
            user_id=USER,
            session_id=SESSION,
            organization_id=ORG,
            role=Role.SUPPORT,
            is_platform_admin=False,
        )
        claims = tokens.verify_access_token(token)

        assert lifetime == 600
        assert claims.user_id == USER
        assert claims.session_id == SESSION
        assert claims.organization_id == ORG
        assert claims.role is Role.SUPPORT
        assert claims.is_platform_admin is False
        assert claims.expires_at == issued_at + timedelta(seconds=600)
        assert claims.token_id

    def test_the_token_carries_the_api_claims(self) -> None:
        claims = claims_of(member_token(service()))
        assert {"sub", "org", "role", "sid", "jti", "iat", "exp", "iss", "aud"} <= set(claims)
        assert claims["iss"] == "ticketbase"
        assert claims["aud"] == "ticketbase-api"
        assert claims["org"] == str(ORG)
        assert claims["role"] == "manager"

    def test_a_platform_admin_without_organization(self) -> None:
        tokens = service()
        token, _ = tokens.issue_access_token(
            user_id=USER,
            session_id=SESSION,
            organization_id=None,
            role=None,
            is_platform_admin=True,
        )
        claims = tokens.verify_access_token(token)
        assert claims.organization_id is None
        assert claims.role is None
        assert claims.is_platform_admin is True

    def test_each_token_has_its_own_id(self) -> None:
        tokens = service()
        first = tokens.verify_access_token(member_token(tokens))
        second = tokens.verify_access_token(member_token(tokens))
        assert first.token_id != second.token_id

    def test_the_header_names_the_signing_key(self) -> None:
        header = jwt.get_unverified_header(member_token(service()))
        assert header["alg"] == "HS256"
        assert header["kid"] == key_id(SECRET)
        assert key_id(SECRET) != key_id(OLD_SECRET)


class TestRefusals:
    def test_an_expired_token_says_token_expired(self) -> None:
        issued_at = now() - timedelta(hours=1)
        token = member_token(service(at=issued_at, ttl=60))
        assert service(at=issued_at + timedelta(seconds=30)).verify_access_token(token)
        with pytest.raises(TokenExpired) as caught:
            service(at=issued_at + timedelta(seconds=66)).verify_access_token(token)
        assert caught.value.code == "token_expired"
        assert isinstance(caught.value, Unauthenticated)

    def test_a_token_verified_before_still_expires(self) -> None:
        """Verified claims are kept per token string; expiry is judged on every call."""
        issued_at = now() - timedelta(hours=1)
        clock = FixedClock(issued_at)
        tokens = JwtTokenService(
            secret=SECRET,
            issuer="ticketbase",
            audience="ticketbase-api",
            ttl_seconds=60,
            clock=clock,
        )
        token = member_token(tokens)
        assert tokens.verify_access_token(token).session_id == SESSION
        clock.advance(seconds=66)
        with pytest.raises(TokenExpired):
            tokens.verify_access_token(token)

    def test_a_token_one_byte_off_a_verified_one_is_verified_in_full(self) -> None:
        tokens = service()
        token = member_token(tokens)
        tokens.verify_access_token(token)
        head, payload, signature = token.split(".")
        flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
        assert_invalid(tokens, f"{head}.{payload}.{flipped}")

    def test_another_audience_is_refused(self) -> None:
        assert_invalid(service(audience="other-api"), member_token(service()))

    def test_another_issuer_is_refused(self) -> None:
        assert_invalid(service(issuer="someone-else"), member_token(service()))

    def test_a_signature_by_another_secret_under_our_key_id_is_refused(self) -> None:
        payload = claims_of(member_token(service()))
        token = forged(
            {"alg": "HS256", "typ": "JWT", "kid": key_id(SECRET)}, payload, b"guessed-" + b"g" * 32
        )
        assert_invalid(service(), token)

    def test_a_token_signed_with_our_secret_is_accepted_when_forged_the_same_way(self) -> None:
        # Guards the forging helper: the refusals above are about the key, not the helper.
        payload = claims_of(member_token(service()))
        token = forged(
            {"alg": "HS256", "typ": "JWT", "kid": key_id(SECRET)}, payload, SECRET.encode()
        )
        assert service().verify_access_token(token).user_id == USER

    def test_a_tampered_payload_is_refused(self) -> None:
        header, _, signature = member_token(service()).split(".")
        claims = claims_of(member_token(service()))
        claims["role"] = "owner"
        tampered = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
        assert_invalid(service(), tampered)

    def test_alg_none_is_refused(self) -> None:
        payload = claims_of(member_token(service()))
        assert_invalid(service(), forged({"alg": "none", "kid": key_id(SECRET)}, payload, None))

    def test_hs512_is_refused_even_with_the_right_secret(self) -> None:
        payload = claims_of(member_token(service()))
        token = jwt.encode(payload, SECRET, algorithm="HS512", headers={"kid": key_id(SECRET)})
        assert_invalid(service(), token)

    def test_an_rs256_header_over_an_hmac_signature_is_refused(self) -> None:
        # The classic algorithm confusion: an HMAC made with the shared secret, labelled RS256.
        payload = claims_of(member_token(service()))
        token = forged(
            {"alg": "RS256", "typ": "JWT", "kid": key_id(SECRET)}, payload, SECRET.encode()
        )
        assert_invalid(service(), token)

    def test_an_unknown_or_missing_key_id_is_refused(self) -> None:
        payload = claims_of(member_token(service()))
        assert_invalid(service(), jwt.encode(payload, SECRET, algorithm="HS256"))
        assert_invalid(
            service(), jwt.encode(payload, SECRET, algorithm="HS256", headers={"kid": "nope"})
        )

    @pytest.mark.parametrize("claim", ["sid", "jti", "sub", "exp", "iat"])
    def test_a_missing_required_claim_is_refused(self, claim: str) -> None:
        payload = claims_of(member_token(service()))
        del payload[claim]
        token = jwt.encode(payload, SECRET, algorithm="HS256", headers={"kid": key_id(SECRET)})
        assert_invalid(service(), token)

    def test_a_subject_that_is_not_a_uuid_is_refused(self) -> None:
        payload = claims_of(member_token(service())) | {"sub": "admin"}
        token = jwt.encode(payload, SECRET, algorithm="HS256", headers={"kid": key_id(SECRET)})
        assert_invalid(service(), token)

    def test_an_unknown_role_is_refused(self) -> None:
        payload = claims_of(member_token(service())) | {"role": "superuser"}
        token = jwt.encode(payload, SECRET, algorithm="HS256", headers={"kid": key_id(SECRET)})
        assert_invalid(service(), token)

    @pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "...."])
    def test_garbage_is_refused(self, token: str) -> None:
        assert_invalid(service(), token)


class TestKeyRotation:
    def test_a_token_of_the_previous_secret_verifies_while_it_is_listed(self) -> None:
        old_token = member_token(service(OLD_SECRET))
        rotated = service(SECRET, previous=(OLD_SECRET,))
        assert rotated.verify_access_token(old_token).user_id == USER

    def test_the_newest_secret_signs_after_rotation(self) -> None:
        rotated = service(SECRET, previous=(OLD_SECRET,))
        token = member_token(rotated)
        assert jwt.get_unverified_header(token)["kid"] == key_id(SECRET)
        assert_invalid(service(OLD_SECRET), token)

    def test_a_token_of_a_dropped_secret_is_refused(self) -> None:
        old_token = member_token(service(OLD_SECRET))
        assert_invalid(service(SECRET), old_token)
