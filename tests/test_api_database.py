"""The database layer: migrations build exactly the models' schema, SQLite runs in WAL mode,
PostgreSQL through psycopg, settings from the environment."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from api.db import Database, engine_for
from api.settings import Settings, SettingsError
from api.tables import Base


def test_the_migrations_build_the_schema_of_the_models(database_url):
    database = Database(database_url)
    database.upgrade()
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    database.engine.dispose()


def test_upgrading_twice_changes_nothing(database_url):
    database = Database(database_url)
    database.upgrade()
    database.upgrade()
    with database.engine.connect() as connection:
        assert connection.execute(text("select version_num from alembic_version")).scalars().all() == ["0001"]
    database.engine.dispose()


def test_an_sqlite_file_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = engine_for(f"sqlite:///{tmp_path / 'matcher.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("pragma journal_mode")).scalar() == "wal"
        assert connection.execute(text("pragma foreign_keys")).scalar() == 1


def test_a_postgresql_url_goes_through_psycopg():
    assert engine_for("postgresql://postgres@127.0.0.1:5432/test").dialect.driver == "psycopg"


def test_settings_come_from_the_environment():
    settings = Settings.from_env({"MATCHER_DATABASE_URL": "sqlite:///x.db", "MATCHER_SOLVE_WORKERS": "3",
                                  "MATCHER_MAX_TIME_LIMIT": "30"})
    assert (settings.database_url, settings.solve_workers, settings.max_time_limit) == ("sqlite:///x.db", 3, 30.0)
    assert Settings.from_env({}).database_url == "sqlite:///matcher.db"


@pytest.mark.parametrize("name, value", [("MATCHER_SOLVE_WORKERS", "many"), ("MATCHER_SOLVE_WORKERS", "0"),
                                         ("MATCHER_MAX_TIME_LIMIT", "-5")])
def test_unusable_settings_are_named(name, value):
    with pytest.raises(SettingsError, match="MATCHER_"):
        Settings.from_env({name: value})
