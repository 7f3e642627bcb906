"""The per-party record version: bumped with every change to a party's violations or clearances."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from knownparty_service.storage.vetting_tables import party_record_versions


def bump_record_version(conn: Connection, party_seq: int) -> None:
    """In the caller's transaction: an atomic increment, so concurrent writers never lose one."""
    dialect = conn.dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(party_record_versions).values(
        party_seq=party_seq, version=1
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[party_record_versions.c.party_seq],
            set_={"version": party_record_versions.c.version + 1},
        )
    )

