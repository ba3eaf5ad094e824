"""Fixtures for the service's tests: a fresh database per test, SQLite always and PostgreSQL
again where a server is reachable (MATCHER_TEST_POSTGRES_URL), an app, and clients that
carry an organisation's token."""
from __future__ import annotations

import os
import time
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api import create_app
from api.auth import create_token
from api.db import Database
from api.tables import Base

POSTGRES_URL = os.environ.get("MATCHER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DONE_STATES = ("done", "failed")


def _server_engine():
    return create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"),
                         isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})


def _postgres_reachable() -> str | None:
    """None when the server answers, else why not."""
    try:
        with _server_engine().connect() as connection:
            connection.execute(text("select 1"))
    except Exception as error:   # any failure to connect means: skip, and say why
        return f"no PostgreSQL server at {POSTGRES_URL} ({type(error).__name__})"
    return None


_POSTGRES_MISSING = _postgres_reachable()


@pytest.fixture(scope="session")
def postgres_database():
    """One database made on the PostgreSQL server for the test run, dropped at its end."""
    if _POSTGRES_MISSING:
        pytest.skip(_POSTGRES_MISSING)
    name = f"matcher_test_{uuid.uuid4().hex[:12]}"
    engine = _server_engine()
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    Database(url).upgrade()
    yield url
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _emptied(url: str) -> str:
    """The PostgreSQL database with every table emptied (the schema stays migrated)."""
    database = Database(url)
    with database.engine.begin() as connection:
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    database.engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database: a new SQLite file, or the run's PostgreSQL database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'matcher.db'}"
    return _emptied(request.getfixturevalue("postgres_database"))


@pytest.fixture
def app(database_url):
    app = create_app({"database_url": database_url, "TESTING": True})
    yield app
    services = app.extensions["matcher"]
    if services.worker is not None:
        services.worker.shutdown()
    services.database.engine.dispose()


class ApiClient:
    """The Flask test client with one token's Authorization header on every request."""

    def __init__(self, app, token: str | None):
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def open(self, method: str, path: str, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.open("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.open("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.open("DELETE", path, **kwargs)

    def wait(self, url: str, timeout: float = 120.0) -> dict:
        """Poll a proposal until it is done or failed; its last representation."""
        deadline = time.monotonic() + timeout
        while True:
            body = self.get(url).get_json()
            if body.get("status") in DONE_STATES or time.monotonic() > deadline:
                return body
            time.sleep(0.05)


def token(app, org: str, role: str) -> str:
    with app.extensions["matcher"].database.session() as session:
        return create_token(session, org, role)


@pytest.fixture
def coordinator(app):
    """A coordinator of organisation "north"."""
    return ApiClient(app, token(app, "north", "coordinator"))


@pytest.fixture
def viewer(app, coordinator):
    """A viewer of organisation "north"."""
    return ApiClient(app, token(app, "north", "viewer"))


@pytest.fixture
def outsider(app):
    """A coordinator of another organisation, "south"."""
    return ApiClient(app, token(app, "south", "coordinator"))


@pytest.fixture
def anonymous(app):
    return ApiClient(app, None)


@pytest.fixture
def seeded(coordinator, example):
    """North's coordinator with the example scenario's programme, mentors and mentees stored."""
    assert coordinator.put("/v1/programme", json=example["programme"]).status_code == 200
    for group in ("mentors", "mentees"):
        for person in example[group]:
            response = coordinator.post(f"/v1/{group}", json=person)
            assert response.status_code == 201, response.get_json()
    return coordinator
