"""Protected identifiers at rest: encrypted in party documents and snapshots, digested in lookups.

Which types are protected is the domain's call (PROTECTED_IDENTIFIER_TYPES); this module applies
the cipher to them on the way into and out of the party tables, and walks the stored rows to
encrypt what an older version wrote in plain text (at start) or to re-encrypt under a new key
(rotation).

Existing plain text is encrypted by the server at start rather than by a migration, because
migrations run without the data key file. data_protection records that the pass ran, so it runs
once per database, and with which index key, so a server given the wrong key file refuses to start.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from knownparty_service.domain.identifiers import PROTECTED_IDENTIFIER_TYPES
from knownparty_service.domain.parties import Identifier, IdentifierType, Party
from knownparty_service.storage.database import Database
from knownparty_service.storage.field_cipher import DIGEST_PREFIX, FieldCipher, is_encrypted
from knownparty_service.storage.tables import data_protection, parties, party_identifiers, party_revisions

_PROTECTED_TYPE_VALUES = tuple(sorted(t.value for t in PROTECTED_IDENTIFIER_TYPES))
DEFAULT_BATCH_SIZE = 500


class DataKeyMismatchError(RuntimeError):
    """The database's protected values were stored under another data key file."""


def _context(party_id: str, id_type: str) -> str:
    # The associated data: a ciphertext moved to another party or identifier type fails to open.
    return f"parties/{party_id}/identifiers/{id_type}"


class IdentifierSealer:
    """Turns a party's protected identifier values into their stored forms and back."""

    def __init__(self, cipher: FieldCipher):
        self._cipher = cipher

    def seal(self, party: Party) -> Party:
        if not any(i.type in PROTECTED_IDENTIFIER_TYPES for i in party.fields.identifiers):
            return party
        identifiers = tuple(
            dataclasses.replace(i, value=self._cipher.encrypt(i.value, _context(party.id, i.type.value)))
            if i.type in PROTECTED_IDENTIFIER_TYPES
            else i
            for i in party.fields.identifiers
        )
        return dataclasses.replace(party, fields=dataclasses.replace(party.fields, identifiers=identifiers))

    def open(self, party: Party) -> Party:
        if not any(i.type in PROTECTED_IDENTIFIER_TYPES for i in party.fields.identifiers):
            return party
        identifiers = tuple(
            dataclasses.replace(i, value=self._reveal(party.id, i))
            if i.type in PROTECTED_IDENTIFIER_TYPES
            else i
            for i in party.fields.identifiers
        )
        return dataclasses.replace(party, fields=dataclasses.replace(party.fields, identifiers=identifiers))

    def _reveal(self, party_id: str, identifier: Identifier) -> str:
        # Rows an older version wrote stay readable until the start-up pass has encrypted them.
        if not is_encrypted(identifier.value):
            return identifier.value
        return self._cipher.decrypt(identifier.value, _context(party_id, identifier.type.value))

    def lookup_value(self, id_type: IdentifierType, value: str) -> str:
        """What party_identifiers.value holds (and a filter compares with) for this identifier."""
        if id_type not in PROTECTED_IDENTIFIER_TYPES:
            return value
        return _lookup_digest(self._cipher, id_type.value, value)

    def request_fingerprint(self, fingerprint: str) -> str:
        # The plain fingerprint hashes the request, identifiers included: a short number such as
        # an EIN could be guessed back from it. The keyed digest cannot be.
        return self._cipher.digest(f"request:{fingerprint}")


# -- walking the stored rows ----------------------------------------------------------------------


@dataclass
class ResealCounts:
    documents: int = 0
    snapshots: int = 0
    lookups: int = 0


def protect_existing(database: Database, cipher: FieldCipher, batch_size: int = DEFAULT_BATCH_SIZE) -> ResealCounts:
    """Checks the index key against the database; on the first start, encrypts what is plain.

    Raises DataKeyMismatchError when the database was protected with another index key.
    """
    with database.reading() as conn:
        checks = set(conn.scalars(select(data_protection.c.index_key_check)).all())
    if checks:
        if cipher.index_key_check not in checks:
            raise DataKeyMismatchError(
                "the data key file's index key is not the one this database's protected identifiers "
                "were stored with: start with the database's own data key file"
            )
        return ResealCounts()
    counts = reseal(database, cipher, rotate=False, batch_size=batch_size)
    try:
        with database.writing() as conn:
            conn.execute(
                insert(data_protection).values(
                    index_key_check=cipher.index_key_check, protect_time=datetime.now(timezone.utc)
                )
            )
    except IntegrityError:
        pass  # another server starting at the same time recorded it
    return counts


