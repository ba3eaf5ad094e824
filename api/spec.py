"""The OpenAPI document of the service, as written to docs/openapi.json (`make openapi`)."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from api.app import create_app


def spec_text() -> str:
    """The service's OpenAPI 3 document as stable, indented JSON text."""
    with tempfile.TemporaryDirectory(prefix="matcher-spec-") as folder:
        app = create_app({"database_url": f"sqlite:///{Path(folder) / 'spec.db'}"})
        try:
            spec = app.test_client().get("/openapi.json").get_json()
        finally:
            app.extensions["matcher"].worker.shutdown()
            app.extensions["matcher"].database.engine.dispose()
    return json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(spec_text())
