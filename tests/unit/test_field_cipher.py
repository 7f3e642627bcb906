"""The field cipher, the data key file, the protected identifier types and their masking."""

from __future__ import annotations

import stat

import pytest

from knownparty_service.api.party_messages import masked
from knownparty_service.app.data_key_file import (
    DataKeyError,
    add_data_key,
    load_data_keys,
    load_or_create_data_keys,
    open_field_cipher,
)
from knownparty_service.domain.identifiers import PROTECTED_IDENTIFIER_TYPES, normalize_identifier
from knownparty_service.domain.parties import IdentifierType
from knownparty_service.storage.field_cipher import DataKeys, FieldCipher, FieldCipherError

CONTEXT = "parties/acme/identifiers/ein"


def test_round_trip_with_a_fresh_nonce_each_time():
    cipher = FieldCipher(DataKeys.generate("k1"))
    first, second = cipher.encrypt("987654321", CONTEXT), cipher.encrypt("987654321", CONTEXT)
    assert first != second
    assert first.startswith("enc:v1:k1:") and "987654321" not in first
    assert cipher.decrypt(first, CONTEXT) == cipher.decrypt(second, CONTEXT) == "987654321"


def test_a_ciphertext_moved_to_another_party_or_type_does_not_open():
    cipher = FieldCipher(DataKeys.generate())
    stored = cipher.encrypt("987654321", CONTEXT)
    for other in ("parties/other/identifiers/ein", "parties/acme/identifiers/tax_id"):
        with pytest.raises(FieldCipherError, match="failed authentication"):
            cipher.decrypt(stored, other)


def test_tampered_ciphertext_is_a_clear_error_without_the_value():
    cipher = FieldCipher(DataKeys.generate("k1"))
    stored = cipher.encrypt("987654321", CONTEXT)
    data = stored.rsplit(":", 1)[1]
    flipped = stored[: -len(data)] + ("A" if data[0] != "A" else "B") + data[1:]
    for bad in (flipped, stored[:-4], stored.replace("enc:v1:k1:", "enc:v1:k1:!!")):
        with pytest.raises(FieldCipherError) as caught:
            cipher.decrypt(bad, CONTEXT)
        message = str(caught.value)
        assert CONTEXT in message and "987654321" not in message and data not in message


def test_unknown_key_and_malformed_values_are_named():
    cipher = FieldCipher(DataKeys.generate("k1"))
    other = FieldCipher(DataKeys.generate("k2"))
    with pytest.raises(FieldCipherError, match="key 'k2', which is not in the data key file"):
        cipher.decrypt(other.encrypt("987654321", CONTEXT), CONTEXT)
    with pytest.raises(FieldCipherError, match="not in the enc:v1"):
        cipher.decrypt("987654321", CONTEXT)


def test_older_keys_decrypt_and_the_first_encrypts():
    old = DataKeys.generate("k1")
    stored = FieldCipher(old).encrypt("987654321", CONTEXT)
    rotated = FieldCipher(DataKeys((("k2", b"\x01" * 32), *old.keys), old.index_key))
    assert rotated.current_key_id == "k2"
    assert rotated.decrypt(stored, CONTEXT) == "987654321"
    assert not rotated.is_current(stored)
    assert rotated.is_current(rotated.encrypt("987654321", CONTEXT))


def test_digest_is_keyed_deterministic_and_fits_the_lookup_column():
    keys = DataKeys.generate()
    cipher = FieldCipher(keys)
    digest = cipher.digest("ein:987654321")
    assert digest == cipher.digest("ein:987654321") != cipher.digest("ein:987654322")
    assert digest.startswith("hmac:") and len(digest) <= 64 and "987654321" not in digest
    assert FieldCipher(DataKeys.generate()).digest("ein:987654321") != digest
    # The index key does not rotate: a new encryption key leaves digests alone.
    assert FieldCipher(DataKeys((("k9", b"\x02" * 32),), keys.index_key)).digest("ein:987654321") == digest


