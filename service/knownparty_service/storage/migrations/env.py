"""Alembic environment: runs on the connection migrate.upgrade hands over, or on the URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from knownparty_service.storage.database import create_database_engine
from knownparty_service.storage import access_tables, payment_tables, vetting_tables, watchlist_tables  # noqa: F401 - registers their tables
from knownparty_service.storage.tables import metadata

# Several replicas may start at once against one PostgreSQL; only one migrates at a time.
_MIGRATION_LOCK_ID = 0x6B6E6F776E  # "known"


def _run(connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_database_engine(context.config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
