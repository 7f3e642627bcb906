"""The migrations build exactly the schema the table definitions describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from knownparty_service.storage import access_tables, payment_tables, vetting_tables, watchlist_tables  # noqa: F401 - registers them
from knownparty_service.storage.database import Database
from knownparty_service.storage.migrate import upgrade
from knownparty_service.storage.tables import metadata


def test_migrations_match_the_table_definitions(database_url):
    database = Database(database_url)
    try:
        upgrade(database_url, engine=database.engine)
        with database.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            differences = [d for d in compare_metadata(context, metadata) if not _ignorable(d)]
        assert differences == []
    finally:
        database.dispose()


def _ignorable(difference) -> bool:
    # Alembic's own bookkeeping table is not in our metadata.
    return difference[0] == "remove_table" and difference[1].name == "alembic_version"
