"""Runs the Alembic migrations that own the schema."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from knownparty_service.storage.database import create_database_engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "knownparty_service.storage:migrations")
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, engine: Engine | None = None) -> str:
    """Brings the database to the newest revision; returns that revision."""
    config = alembic_config(url)
    owns_engine = engine is None
    engine = engine or create_database_engine(url)
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() or ""
    finally:
        if owns_engine:
            engine.dispose()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""
