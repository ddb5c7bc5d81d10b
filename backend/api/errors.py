"""Errors: the body they share, the responses routes declare, and the handlers that keep every
error in `{"detail": ...}` with the right 4xx (OpenAI's shape under /v1)."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException
from starlette.routing import Match

from backend.api.openai_errors import OPENAI_PREFIX, OpenAIError, invalid_request

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5

# FastAPI answers a body it cannot decode at all (not UTF-8, nested too deep) with this 400.
_UNPARSABLE_BODY = "There was an error parsing the body"


class ErrorMessage(BaseModel):
    """An error; `detail` says what went wrong."""

    detail: str


_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "required": True,
            "schema": {"type": "integer"},
        }
    },
    503: {
        "Retry-After": {
            "description": "Seconds to wait before trying again, where known.",
            "schema": {"type": "integer"},
        }
    },
}


def error(status_code: int, description: str) -> dict[int | str, dict[str, Any]]:
    """A route's `responses` entry for an error answered as `{"detail": "..."}`."""
    entry: dict[str, Any] = {"model": ErrorMessage, "description": description}
    if status_code in _HEADERS:
        entry["headers"] = _HEADERS[status_code]
    return {status_code: entry}


AGENT_KEY = {
    **error(401, "no valid agent API key (Authorization: Bearer <key>)"),
    **error(403, "a client key: these routes need an agent's or admin's key"),
}
ADMIN_KEY = {**AGENT_KEY, **error(403, "the key is not an admin's")}
BODY_TOO_LARGE = error(413, "the request body is larger than the server accepts")
RATE_LIMITED = error(429, "too many requests; try again after Retry-After seconds")
UNAVAILABLE = error(503, "the database or the model is unavailable; try again later")


def error_body(path: str, status_code: int, message: str) -> dict[str, Any]:
    """`{"detail": message}`, or OpenAI's error object for a /v1 route."""
    if path.startswith(OPENAI_PREFIX):
        return OpenAIError(status_code, message).body()
    return {"detail": message}


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]
    return ", ".join(allowed)


def add_error_handlers(app: FastAPI) -> None:
    """Undecodable bodies become validation errors; a /v1 route's HTTP errors take OpenAI's shape;
    an unreachable database is a 503, not a 500."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == _UNPARSABLE_BODY:
            cause = error.__cause__
            issue = {
                "type": "json_invalid",
                "loc": ("body",),
                "msg": "JSON decode error",
                "input": {},
                "ctx": {"error": f"{type(cause).__name__}: {cause}" if cause else _UNPARSABLE_BODY},
            }
            return await invalid_request(request, RequestValidationError([issue]))
        if error.status_code == 405:
            # Starlette names only the first route on the path; every route's methods are allowed.
            error.headers = {**(error.headers or {}), "Allow": _allowed_methods(request)}
        if request.url.path.startswith(OPENAI_PREFIX):
            response = OpenAIError(error.status_code, str(error.detail)).response()
            response.headers.update(error.headers or {})
            return response
        return await http_exception_handler(request, error)

    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, error: OperationalError) -> JSONResponse:
        logger.warning("the database is unavailable: %s", error.orig or error)
        body = error_body(request.url.path, 503, "the database is unavailable; try again later")
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        return JSONResponse(body, status_code=503, headers=headers)
