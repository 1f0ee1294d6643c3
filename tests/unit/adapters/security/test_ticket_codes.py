"""Ed25519 ticket codes: they round-trip, are unique per attendee, refuse any altered character,
rotate keys, and verify offline with nothing but the published JWK."""

from __future__ import annotations

import base64
import hashlib
import stat
import string
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from ticketbase.adapters.security.ticket_codes import (
    CODE_LENGTH,
    DEVELOPMENT_KEYS_FILE,
    Ed25519TicketSigner,
    TicketSigningKeys,
    generate_private_key,
)
from ticketbase.application.ports.tickets import TicketClaims
from ticketbase.domain.orders.attendee import TicketCode
from ticketbase.domain.shared.errors import RuleViolated
from ticketbase.domain.shared.ids import AttendeeId, EventId, OrganizationId

KEY_A = generate_private_key()
KEY_B = generate_private_key()
ORG = OrganizationId(uuid.UUID("0190a1b2-0000-7000-8000-000000000001"))
EVENT = EventId(uuid.UUID("0190a1b2-0000-7000-8000-000000000002"))
ATTENDEE = AttendeeId(uuid.UUID("0190a1b2-0000-7000-8000-000000000003"))
CODE_ALPHABET = string.ascii_letters + string.digits + "._~-"


def signer(*keys: str) -> Ed25519TicketSigner:
    return Ed25519TicketSigner(TicketSigningKeys.parse(keys))


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


SIGNER = signer(KEY_A)
CODE = SIGNER.sign(ORG, EVENT, ATTENDEE)


def test_a_signed_code_verifies_to_its_claims() -> None:
    kid = SIGNER.public_keys()[0]["kid"]
    assert SIGNER.verify(CODE) == TicketClaims(ORG, EVENT, ATTENDEE, key_id=str(kid))


@given(st.uuids(), st.uuids(), st.uuids())
def test_every_code_round_trips_fits_the_domain_and_stays_short(
    organization: uuid.UUID, event: uuid.UUID, attendee: uuid.UUID
) -> None:
    code = SIGNER.sign(OrganizationId(organization), EventId(event), AttendeeId(attendee))
    assert TicketCode(code.value) == code  # the domain's own validation accepts it
    assert len(code.value) == CODE_LENGTH <= 200
    claims = SIGNER.verify(TicketCode.parse(code.value))
    assert claims is not None
    assert (claims.organization_id, claims.event_id, claims.attendee_id) == (
        organization,
        event,
        attendee,
    )


def test_distinct_attendees_get_distinct_codes_and_one_attendee_always_the_same() -> None:
    attendees = [AttendeeId(uuid.uuid4()) for _ in range(200)]
    codes = {SIGNER.sign(ORG, EVENT, a) for a in attendees}
    assert len(codes) == len(attendees)
    assert SIGNER.sign(ORG, EVENT, ATTENDEE) == CODE
    assert SIGNER.sign(ORG, EventId(uuid.uuid4()), ATTENDEE) != CODE


@given(st.data())
def test_any_single_changed_character_is_refused(data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(CODE.value) - 1), label="position")
    original = CODE.value[position]
    replacement = data.draw(
        st.sampled_from(CODE_ALPHABET).filter(lambda c: c != original), label="replacement"
    )
    altered = CODE.value[:position] + replacement + CODE.value[position + 1 :]
    assert SIGNER.verify(TicketCode(altered)) is None


def test_every_spare_bit_of_the_last_signature_character_is_refused() -> None:
    # 86 characters carry 516 bits for a 512-bit signature: a decoder that ignores the spare bits
    # would accept several texts for one ticket. Flip each such variant explicitly.
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    last = alphabet.index(CODE.value[-1])
    variants = [alphabet[last ^ bits] for bits in range(1, 16)]
    for variant in variants:
        assert SIGNER.verify(TicketCode(CODE.value[:-1] + variant)) is None


@pytest.mark.parametrize(
    "text",
    [
        "not-a-ticket-code-at-all",
        CODE.value[:-1],
        CODE.value + "A",
        CODE.value.replace(".", "~", 1),
        "." * CODE_LENGTH,
        "A" * CODE_LENGTH,
        "~" * 512,
        CODE.value[:65] + "." + CODE.value[65] + CODE.value[67:],  # fields 65/9, right total
    ],
)
def test_text_that_is_not_a_code_is_refused_without_raising(text: str) -> None:
    assert SIGNER.verify(TicketCode(text)) is None


def test_a_wrong_payload_length_or_version_is_refused_even_when_signed() -> None:
    private = Ed25519PrivateKey.from_private_bytes(unb64(KEY_A))
    kid = str(SIGNER.public_keys()[0]["kid"])
    body = ORG.bytes + EVENT.bytes + ATTENDEE.bytes

    def forged(payload: bytes) -> TicketCode:
        signed = f"{b64(payload)}.{kid}"
        return TicketCode(f"{signed}.{b64(private.sign(signed.encode()))}")

    assert SIGNER.verify(forged(b"\x01" + body)) is not None  # the forger's recipe is right
    assert SIGNER.verify(forged(b"\x02" + body)) is None
    assert SIGNER.verify(forged(b"\x00" + body)) is None
    assert SIGNER.verify(forged(b"\x01" + body + b"\x00")) is None


