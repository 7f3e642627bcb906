"""Signing building blocks without a server: the canonical encoding, key ids, Ed25519 sign and
verify, the time and fraction formats, and the signing key file."""

from __future__ import annotations

import hashlib
from types import MappingProxyType
import json
import logging
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from knownparty_client import attestation as client_attestation
from knownparty_service.app.key_file import SigningKeyError, load_or_create_signing_key, public_key_of
from knownparty_service.domain.signing import (
    DecisionSigner,
    canonical_json,
    format_fraction,
    format_time,
    key_id_of,
    verify_signature,
)

PRIVATE_A = bytes(range(32))
PRIVATE_B = bytes(range(100, 132))

# -- canonical_json ---------------------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_drops_white_space() -> None:
    value = {"b": [1, {"z": True, "a": None}], "a": "x"}
    assert canonical_json(value) == b'{"a":"x","b":[1,{"a":null,"z":true}]}'


def test_canonical_json_does_not_depend_on_insertion_order() -> None:
    forward = {"name": "n", "flag": False, "reasons": [{"code": "C", "effect": "OUTCOME_KNOWN"}]}
    backward = dict(reversed(list(forward.items())))
    backward["reasons"] = [dict(reversed(list(forward["reasons"][0].items())))]
    assert canonical_json(forward) == canonical_json(backward)


def test_canonical_json_keeps_non_ascii_as_utf8() -> None:
    encoded = canonical_json({"name": "深圳 Ünïcode"})
    assert encoded == '{"name":"深圳 Ünïcode"}'.encode("utf-8")
    assert b"\\u" not in encoded


@pytest.mark.parametrize(
    "value",
    [
        1.0,
        {"score": 0.5},
        [1, [2, 0.25]],
        {"a": {"b": float("nan")}},
        {"a": ("x", (1, 2.5))},
        {"a": MappingProxyType({"b": [0.1]})},
        [{"z": True}, {"y": None, "x": [{"w": 3e-9}]}],
    ],
)
def test_canonical_json_refuses_floats_anywhere(value: object) -> None:
    with pytest.raises(TypeError, match="float"):
        canonical_json(value)


def test_canonical_json_refuses_non_string_keys() -> None:
    # json.dumps would encode {1: ...} and {"1": ...} the same.
    with pytest.raises(TypeError, match="string keys"):
        canonical_json({1: "x"})


# -- keys, signing, verification --------------------------------------------------------------------


def test_key_id_is_prefix_and_sha256_of_raw_public_key() -> None:
    public = DecisionSigner(PRIVATE_A).public_key
    assert key_id_of(public) == "ed25519:" + hashlib.sha256(public).hexdigest()[:16]
    assert len(key_id_of(public)) == len("ed25519:") + 16


def test_signer_exposes_raw_public_key_and_its_key_id() -> None:
    signer = DecisionSigner(PRIVATE_A)
    expected_public = (
        Ed25519PrivateKey.from_private_bytes(PRIVATE_A)
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    assert signer.public_key == expected_public
    assert len(signer.public_key) == 32
    assert signer.key_id == key_id_of(expected_public)
    assert signer.algorithm == "ed25519"
    assert DecisionSigner(PRIVATE_B).key_id != signer.key_id
    assert PRIVATE_A.hex() not in repr(signer)


def test_signer_refuses_a_key_of_the_wrong_length() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        DecisionSigner(b"short")


def test_sign_then_verify_round_trip() -> None:
    signer = DecisionSigner(PRIVATE_A)
    payload = canonical_json({"format": "knownparty.decision.v1", "flag": True})
    signature = signer.sign(payload)
    assert len(signature) == 64
    assert verify_signature(signer.public_key, payload, signature) is True
    # Ed25519 is deterministic: the same payload gives the same signature.
    assert signer.sign(payload) == signature


def test_verify_fails_for_another_key_or_altered_payload() -> None:
    signer = DecisionSigner(PRIVATE_A)
    payload = canonical_json({"outcome": "OUTCOME_NOT_KNOWN"})
    signature = signer.sign(payload)
    assert verify_signature(DecisionSigner(PRIVATE_B).public_key, payload, signature) is False
    assert verify_signature(signer.public_key, canonical_json({"outcome": "OUTCOME_KNOWN"}), signature) is False
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    assert verify_signature(signer.public_key, payload, flipped) is False


@pytest.mark.parametrize(
    ("public_key", "signature"),
    [(b"", b"x" * 64), (b"\x01" * 31, b"x" * 64), (None, b"x" * 64), ("text", b"x" * 64)],
)
def test_verify_returns_false_for_malformed_input(public_key, signature) -> None:
    assert verify_signature(public_key, b"payload", signature) is False


def test_verify_returns_false_for_malformed_signature() -> None:
    public = DecisionSigner(PRIVATE_A).public_key
    assert verify_signature(public, b"payload", b"") is False
    assert verify_signature(public, b"payload", b"\x00" * 63) is False


# -- time and fraction formats ------------------------------------------------------------------------


def test_format_time_is_utc_with_six_fraction_digits() -> None:
    assert format_time(datetime(2026, 3, 1, 9, 5, 7, tzinfo=timezone.utc)) == "2026-03-01T09:05:07.000000Z"
    plus_two = timezone(timedelta(hours=2))
    assert format_time(datetime(2026, 3, 1, 1, 0, 0, 42, tzinfo=plus_two)) == "2026-02-28T23:00:00.000042Z"


def test_format_time_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_time(datetime(2026, 3, 1))


def test_format_fraction_has_four_decimals() -> None:
    assert format_fraction(0.9) == "0.9000"
    assert format_fraction(1) == "1.0000"
    assert format_fraction(0.87654) == "0.8765"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc),
        datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_client_and_domain_format_identically(moment: datetime) -> None:
    # The client keeps its own copy so it need not import the server; both must agree.
    assert client_attestation.format_time(moment) == format_time(moment)
    for x in (0.0, 0.5, 0.12345, 0.99995, 1.0):
        assert client_attestation.format_fraction(x) == format_fraction(x)


