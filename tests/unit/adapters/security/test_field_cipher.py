"""AES-GCM field encryption: ciphertexts name their key, open only in their place, survive a
rotation under the older key, and the development key is generated once."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ticketbase.adapters.security.field_cipher import (
    PREFIX,
    FieldCipher,
    UnreadableCiphertext,
    generate_key,
)
from ticketbase.adapters.security.subject_hash import HmacSubjectHasher
from ticketbase.domain.shared.values import EmailAddress

OLD, NEW = generate_key(), generate_key()
PLACE = "orders.buyer_email:org:order"


def test_a_value_round_trips_under_the_first_key_and_names_it() -> None:
    cipher = FieldCipher([NEW, OLD])
    sealed = cipher.encrypt("ada@example.com", PLACE)
    assert sealed.startswith(f"{PREFIX}{cipher.current_kid}:")
    assert cipher.is_current(sealed)
    assert "ada" not in sealed
    assert cipher.decrypt(sealed, PLACE) == "ada@example.com"
    assert cipher.encrypt("ada@example.com", PLACE) != sealed  # a fresh nonce each time


def test_after_a_rotation_the_older_keys_ciphertexts_still_open_and_are_not_current() -> None:
    before = FieldCipher([OLD]).encrypt("Ada Lovelace", PLACE)
    rotated = FieldCipher([NEW, OLD])
    assert not rotated.is_current(before)
    assert rotated.decrypt(before, PLACE) == "Ada Lovelace"
    assert rotated.key_ids[1] == FieldCipher([OLD]).current_kid


def test_a_retired_key_a_moved_value_and_a_tampered_one_do_not_open() -> None:
    sealed = FieldCipher([OLD]).encrypt("Ada Lovelace", PLACE)
    with pytest.raises(UnreadableCiphertext, match="no configured key"):
        FieldCipher([NEW]).decrypt(sealed, PLACE)
    with pytest.raises(UnreadableCiphertext):
        FieldCipher([OLD]).decrypt(sealed, "orders.buyer_email:org:another-order")
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    with pytest.raises(UnreadableCiphertext):
        FieldCipher([OLD]).decrypt(flipped, PLACE)


def test_a_value_in_clear_from_before_encryption_reads_as_is() -> None:
    cipher = FieldCipher([NEW])
    assert cipher.decrypt("ada@example.com", PLACE) == "ada@example.com"
    assert not cipher.is_current("ada@example.com")


@pytest.mark.parametrize(
    ("keys", "message"),
    [([], "at least one"), (["A" * 22], "32 bytes"), (["!" * 43], "base64url|32 bytes")],
)
def test_bad_keys_are_refused(keys: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FieldCipher(keys)


def test_the_development_key_is_generated_once_and_private(tmp_path: Path) -> None:
    first = FieldCipher.development(tmp_path / "data")
    again = FieldCipher.development(tmp_path / "data")
    assert first.current_kid == again.current_kid
    assert again.decrypt(first.encrypt("x", PLACE), PLACE) == "x"
    path = tmp_path / "data" / "encryption-keys"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert FieldCipher.development(tmp_path / "other").current_kid != first.current_kid


def test_the_lookup_hash_is_keyed_and_stable(tmp_path: Path) -> None:
    ada = EmailAddress("ada@example.com")
    one, two = HmacSubjectHasher("k" * 32), HmacSubjectHasher("j" * 32)
    assert one.digest(ada) == HmacSubjectHasher("k" * 32).digest(ada)
    assert one.digest(ada) != two.digest(ada)
    assert one.subject_id(ada) == "hmac-sha256:" + one.digest(ada).hex()
    with pytest.raises(ValueError, match="32"):
        HmacSubjectHasher("short")
    generated = HmacSubjectHasher.development(tmp_path)
    assert HmacSubjectHasher.development(tmp_path).digest(ada) == generated.digest(ada)
    assert stat.S_IMODE((tmp_path / "privacy-hash-key").stat().st_mode) == 0o600
