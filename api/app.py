"""The Flask application factory."""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from api import events, feedback, matches, people, programme, proposals, scenario_io, solve, spreadsheets
from api.auth import authenticate
from api.context import Services
from api.db import Database
from api.problems import ProblemApi
from api.settings import Settings
from api.worker import Worker
from matcher.allocator import keep_large_arrays_in_the_heap

API_PREFIX = "/v1/"
BLUEPRINTS = (programme.blp, scenario_io.blp, people.mentors, people.mentees, feedback.blp, matches.matches,
              matches.sessions, matches.calendars, solve.blp, proposals.blp, events.blp,
              spreadsheets.blp)
SPEC_OPTIONS = {
    "API_TITLE": "matcher",
    "API_VERSION": "1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    "OPENAPI_SWAGGER_UI_URL": "/docs/assets/",
    "API_SPEC_OPTIONS": {
        "info": {"description": "Match proposals and session plans for mentor programmes. "
                                "Every /v1 request carries an organisation's bearer token."},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    },
}

log = logging.getLogger("matcher.api")


class MatcherFlask(Flask):
    def log_exception(self, exc_info) -> None:
        """Left to the problem handler, which logs the error without its message."""


def create_app(config: dict | None = None) -> Flask:
    """The matcher service. `config` holds Settings fields (database_url, solve_workers, …)
    over the MATCHER_* environment variables, and any Flask setting in upper case."""
    keep_large_arrays_in_the_heap()
    config = dict(config or {})
    settings = Settings.from_env(**{k: v for k, v in config.items() if k.islower()})
    app = MatcherFlask(__name__)
    app.config.update(SPEC_OPTIONS, **{k: v for k, v in config.items() if k.isupper()})
    logging.getLogger("matcher").setLevel(settings.log_level)
    database = Database(settings.database_url)
    database.upgrade()
    worker = Worker(database, settings.solve_workers)
    app.extensions["matcher"] = Services(settings=settings, database=database, worker=worker)

    api = ProblemApi(app)
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    _serve_docs_assets(app)
    _open_and_authenticate(app, database)
    worker.resume()
    return app


def _serve_docs_assets(app: Flask) -> None:
    """The interactive docs' scripts and styles come from the installed package, not a CDN."""
    @app.get("/docs/assets/<path:name>")
    def docs_asset(name):
        return send_from_directory(swagger_ui_path, name)


def _open_and_authenticate(app: Flask, database: Database) -> None:
    """Every /v1 request gets a database session and a caller; the log line of a request
    names the method, path, status, organisation and time, never a person's name."""
    @app.before_request
    def open_session():
        g.started = time.perf_counter()
        if request.path.startswith(API_PREFIX):
            g.db = database.session()
            g.caller = authenticate(g.db)

    @app.teardown_request
    def close_session(_error):
        session = g.pop("db", None)
        if session is not None:
            session.close()

    @app.after_request
    def log_request(response):
        caller = g.get("caller")
        log.info("%s %s %s org=%s %.0fms", request.method, request.path, response.status_code,
                 caller.org if caller else "-", 1000 * (time.perf_counter() - g.get("started", time.perf_counter())))
        return response