# -- the key file ---------------------------------------------------------------------------------------


def test_key_file_generated_on_first_call_then_reused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "keys" / "nested" / "signing.pem"
    with caplog.at_level(logging.INFO, logger="knownparty_service.app.key_file"):
        first = load_or_create_signing_key(path)
    assert len(first) == 32
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key_id = DecisionSigner(first).key_id
    assert any("generated" in record.getMessage() and key_id in record.getMessage() for record in caplog.records)
    # Only the key file is left behind: the temp file was moved or removed.
    assert [p.name for p in path.parent.iterdir()] == ["signing.pem"]

    pem = path.read_bytes()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS8, unencrypted
    loaded = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(loaded, Ed25519PrivateKey)

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="knownparty_service.app.key_file"):
        second = load_or_create_signing_key(path)
    assert second == first
    assert pem == path.read_bytes()
    assert not any("generated" in record.getMessage() for record in caplog.records)


def test_concurrent_first_starts_all_get_the_one_key_kept(tmp_path: Path) -> None:
    # Several servers starting at once on an empty path must not each sign with their own key.
    path = tmp_path / "signing.pem"
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = list(pool.map(lambda _: load_or_create_signing_key(path), range(16)))
    assert len(set(keys)) == 1
    assert load_or_create_signing_key(path) == keys[0]
    assert [p.name for p in tmp_path.iterdir()] == ["signing.pem"]


def test_key_file_made_elsewhere_is_loaded(tmp_path: Path) -> None:
    path = tmp_path / "signing.pem"
    key = Ed25519PrivateKey.from_private_bytes(PRIVATE_A)
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    os.chmod(path, 0o600)
    assert load_or_create_signing_key(path) == PRIVATE_A
    assert public_key_of(PRIVATE_A) == DecisionSigner(PRIVATE_A).public_key


def test_public_key_of_matches_the_generated_file(tmp_path: Path) -> None:
    path = tmp_path / "signing.pem"
    private = load_or_create_signing_key(path)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    expected = loaded.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert public_key_of(private) == expected


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    os.chmod(path, 0o600)
    return path


def test_key_file_that_is_not_pem_names_the_path(tmp_path: Path) -> None:
    path = _write(tmp_path / "signing.pem", b"this is not a key\n")
    with pytest.raises(SigningKeyError, match="not a PEM") as caught:
        load_or_create_signing_key(path)
    assert str(path) in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert path.read_bytes() == b"this is not a key\n"  # never overwritten


def test_empty_key_file_is_refused_not_replaced(tmp_path: Path) -> None:
    path = _write(tmp_path / "signing.pem", b"")
    with pytest.raises(SigningKeyError, match="not a PEM") as caught:
        load_or_create_signing_key(path)
    assert str(path) in str(caught.value)
    assert path.read_bytes() == b""


def test_key_file_with_broken_pem_names_the_path(tmp_path: Path) -> None:
    path = _write(tmp_path / "signing.pem", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    with pytest.raises(SigningKeyError, match="not a readable PEM private key") as caught:
        load_or_create_signing_key(path)
    assert str(path) in str(caught.value)


def test_key_file_with_another_algorithm_names_the_path(tmp_path: Path) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = _write(tmp_path / "signing.pem", pem)
    with pytest.raises(SigningKeyError, match="not an Ed25519 key") as caught:
        load_or_create_signing_key(path)
    assert str(path) in str(caught.value)


def test_encrypted_key_file_names_the_path(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    path = _write(tmp_path / "signing.pem", pem)
    with pytest.raises(SigningKeyError, match="encrypted") as caught:
        load_or_create_signing_key(path)
    assert str(path) in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_key_file_names_the_path(tmp_path: Path) -> None:
    path = _write(tmp_path / "signing.pem", b"x")
    os.chmod(path, 0)
    with pytest.raises(SigningKeyError, match="cannot be read") as caught:
        load_or_create_signing_key(path)
    assert str(path) in str(caught.value)


def test_key_path_that_is_a_directory_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "signing.pem"
    path.mkdir()
    with pytest.raises(SigningKeyError, match="cannot be read") as caught:
        load_or_create_signing_key(path)
    assert str(path) in str(caught.value)


def test_generated_payload_is_json_readable() -> None:
    # The signed bytes are plain JSON for anyone auditing them with other tools.
    payload = canonical_json({"list_versions": ["watchlists/un/versions/3"], "party_revision": 4})
    assert json.loads(payload) == {"list_versions": ["watchlists/un/versions/3"], "party_revision": 4}
