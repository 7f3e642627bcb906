"""Protected identifiers at rest, on SQLite and PostgreSQL: never plain in any row, still found by
the identifier filter and the one-holder rule, re-encrypted by rotation, masked for admin and
auditor callers, and never echoed in errors or logs."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest
from sqlalchemy import MetaData, delete, select, update

from knownparty_client import errors, types
from knownparty_client._generated import party_pb2 as pb
from knownparty_service.api.party_servicer import PartyServicer
from knownparty_service.app.data_key_file import add_data_key, open_field_cipher
from knownparty_service.app.data_key_rotation import rotate_data_key
from knownparty_service.domain.access import Caller, Role, caller_scope
from knownparty_service.domain.errors import AlreadyExistsError
from knownparty_service.domain.party_registry import PartyRegistry
from knownparty_service.storage.database import Database
from knownparty_service.storage.field_cipher import FieldCipherError
from knownparty_service.storage.migrate import upgrade
from knownparty_service.storage.party_repository import SqlPartyRepository
from knownparty_service.storage.protected_identifiers import DataKeyMismatchError, protect_existing
from knownparty_service.storage.tables import data_protection, parties, party_identifiers, party_revisions

# Normalised forms, which is what would be stored.
EIN = "987654321"
TAX_ID = "536904399"
IBAN = "GB82WEST12345698765432"
PASSPORT = "C01X00T47"
PROTECTED = (EIN, TAX_ID, IBAN, PASSPORT)
VAT = "DE136695976"

MARKETPLACE = Caller("k-market", "acme", Role.MARKETPLACE)
AUDITOR = Caller("k-audit", "acme", Role.AUDITOR)
ADMIN = Caller("k-admin", "acme", Role.ADMIN)


def identifiers(module=types, ein: str = "98-7654321") -> list:
    return [
        module.Identifier(type=module.IDENTIFIER_TYPE_EIN, value=ein),
        module.Identifier(type=module.IDENTIFIER_TYPE_TAX_ID, value="536-90-4399", issuing_country="US"),
        module.Identifier(type=module.IDENTIFIER_TYPE_BANK_ACCOUNT, value="GB82 WEST 1234 5698 7654 32", issuing_country="GB"),
        module.Identifier(type=module.IDENTIFIER_TYPE_ID_DOCUMENT, value="c01x00t47", issuing_country="DE"),
        module.Identifier(type=module.IDENTIFIER_TYPE_VAT, value="DE 136 695 976", issuing_country="DE"),
    ]


def party_message(module=types, name: str = "Harbor Lane Goods Inc", **extra):
    return module.Party(
        kind=module.PARTY_KIND_SELLER,
        legal_name=name,
        addresses=[module.Address(lines=["1 Main St"], city="Springfield", country="US")],
        identifiers=extra.pop("identifiers", None) or identifiers(module),
        email="sales@example.com",
        **extra,
    )


def all_cells(database_url: str) -> dict[str, str]:
    """Every table's rows, as text: what a stolen database file or backup would show."""
    database = Database(database_url)
    try:
        metadata = MetaData()
        metadata.reflect(database.engine)
        with database.engine.connect() as conn:
            return {
                name: "\n".join(repr(tuple(row)) for row in conn.execute(select(table)).all())
                for name, table in metadata.tables.items()
            }
    finally:
        database.dispose()


def assert_nothing_plain(database_url: str) -> dict[str, str]:
    cells = all_cells(database_url)
    for table, text in cells.items():
        for value in PROTECTED:
            assert value not in text, f"{value} stored in plain text in {table}"
    return cells


# -- over the wire ---------------------------------------------------------------------------------


def test_no_row_of_any_table_holds_a_protected_value(client, database_url):
    party = client.create_party(party_message())
    client.update_party(
        types.Party(name=party.name, identifiers=identifiers(ein="27-1639472")), update_mask=["identifiers"]
    )
    client.vet_seller(party.name)
    client.delete_party(party.name)
    assert len(list(client.list_party_revisions(party.name))) == 3
    cells = assert_nothing_plain(database_url)
    assert "271639472" not in "".join(cells.values())
    # The scan does see stored values: public identifiers stay plain, decisions were recorded.
    assert VAT in cells["parties"] and VAT in cells["party_identifiers"]
    assert cells["decisions"]


