"""Every error as application/problem+json (RFC 9457): type, title, status, detail, and for
invalid input the path and reason of each problem."""
from __future__ import annotations

import logging
import traceback

from flask import Response, json, request
from flask_smorest import Api, abort
from werkzeug.exceptions import HTTPException

from matcher.errors import Problem
from matcher.schema import problems_of

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:matcher:problem:"
INVALID = "invalid-input"

log = logging.getLogger("matcher.api")


def log_failure(what: str, error: BaseException) -> None:
    """Log an unexpected error by its type and the places it passed (file, line, function),
    never by its message or values: they may quote a record, and so a person's name."""
    frames = "\n".join(f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(error.__traceback__))
    log.error("%s: %s\n%s", what, type(error).__name__, frames)


def fail(status: int, detail: str, kind: str = "about:blank", problems: list[Problem] | None = None,
         headers: dict | None = None):
    """Stop the request with a problem response; `kind` names the problem type."""
    data = {"message": detail, "type": kind if kind == "about:blank" else TYPE_PREFIX + kind}
    if problems is not None:
        data["errors"] = [{"path": p.path, "reason": p.reason} for p in problems]
    if headers:
        data["headers"] = headers
    abort(status, **data)


def invalid(problems: list[Problem], status: int = 422):
    """Stop the request: the input breaks the contract (each problem names its path)."""
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    fail(status, f"{first}{more}", INVALID, problems)


def _request_problems(messages: dict) -> list[Problem]:
    """webargs' messages, keyed by location: paths in the body stand alone (the body itself is
    `body`), others say where they are (`query.kind`)."""
    found = []
    for location, errors in messages.items():
        root = "body" if location == "json" else location
        found += [Problem(p.path if location == "json" or p.path == root else f"{location}.{p.path}", p.reason)
                  for p in problems_of(errors, root=root)]
    return found


def _body(error: HTTPException) -> tuple[dict, dict]:
    data = getattr(error, "data", None) or {}
    body = {"type": data.get("type", "about:blank"), "title": error.name, "status": error.code,
            "detail": data.get("message") or error.description}
    if "errors" in data:
        body["errors"] = data["errors"]
    elif "messages" in data:   # webargs could not parse or validate the request
        found = _request_problems(data["messages"])
        if data["messages"].get("json") == ["Invalid JSON body."]:
            body.update(type=TYPE_PREFIX + "malformed-json", detail="the request body is not valid JSON")
        else:
            more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
            body.update(type=TYPE_PREFIX + INVALID, errors=[{"path": p.path, "reason": p.reason} for p in found],
                        detail="; ".join(map(str, found[:3])) + more)
    return body, data.get("headers", {})


def problem_response(body: dict, headers: dict | None = None) -> Response:
    response = Response(json.dumps(body), status=body["status"], mimetype=MEDIA_TYPE)
    response.headers.update(headers or {})
    return response


class ProblemApi(Api):
    """flask-smorest's Api answering every error, its own and Flask's, as a problem."""

    def handle_http_exception(self, error: HTTPException):
        if error.code >= 500:
            log_failure(f"{request.method} {request.path} failed", getattr(error, "original_exception", None) or error)
        body, headers = _body(error)
        return problem_response(body, headers)
