"""The real server process on 127.0.0.1, spoken to over HTTP: the whole coordinator flow
(import, propose, accept, break down, rematch, accept, calendar), every proposal checked by
the independent hard-rule checker and the stored plan checked against the proposal."""
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from icalendar import Calendar

from checker import violations

SCENARIO = Path("scenarios/youth-mentors.json")
START_SECONDS = 60


class Server:
    """`matcher serve --port 0` in its own process; `url` is where it listens."""

    def __init__(self, database_url: str, tmp_path: Path):
        self.stderr_path = tmp_path / "server.log"
        self.stderr = self.stderr_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", "0", "--database", database_url],
            stderr=self.stderr, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + START_SECONDS
        while "serving on " not in self.log():
            assert self.process.poll() is None and time.monotonic() < deadline, self.log()
            time.sleep(0.1)
        self.url = self.log().split("serving on ")[1].split()[0]

    def log(self) -> str:
        return self.stderr_path.read_text()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.stderr.close()


@pytest.fixture
def server(database_url, tmp_path):
    running = Server(database_url, tmp_path)
    yield running
    running.stop()


def _token(database_url: str) -> str:
    done = subprocess.run([sys.executable, "-m", "api.cli", "token", "create", "--org", "north",
                           "--role", "coordinator", "--database", database_url],
                          capture_output=True, text=True, check=True)
    return done.stdout.strip()


class Http:
    def __init__(self, base: str, token: str):
        self.base, self.token = base, token

    def call(self, method: str, path: str, body=None, expect: int = 200):
        request = urllib.request.Request(
            self.base + path, method=method, data=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, kind, data = response.status, response.headers["Content-Type"], response.read()
        except urllib.error.HTTPError as error:
            status, kind, data = error.code, error.headers["Content-Type"], error.read()
        assert status == expect, (method, path, status, data[:500])
        return json.loads(data) if kind.startswith("application/") and data else data

    def done(self, path: str) -> dict:
        while (state := self.call("GET", path))["status"] in ("queued", "running"):
            time.sleep(0.1)
        assert state["status"] == "done", state
        return state["proposal"]

    def booked(self) -> set[tuple[str, str, str]]:
        found, page = set(), 1
        while items := self.call("GET", f"/v1/sessions?page_size=100&page={page}"):
            found |= {(s["mentor"], s["mentee"], s["start"]) for s in items}
            page += 1
        return found


def _planned(proposal: dict) -> set[tuple[str, str, str]]:
    return {(s["mentor"], s["mentee"], s["start"]) for s in proposal["sessions"]}


def test_the_coordinator_flow_over_real_http(server, database_url):
    http = Http(server.url, _token(database_url))
    data = json.loads(SCENARIO.read_text())
    http.call("POST", "/v1/scenario", data, expect=201)

    proposal = http.done(http.call("POST", "/v1/proposals", {"time_limit": 3}, expect=202)["url"])
    assert violations(data, proposal) == []
    new = [m for m in proposal["matches"] if m["status"] == "new"]
    accepted = http.call("POST", f"/v1/proposals/{proposal_id(http)}/accept")
    assert len(accepted["matches_created"]) == len(new) > 0
    assert http.booked() == _planned(proposal)

    victim = new[0]
    http.call("POST", "/v1/feedback", {"mentor": victim["mentor"], "mentee": victim["mentee"], "breakdown": True},
              expect=201)
    before = http.call("GET", "/v1/scenario")
    assert victim["mentee"] not in {m["mentee"] for m in before["matches"]}
    request = {"breakdowns": [{"mentor": victim["mentor"], "mentee": victim["mentee"]}], "time_limit": 3}
    second = http.done(http.call("POST", "/v1/rematches", request, expect=202)["url"])
    assert violations(before, second) == []
    assert {c["mentee"] for c in second["changes"]} <= {victim["mentee"]}
    kept = {(m["mentor"], m["mentee"]) for m in second["matches"] if m["status"] == "kept"}
    assert kept == {(m["mentor"], m["mentee"]) for m in before["matches"]}
    http.call("POST", f"/v1/proposals/{proposal_id(http)}/accept")
    assert http.booked() == _planned(second)

    mentor = second["matches"][0]["mentor"]
    ics = http.call("GET", f"/v1/mentors/{mentor}/calendar.ics")
    events = Calendar.from_ical(ics).walk("VEVENT")
    assert len(events) == sum(1 for s in second["sessions"] if s["mentor"] == mentor) > 0

    names = {p["name"] for group in ("mentors", "mentees") for p in data[group] if p.get("name")}
    server.stop()
    log = server.log()
    assert "POST /v1/proposals" in log
    assert not [name for name in names if name in log]


def proposal_id(http: Http) -> str:
    """The newest proposal's id."""
    return http.call("GET", "/v1/proposals?page_size=1")[0]["id"]