def test_the_first_key_signs_and_every_configured_key_verifies_until_retired() -> None:
    old = signer(KEY_B)
    signed_by_b = old.sign(ORG, EVENT, ATTENDEE)
    rotated = signer(KEY_A, KEY_B)

    assert rotated.verify(signed_by_b) is not None
    assert rotated.sign(ORG, EVENT, ATTENDEE) == CODE  # A, the newest, signs
    assert [k["kid"] for k in rotated.public_keys()] == [
        SIGNER.public_keys()[0]["kid"],
        old.public_keys()[0]["kid"],
    ]
    assert signer(KEY_A).verify(signed_by_b) is None  # B retired


def test_a_code_relabelled_with_another_key_id_is_refused() -> None:
    both = signer(KEY_A, KEY_B)
    kid_a, kid_b = (str(k["kid"]) for k in both.public_keys())
    payload, kid, signature = CODE.value.split(".")
    assert kid == kid_a
    assert both.verify(TicketCode(f"{payload}.{kid_b}.{signature}")) is None
    # Not even B's own signature over the payload alone moves it: the kid is signed too.
    private_b = Ed25519PrivateKey.from_private_bytes(unb64(KEY_B))
    resigned = b64(private_b.sign(payload.encode()))
    assert both.verify(TicketCode(f"{payload}.{kid_b}.{resigned}")) is None


def test_the_published_jwk_verifies_a_code_with_plain_cryptography_as_a_scanner_would() -> None:
    (jwk,) = SIGNER.public_keys()
    assert {k: v for k, v in jwk.items() if k != "x" and k != "kid"} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "use": "sig",
        "alg": "EdDSA",
    }
    assert isinstance(jwk["x"], str)
    public = Ed25519PublicKey.from_public_bytes(unb64(jwk["x"]))
    assert jwk["kid"] == b64(hashlib.sha256(unb64(jwk["x"])).digest()[:6])

    signed, _, signature = CODE.value.rpartition(".")
    payload, _, kid = signed.partition(".")
    assert kid == jwk["kid"]
    public.verify(unb64(signature), signed.encode("ascii"))
    body = unb64(payload)
    assert body[0] == 1
    assert [uuid.UUID(bytes=body[i : i + 16]) for i in (1, 17, 33)] == [ORG, EVENT, ATTENDEE]

    with pytest.raises(InvalidSignature):
        public.verify(unb64(signature), (signed[:-1] + "x").encode("ascii"))


def test_public_keys_hand_out_copies() -> None:
    keys = SIGNER.public_keys()
    keys[0]["kid"] = "tampered"
    assert SIGNER.public_keys()[0]["kid"] != "tampered"


@pytest.mark.parametrize(
    "values",
    [
        [],
        ["not a key"],
        [KEY_A[:-1]],
        [KEY_A + "A"],
        [KEY_A, KEY_A],
        [KEY_A, "x" * 43 + "="],
    ],
)
def test_malformed_key_settings_are_refused_without_echoing_a_key(values: list[str]) -> None:
    with pytest.raises(ValueError, match="ticket signing key") as refused:
        TicketSigningKeys.parse(values)
    assert KEY_A not in str(refused.value)


def test_a_key_with_spare_bits_set_is_refused() -> None:
    # 43 characters carry 258 bits for a 256-bit key: the variant would be the same key.
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    variant = KEY_A[:-1] + alphabet[alphabet.index(KEY_A[-1]) ^ 1]
    with pytest.raises(ValueError, match="ticket signing key 1 of 1"):
        TicketSigningKeys.parse([variant])


def test_configured_keys_tolerate_surrounding_whitespace() -> None:
    assert (
        TicketSigningKeys.parse([f" {KEY_A}\n"]).key_ids == TicketSigningKeys.parse([KEY_A]).key_ids
    )


def test_generated_keys_differ_and_load() -> None:
    keys = {generate_private_key() for _ in range(20)}
    assert len(keys) == 20
    assert len(TicketSigningKeys.parse(sorted(keys)).key_ids) == 20


def test_the_development_key_is_generated_once_private_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = TicketSigningKeys.development(data_dir)
    path = data_dir / DEVELOPMENT_KEYS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert TicketSigningKeys.development(data_dir).key_ids == first.key_ids
    code = Ed25519TicketSigner(first).sign(ORG, EVENT, ATTENDEE)
    assert Ed25519TicketSigner(TicketSigningKeys.development(data_dir)).verify(code) is not None
    assert sorted(p.name for p in data_dir.iterdir()) == [DEVELOPMENT_KEYS_FILE]  # no leftovers
    assert TicketSigningKeys.development(tmp_path / "other").key_ids != first.key_ids


def test_workers_starting_at_once_share_one_development_key(tmp_path: Path) -> None:
    with ThreadPoolExecutor(8) as pool:
        loaded = list(pool.map(lambda _: TicketSigningKeys.development(tmp_path).key_ids, range(8)))
    assert len(set(loaded)) == 1
    assert [p.name for p in tmp_path.iterdir()] == [DEVELOPMENT_KEYS_FILE]


def test_a_damaged_development_key_file_is_named_in_the_error(tmp_path: Path) -> None:
    (tmp_path / DEVELOPMENT_KEYS_FILE).write_text("garbage\n")
    with pytest.raises(ValueError, match=DEVELOPMENT_KEYS_FILE):
        TicketSigningKeys.development(tmp_path)


def test_a_signed_code_passes_the_domain_shape_but_a_forgery_of_it_does_too() -> None:
    # The domain only checks the shape: the signer is what tells the two apart.
    forged = CODE.value[:-2] + ("AA" if CODE.value[-2:] != "AA" else "BA")
    assert TicketCode(forged).value == forged
    assert SIGNER.verify(TicketCode(forged)) is None
    with pytest.raises(RuleViolated):
        TicketCode(CODE.value + "!")
