"""Bad input never yields a 500: random JSON and mutated records sent to every operation of
the OpenAPI document answer 2xx, or 4xx as application/problem+json."""
import copy
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api_fixtures import ApiClient, token
from api import create_app

SCALARS = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False) \
    | st.text(max_size=12)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                          max_size=4), max_leaves=12)
IDS = st.sampled_from(["m-01", "y-01", "1", "0", "-1", "x" * 300, "%00", "ü", "m-01/../y-01"]) | st.text(max_size=10)


@pytest.fixture(scope="module")
def served(tmp_path_factory, example_module):
    """One app with north's example records, a done proposal, and the operations of its spec."""
    app = create_app({"database_url": f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'matcher.db'}",
                      "default_time_limit": 1.0})
    client = ApiClient(app, token(app, "north", "coordinator"))
    assert client.post("/v1/scenario", json=example_module).status_code == 201
    proposal = client.wait(client.post("/v1/proposals", json={}).get_json()["url"])
    operations = [(method.upper(), path) for path, item in client.get("/openapi.json").get_json()["paths"].items()
                  for method in item if method in ("get", "post", "put", "delete")]
    yield client, operations, proposal["id"]
    app.extensions["matcher"].worker.shutdown()


@pytest.fixture(scope="module")
def example_module():
    from conftest import EXAMPLE
    return copy.deepcopy(EXAMPLE)


def _mutated(draw, record: dict) -> dict:
    """A valid record with one field replaced, removed, or added."""
    changed = copy.deepcopy(record)
    key = draw(st.sampled_from(sorted(changed) + ["unexpected"]))
    if draw(st.booleans()) and key in changed:
        del changed[key]
    else:
        changed[key] = draw(JSON)
    return changed


@st.composite
def requests(draw, operations, proposal_id, example):
    method, template = draw(st.sampled_from(operations))
    path = template
    for name in ("ref", "match_id", "feedback_id", "session_id", "proposal_id"):
        value = proposal_id if name == "proposal_id" and draw(st.booleans()) else draw(IDS)
        path = path.replace("{" + name + "}", quote(value, safe=""))
    records = [example["programme"], *example["mentors"], *example["mentees"], example]
    body = draw(st.sampled_from([None, "json", "mutated", "text"]))
    kwargs = {}
    if body == "json":
        kwargs["json"] = draw(JSON)
    elif body == "mutated":
        kwargs["json"] = _mutated(draw, draw(st.sampled_from(records)))
    elif body == "text":
        kwargs.update(data=draw(st.text(max_size=40)), content_type=draw(st.sampled_from(
            ["application/json", "text/csv", "text/plain"])))
    query = draw(st.dictionaries(st.sampled_from(["page", "page_size", "kind", "matched", "from", "to", "status",
                                                  "mentor", "mentee", "time_limit", "delimiter", "action"]),
                                 st.text(max_size=6), max_size=3))
    if template == "/v1/solve":
        query["time_limit"] = "0.5"
    return method, path, query, kwargs


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(data=st.data())
def test_no_request_gets_a_server_error(served, example_module, data):
    client, operations, proposal_id = served
    method, path, query, kwargs = data.draw(requests(operations, proposal_id, example_module))
    response = client.open(method, path, query_string=query, **kwargs)
    assert response.status_code < 500, (method, path, query, kwargs, response.data[:300])
    if response.status_code >= 400:
        assert response.content_type == "application/problem+json", (method, path, response.data[:300])
        problem = response.get_json()
        assert problem["status"] == response.status_code and problem["title"] and problem["detail"]
