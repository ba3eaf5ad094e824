"""Alembic environment: runs on the connection handed over by `api.db.Database.upgrade`,
or on MATCHER_DATABASE_URL when alembic is run by hand."""
from alembic import context

from api.db import engine_for
from api.settings import Settings
from api.tables import Base


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        with engine_for(Settings.from_env().database_url).begin() as own:
            _migrate(own)
    else:
        _migrate(connection)


def _migrate(connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