def reseal(
    database: Database,
    cipher: FieldCipher,
    *,
    rotate: bool,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[ResealCounts], None] | None = None,
) -> ResealCounts:
    """Encrypts plain protected values and digests plain lookups; with `rotate`, also re-encrypts
    values under older keys with the current one. One transaction per batch: safe while serving."""
    counts = ResealCounts()

    def stale(value: str) -> bool:
        return not is_encrypted(value) or (rotate and not cipher.is_current(value))

    def reseal_document(party_id: str, document: dict) -> bool:
        changed = False
        for entry in document["identifiers"]:
            if entry["type"] in _PROTECTED_TYPE_VALUES and stale(entry["value"]):
                context = _context(party_id, entry["type"])
                plain = cipher.decrypt(entry["value"], context) if is_encrypted(entry["value"]) else entry["value"]
                entry["value"] = cipher.encrypt(plain, context)
                changed = True
        return changed

    # Only rows naming a protected type can need work; the JSON is written compactly, so a LIKE
    # on its "type" entry selects them.
    def naming_protected(column):
        return or_(*(column.like(f'%"type":"{t}"%') for t in _PROTECTED_TYPE_VALUES))

    after = 0
    while True:
        with database.writing() as conn:
            rows = conn.execute(
                select(parties.c.seq, parties.c.party_id, parties.c.document)
                .where(parties.c.seq > after, naming_protected(parties.c.document))
                .order_by(parties.c.seq)
                .limit(batch_size)
                .with_for_update()
            ).all()
            for row in rows:
                document = json.loads(row.document)
                if reseal_document(row.party_id, document):
                    conn.execute(update(parties).where(parties.c.seq == row.seq).values(document=_dump(document)))
                    counts.documents += 1
        if progress:
            progress(counts)
        if len(rows) < batch_size:
            break
        after = rows[-1].seq

    after_seq, after_revision = 0, 0
    while True:
        with database.writing() as conn:
            rows = conn.execute(
                select(party_revisions.c.party_seq, party_revisions.c.revision, party_revisions.c.snapshot)
                .where(
                    or_(
                        party_revisions.c.party_seq > after_seq,
                        (party_revisions.c.party_seq == after_seq) & (party_revisions.c.revision > after_revision),
                    ),
                    naming_protected(party_revisions.c.snapshot),
                )
                .order_by(party_revisions.c.party_seq, party_revisions.c.revision)
                .limit(batch_size)
                .with_for_update()
            ).all()
            for row in rows:
                snapshot = json.loads(row.snapshot)
                if reseal_document(snapshot["party_id"], snapshot["document"]):
                    conn.execute(
                        update(party_revisions)
                        .where(party_revisions.c.party_seq == row.party_seq, party_revisions.c.revision == row.revision)
                        .values(snapshot=_dump(snapshot))
                    )
                    counts.snapshots += 1
        if progress:
            progress(counts)
        if len(rows) < batch_size:
            break
        after_seq, after_revision = rows[-1].party_seq, rows[-1].revision

    # The index key never rotates: only plain lookups need work, and each batch removes them.
    while True:
        with database.writing() as conn:
            done = _digest_lookups(conn, cipher, batch_size)
        counts.lookups += done
        if progress:
            progress(counts)
        if done < batch_size:
            break
    return counts


def _digest_lookups(conn: Connection, cipher: FieldCipher, batch_size: int) -> int:
    rows = conn.execute(
        select(party_identifiers.c.party_seq, party_identifiers.c.id_type, party_identifiers.c.value)
        .where(
            party_identifiers.c.id_type.in_(_PROTECTED_TYPE_VALUES),
            ~party_identifiers.c.value.startswith(DIGEST_PREFIX, autoescape=True),
        )
        .limit(batch_size)
        .with_for_update()
    ).all()
    for row in rows:
        conn.execute(
            update(party_identifiers)
            .where(
                party_identifiers.c.party_seq == row.party_seq,
                party_identifiers.c.id_type == row.id_type,
                party_identifiers.c.value == row.value,
            )
            .values(value=_lookup_digest(cipher, row.id_type, row.value))
        )
    return len(rows)


def _lookup_digest(cipher: FieldCipher, id_type: str, value: str) -> str:
    return cipher.digest(f"{id_type}:{value}")


def _dump(document: dict) -> str:
    # The layout party_codec writes.
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)
