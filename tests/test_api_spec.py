"""The published OpenAPI document matches the service."""
from pathlib import Path

from api.spec import spec_text


def test_docs_openapi_json_is_current():
    published = Path("docs/openapi.json")
    assert published.exists() and published.read_text() == spec_text(), \
        "docs/openapi.json is stale: run make openapi"