def test_the_identifier_filter_and_the_one_holder_rule_still_work(client):
    party = client.create_party(party_message())
    for typed in ("98-7654321", "987654321", " 98 7654321 "):
        found = list(client.list_parties(identifier_type=types.IDENTIFIER_TYPE_EIN, identifier_value=typed))
        assert [p.name for p in found] == [party.name]
    bank = list(client.list_parties(identifier_type=types.IDENTIFIER_TYPE_BANK_ACCOUNT, identifier_value=IBAN))
    assert [p.name for p in bank] == [party.name]
    assert not list(client.list_parties(identifier_type=types.IDENTIFIER_TYPE_EIN, identifier_value="271639472"))

    twin = party_message(name="Twin Goods", identifiers=[types.Identifier(type=types.IDENTIFIER_TYPE_EIN, value="98-7654321")])
    with pytest.raises(errors.AlreadyExists) as caught:
        client.create_party(twin)
    assert caught.value.reason == "IDENTIFIER_IN_USE"
    shown = f"{caught.value} {caught.value.message} {caught.value.error_metadata}"
    assert EIN not in shown and "98-7654321" not in shown
    # Archived, the party frees its identifiers.
    client.delete_party(party.name)
    assert client.create_party(twin).identifiers[0].type == types.IDENTIFIER_TYPE_EIN


def test_a_bad_identifier_is_described_but_never_echoed_in_errors_or_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    bad = [
        types.Identifier(type=types.IDENTIFIER_TYPE_EIN, value="98-765432"),
        types.Identifier(type=types.IDENTIFIER_TYPE_TAX_ID, value="536-90-43991", issuing_country="US"),
        types.Identifier(type=types.IDENTIFIER_TYPE_BANK_ACCOUNT, value="GB82WEST12345698765433", issuing_country="GB"),
        types.Identifier(type=types.IDENTIFIER_TYPE_ID_DOCUMENT, value="C01X00T47#", issuing_country="DE"),
    ]
    with pytest.raises(errors.InvalidArgument) as caught:
        client.create_party(party_message(identifiers=bad))
    described = {v.field: v.description for v in caught.value.field_violations}
    assert set(described) == {f"party.identifiers[{i}].value" for i in range(4)}
    shown = f"{caught.value} {caught.value.message} {described} {caught.value.error_metadata} {caplog.text}"
    for value in ("98-765432", "98765432", "536-90-43991", "536904399", "GB82WEST12345698765433", "C01X00T47"):
        assert value not in shown


def test_replies_over_the_wire_are_masked_for_admin_and_auditor_keys(client, target, issue_key):
    from knownparty_client import KnownPartyClient

    def eins(c, name):
        return [i.value for i in c.get_party(name).identifiers if i.type == types.IDENTIFIER_TYPE_EIN]

    with (
        KnownPartyClient(target, timeout=15, api_key=issue_key("marketplace")) as marketplace,
        KnownPartyClient(target, timeout=15, api_key=issue_key("auditor")) as auditor,
    ):
        party = marketplace.create_party(party_message())
        assert eins(marketplace, party.name) == [EIN]
        assert eins(auditor, party.name) == eins(client, party.name) == ["*****4321"]
        assert [i.value for i in client.create_party(party_message(name="B", identifiers=identifiers(ein="27-1639472")[:1])).identifiers] == ["*****9472"]


# -- in process ------------------------------------------------------------------------------------


@pytest.fixture
def store(database_url, tmp_path):
    upgrade(database_url)
    database = Database(database_url)
    key_file = tmp_path / "data.key"
    cipher = open_field_cipher(key_file)
    protect_existing(database, cipher)
    repository = SqlPartyRepository(database, cipher)
    servicer = PartyServicer(PartyRegistry(repository))
    yield SimpleNamespace(url=database_url, database=database, key_file=key_file, repository=repository, servicer=servicer)
    database.dispose()


def create(store, name: str = "Harbor Lane Goods Inc", ein: str = "", caller: Caller = MARKETPLACE):
    """The first party holds every kind of identifier; others (`ein` given) only an EIN."""
    held = [pb.Identifier(type=pb.IDENTIFIER_TYPE_EIN, value=ein)] if ein else identifiers(pb)
    with caller_scope(caller):
        return store.servicer.CreateParty(pb.CreatePartyRequest(party=party_message(pb, name, identifiers=held)), None)


def values(message) -> dict[int, str]:
    return {i.type: i.value for i in message.identifiers}


FULL = {
    pb.IDENTIFIER_TYPE_EIN: EIN,
    pb.IDENTIFIER_TYPE_TAX_ID: TAX_ID,
    pb.IDENTIFIER_TYPE_BANK_ACCOUNT: IBAN,
    pb.IDENTIFIER_TYPE_ID_DOCUMENT: PASSPORT,
    pb.IDENTIFIER_TYPE_VAT: VAT,
}
MASKED = {
    pb.IDENTIFIER_TYPE_EIN: "*****4321",
    pb.IDENTIFIER_TYPE_TAX_ID: "*****4399",
    pb.IDENTIFIER_TYPE_BANK_ACCOUNT: "*" * 18 + "5432",
    pb.IDENTIFIER_TYPE_ID_DOCUMENT: "*****0T47",
    pb.IDENTIFIER_TYPE_VAT: VAT,
}