def test_key_file_is_created_private_and_reloaded(tmp_path):
    path = tmp_path / "keys" / "data.key"
    keys = load_or_create_data_keys(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    assert lines[0].startswith("index ") and len(lines) == 2
    assert load_or_create_data_keys(path) == keys == load_data_keys(path)


def test_adding_a_key_puts_it_first_and_keeps_the_rest(tmp_path):
    path = tmp_path / "data.key"
    before = load_or_create_data_keys(path)
    after = add_data_key(path)
    assert after.keys[1:] == before.keys and after.index_key == before.index_key
    assert after.keys[0][0] != before.keys[0][0]
    assert load_data_keys(path) == after
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_running_cipher_picks_up_a_key_added_since(tmp_path):
    path = tmp_path / "data.key"
    running = open_field_cipher(path)
    old_id = running.current_key_id
    rotated = FieldCipher(add_data_key(path))
    stored = rotated.encrypt("987654321", CONTEXT)
    assert running.decrypt(stored, CONTEXT) == "987654321"
    assert running.current_key_id == rotated.current_key_id != old_id


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("k1 AAAA\n", "no 'index' key line"),
        (f"index {'A' * 44}\n", "no encryption key line"),
        (f"index {'A' * 44}\nk1 not-base64!\n", "key k1 is not valid base64"),
        (f"index {'A' * 44}\nk1 AAAA\n", "key k1 must be 32 bytes"),
        (f"index {'A' * 44}\nk1 {'A' * 44} extra\n", "line 2: expected"),
        (f"index {'A' * 44}\nk:1 {'A' * 44}\n", "must be 1 to 32 letters"),
    ],
)
def test_malformed_key_files_are_refused_with_the_reason(tmp_path, content, problem):
    path = tmp_path / "data.key"
    path.write_text(content)
    with pytest.raises(DataKeyError, match=problem) as caught:
        load_data_keys(path)
    assert str(path) in str(caught.value)


def test_protected_types_are_the_personal_and_financial_ones():
    assert PROTECTED_IDENTIFIER_TYPES == {
        IdentifierType.TAX_ID,
        IdentifierType.EIN,
        IdentifierType.BANK_ACCOUNT,
        IdentifierType.ID_DOCUMENT,
    }


@pytest.mark.parametrize(
    ("id_type", "value", "country", "expected"),
    [
        (IdentifierType.BANK_ACCOUNT, "GB82 WEST 1234 5698 7654 32", "GB", ("GB82WEST12345698765432", "GB")),
        (IdentifierType.BANK_ACCOUNT, "0001-2345-6789", "US", ("000123456789", "US")),
        (IdentifierType.ID_DOCUMENT, "c01x00t47", "de", ("C01X00T47", "DE")),
    ],
)
def test_new_identifier_types_normalise(id_type, value, country, expected):
    assert normalize_identifier(id_type, value, country) == expected


@pytest.mark.parametrize(
    ("id_type", "value", "country", "problem"),
    [
        (IdentifierType.BANK_ACCOUNT, "GB82WEST12345698765433", "GB", "not a valid IBAN: invalid checksum"),
        (IdentifierType.BANK_ACCOUNT, "GB82WEST12345698765432", "DE", "does not match the IBAN"),
        (IdentifierType.BANK_ACCOUNT, "12#", "US", "not a valid bank account"),
        (IdentifierType.BANK_ACCOUNT, "000123456789", "", "issuing country is required"),
        (IdentifierType.ID_DOCUMENT, "C01X", "DE", "5 to 20 letters or digits"),
        (IdentifierType.ID_DOCUMENT, "C01X00T47", "", "issuing country is required"),
        (IdentifierType.EIN, "98-765432", "", "not a valid EIN"),
        (IdentifierType.TAX_ID, "536-90-4398X", "US", "not a valid tax ID"),
    ],
)
def test_bad_protected_identifiers_are_described_without_echoing_them(id_type, value, country, problem):
    with pytest.raises(ValueError, match=problem) as caught:
        normalize_identifier(id_type, value, country)
    compact = value.replace(" ", "").replace("-", "").upper()
    assert value not in str(caught.value) and compact not in str(caught.value)


def test_masking_keeps_the_last_four_of_long_values_and_less_of_short_ones():
    assert masked("987654321") == "*****4321"
    assert masked("GB82WEST12345698765432") == "*" * 18 + "5432"
    assert masked("C01X0") == "****0"
    assert masked("1234") == "***4"
