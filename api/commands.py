"""The service's commands: serve, token create, import, and the HTTP demo. Failures are
CliError: one line, and a non-zero exit code."""
from __future__ import annotations

import json
import logging
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url
from waitress import create_server

from api.app import create_app
from api.auth import create_token
from api.db import Database
from api.settings import Settings, SettingsError
from matcher.cli import CliError

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
POLL_SECONDS = 0.2


def _settings(**overrides) -> Settings:
    try:
        return Settings.from_env(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as error:
        raise CliError(str(error)) from None


def serve(host: str, port: int, threads: int, database_url: str | None) -> int:
    """Run the service with waitress until interrupted; the first line on standard error
    names the address it listens on."""
    settings = _settings(database_url=database_url)
    logging.basicConfig(level=settings.log_level, format=LOG_FORMAT, stream=sys.stderr)
    app = create_app({"database_url": settings.database_url})
    server = create_server(app, host=host, port=port, threads=threads)
    where = make_url(settings.database_url).render_as_string()   # the password hidden
    print(f"matcher serving on http://{host}:{server.effective_port} (docs at /docs, database {where})",
          file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        app.extensions["matcher"].worker.shutdown()
    return 0


def token_create(org: str, role: str, label: str | None, database_url: str | None) -> str:
    """A new bearer token for the organisation (created if new); the token is shown only now."""
    database = Database(_settings(database_url=database_url).database_url)
    database.upgrade()
    with database.session() as session:
        try:
            return create_token(session, org, role, label)
        except ValueError as error:
            raise CliError(str(error)) from None


def import_file(org: str, path: str, database_url: str | None) -> str:
    """Import a mentors or mentees spreadsheet into the organisation, all or nothing; a
    summary line, or every problem (path: reason) in the error."""
    from api.csv_format import CsvRejected, decode
    from api.spreadsheets import import_csv

    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}") from None
    database = Database(_settings(database_url=database_url).database_url)
    database.upgrade()
    with database.session() as session:
        try:
            counts = import_csv(session, org, decode(data))
        except CsvRejected as error:
            raise CliError(f"{path}: nothing imported: " + "; ".join(map(str, error.problems))) from None
    return f"{path}: {counts['created']} created, {counts['updated']} updated"


class Client:
    """A small HTTP client for the demo: JSON in and out, problems raised as one line."""

    def __init__(self, base: str, token: str):
        self.base, self.token = base, token
        self.log: list[list] = []   # [request line, times in a row]

    def call(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            problem = json.loads(error.read() or b"{}")
            raise CliError(f"{method} {path}: {error.code} {problem.get('detail', error.reason)}") from None
        line = f"{method} {path} → {status}"
        if self.log and self.log[-1][0] == line:
            self.log[-1][1] += 1
        else:
            self.log.append([line, 1])
        return json.loads(text) if text else {}

    def lines(self) -> list[str]:
        """The requests made, in order; a request repeated in a row (polling) shown once."""
        return [line + (f" ({count} times)" if count > 1 else "") for line, count in self.log]


@contextmanager
def serving(app) -> Iterator[str]:
    """`app` served by waitress on a free local port while the block runs; yields its base
    URL. Waitress has no stop of its own: its task threads are finished first (they wake the
    main loop through a pipe that closing would pull from under them), then the sockets are
    closed, and the main loop's error on the closed sockets is the expected end."""
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    closing = threading.Event()

    def run():
        try:
            server.run()
        except OSError:
            if not closing.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        closing.set()
        server.task_dispatcher.shutdown()
        server.close()
        thread.join(timeout=5)


def demo(scenario_path: str, time_limit: float) -> str:
    """The coordinator's flow through HTTP against a fresh embedded database: start the
    server, import the scenario, request a proposal, wait for it, accept it. Returns the
    printed report."""
    from matcher.proposal import Proposal
    from matcher.report import render
    from matcher.schema import parse_scenario

    text = Path(scenario_path).read_bytes()
    scenario = parse_scenario(text)
    with tempfile.TemporaryDirectory(prefix="matcher-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'matcher.db'}"
        app = create_app({"database_url": url})
        try:
            with serving(app) as base:
                client = Client(base, token_create("demo", "coordinator", None, url))
                client.call("POST", "/v1/scenario", json.loads(text))
                location = client.call("POST", "/v1/proposals", {"time_limit": time_limit})["url"]
                state = client.call("GET", location)
                while state["status"] in ("queued", "running"):
                    time.sleep(POLL_SECONDS)
                    state = client.call("GET", location)
                if state["status"] != "done":
                    raise CliError(f"the proposal failed: {state.get('error')}")
                accepted = client.call("POST", f"{location}/accept")
        finally:
            app.extensions["matcher"].worker.shutdown()
    summary = [f"Accepted: {len(accepted['matches_created'])} new matches, "
               f"{accepted['sessions_booked']} sessions booked", "",
               f"Over HTTP to {client.base}, with an SQLite database that is removed again:", *client.lines()]
    return render(scenario, Proposal.from_dict(state["proposal"])) + "\n\n" + "\n".join(summary)