def test_marketplace_sees_protected_values_admin_and_auditor_see_them_masked(store):
    created = create(store)
    assert values(created) == FULL
    name = created.name
    for caller, expected in ((MARKETPLACE, FULL), (AUDITOR, MASKED), (ADMIN, MASKED), (MARKETPLACE, FULL)):
        with caller_scope(caller):
            # Twice: the second read comes from the servicer's cache of encoded replies.
            for _ in range(2):
                assert values(store.servicer.GetParty(pb.GetPartyRequest(name=name), None)) == expected
            listed = store.servicer.ListParties(pb.ListPartiesRequest(identifier_type=pb.IDENTIFIER_TYPE_EIN, identifier_value=EIN), None)
            assert [values(p) for p in listed.parties] == [expected]
            revisions = store.servicer.ListPartyRevisions(pb.ListPartyRevisionsRequest(name=name), None)
            assert [values(r.snapshot) for r in revisions.revisions] == [expected]
    # The server's own work (no caller) reads them in full.
    assert values(store.servicer.GetParty(pb.GetPartyRequest(name=name), None)) == FULL

    with caller_scope(ADMIN):
        assert values(create(store, "Admin Made", "27-1639472", ADMIN)) == {pb.IDENTIFIER_TYPE_EIN: "*****9472"}
        updated = store.servicer.UpdateParty(
            pb.UpdatePartyRequest(party=pb.Party(name=name, legal_name="Harbor Lane Goods LLC"), update_mask={"paths": ["legal_name"]}),
            None,
        )
        assert values(updated) == MASKED
    with caller_scope(AUDITOR):
        assert values(store.servicer.DeleteParty(pb.DeletePartyRequest(name=name), None)) == MASKED
    with caller_scope(MARKETPLACE):
        revisions = store.servicer.ListPartyRevisions(pb.ListPartyRevisionsRequest(name=name), None)
        assert [values(r.snapshot) for r in revisions.revisions] == [FULL] * 3


def test_duplicate_is_refused_without_echoing_the_value(store):
    create(store)
    with pytest.raises(AlreadyExistsError) as caught:
        create(store, "Twin Goods", "98-7654321")
    assert EIN not in caught.value.message and EIN not in str(caught.value.metadata)


def test_rotation_re_encrypts_and_every_value_stays_readable(store):
    names = [create(store).name] + [create(store, f"Party {n}", ein).name for n, ein in enumerate(("27-1639472", "12-3456789"))]
    with caller_scope(MARKETPLACE):
        store.servicer.DeleteParty(pb.DeletePartyRequest(name=names[0]), None)
    old_key = open_field_cipher(store.key_file).current_key_id

    result = rotate_data_key(store.url, store.key_file, batch_size=2)
    assert result.added and result.key_id != old_key
    assert (result.counts.documents, result.counts.snapshots, result.counts.lookups) == (3, 4, 0)
    stored = "".join(all_cells(store.url)[t] for t in ("parties", "party_revisions"))
    assert f"enc:v1:{result.key_id}:" in stored and f"enc:v1:{old_key}:" not in stored

    # The running repository still holds only the old key in memory: it re-reads the file.
    with caller_scope(MARKETPLACE):
        assert values(store.servicer.GetParty(pb.GetPartyRequest(name=names[1]), None))[pb.IDENTIFIER_TYPE_EIN] == "271639472"
        revisions = store.servicer.ListPartyRevisions(pb.ListPartyRevisionsRequest(name=names[0]), None)
        assert {values(r.snapshot)[pb.IDENTIFIER_TYPE_EIN] for r in revisions.revisions} == {EIN}
        found = store.servicer.ListParties(
            pb.ListPartiesRequest(identifier_type=pb.IDENTIFIER_TYPE_EIN, identifier_value="123456789"), None
        )
        assert [p.name for p in found.parties] == [names[2]]
    again = rotate_data_key(store.url, store.key_file, add_key=False)
    assert (again.key_id, again.counts.documents, again.counts.snapshots) == (result.key_id, 0, 0)
    assert_nothing_plain(store.url)


def test_a_new_key_reads_old_values_and_writes_with_itself(store):
    name = create(store).name
    old_key = open_field_cipher(store.key_file).current_key_id
    add_data_key(store.key_file)
    cipher = open_field_cipher(store.key_file)
    fresh = PartyServicer(PartyRegistry(SqlPartyRepository(store.database, cipher)))
    with caller_scope(MARKETPLACE):
        assert values(fresh.GetParty(pb.GetPartyRequest(name=name), None)) == FULL
        fresh.UpdateParty(
            pb.UpdatePartyRequest(party=pb.Party(name=name, legal_name="Renamed"), update_mask={"paths": ["legal_name"]}), None
        )
    with store.database.engine.connect() as conn:
        document = conn.scalar(select(parties.c.document))
        snapshots = conn.scalars(select(party_revisions.c.snapshot).order_by(party_revisions.c.revision)).all()
    assert f"enc:v1:{cipher.current_key_id}:" in document and f"enc:v1:{old_key}:" in snapshots[0]


def test_tampered_or_moved_ciphertext_is_a_clear_error(store):
    first, second = create(store).name, create(store, "Other", "27-1639472").name
    with store.database.engine.begin() as conn:
        rows = {r.party_id: r for r in conn.execute(select(parties.c.seq, parties.c.party_id, parties.c.document))}
        tampered = json.loads(rows[first.split("/")[1]].document)
        stored = tampered["identifiers"][0]["value"]
        tampered["identifiers"][0]["value"] = stored[:-6] + ("AAAA" if stored[-6:-2] != "AAAA" else "BBBB") + stored[-2:]
        moved = json.loads(rows[second.split("/")[1]].document)
        moved["identifiers"][0]["value"] = stored
        for party_id, document in ((first, tampered), (second, moved)):
            conn.execute(update(parties).where(parties.c.party_id == party_id.split("/")[1]).values(document=json.dumps(document)))
    for name in (first, second):
        with pytest.raises(FieldCipherError, match="failed authentication") as caught:
            store.repository.get(name.split("/")[1])
        assert f"{name}/identifiers/ein" in str(caught.value) and EIN not in str(caught.value)


def test_plain_values_of_an_older_version_are_encrypted_at_start(store):
    name = create(store).name
    with caller_scope(MARKETPLACE):
        # An extra revision with another EIN, later replaced: only the history knows it.
        for ein in ("27-1639472", "98-7654321"):
            store.servicer.UpdateParty(
                pb.UpdatePartyRequest(party=pb.Party(name=name, identifiers=identifiers(pb, ein)), update_mask={"paths": ["identifiers"]}),
                None,
            )
    cipher = open_field_cipher(store.key_file)
    # What an older version would have written: the values in plain text, and no data_protection row.
    with store.database.engine.begin() as conn:
        for row in conn.execute(select(parties.c.seq, parties.c.party_id, parties.c.document)).all():
            conn.execute(update(parties).where(parties.c.seq == row.seq).values(document=_decrypted(cipher, row.party_id, row.document)))
        for row in conn.execute(select(party_revisions)).all():
            snapshot = json.loads(row.snapshot)
            snapshot["document"] = json.loads(_decrypted(cipher, snapshot["party_id"], json.dumps(snapshot["document"])))
            conn.execute(
                update(party_revisions)
                .where(party_revisions.c.party_seq == row.party_seq, party_revisions.c.revision == row.revision)
                .values(snapshot=json.dumps(snapshot, separators=(",", ":")))
            )
        for id_type, value in (("ein", EIN), ("tax_id", TAX_ID), ("bank_account", IBAN), ("id_document", PASSPORT)):
            conn.execute(update(party_identifiers).where(party_identifiers.c.id_type == id_type).values(value=value))
        conn.execute(delete(data_protection))
    assert "271639472" in all_cells(store.url)["party_revisions"]

    counts = protect_existing(store.database, cipher, batch_size=1)
    assert (counts.documents, counts.snapshots, counts.lookups) == (1, 3, 4)
    assert "271639472" not in "".join(assert_nothing_plain(store.url).values())
    assert protect_existing(store.database, cipher).documents == 0
    fresh = PartyServicer(PartyRegistry(SqlPartyRepository(store.database, cipher)))
    with caller_scope(MARKETPLACE):
        found = fresh.ListParties(pb.ListPartiesRequest(identifier_type=pb.IDENTIFIER_TYPE_TAX_ID, identifier_value=TAX_ID), None)
        assert [values(p) for p in found.parties] == [FULL]


def test_a_server_with_another_key_file_refuses_to_start(store, tmp_path):
    create(store)
    stranger = open_field_cipher(tmp_path / "other.key")
    with pytest.raises(DataKeyMismatchError, match="index key"):
        protect_existing(store.database, stranger)


def _decrypted(cipher, party_id: str, document_text: str) -> str:
    document = json.loads(document_text)
    for entry in document["identifiers"]:
        if entry["value"].startswith("enc:"):
            entry["value"] = cipher.decrypt(entry["value"], f"parties/{party_id}/identifiers/{entry['type']}")
    return json.dumps(document, separators=(",", ":"))
