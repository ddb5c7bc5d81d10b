"""Errors of the OpenAI-compatible API in OpenAI's shape, `{"error": {"message", "type", ...}}`,
which its clients turn into their own exceptions (`openai.AuthenticationError`, ...)."""

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from backend.api.openai_schemas import ErrorResponse

OPENAI_PREFIX = "/v1/"

OPENAI_ERRORS: dict[int | str, dict] = {
    code: {"model": ErrorResponse, "description": description}
    for code, description in {
        400: "invalid request (OpenAI's error shape)",
        401: "no valid API key",
        403: "not a client key (agents' and admins' keys do not reach /v1)",
        404: "no such model or conversation",
        413: "the request body is larger than the server accepts",
        429: "too many requests; try again after Retry-After seconds",
        503: "the model or the database is not ready, or the model could not answer",
    }.items()
}
OPENAI_ERRORS[429]["headers"] = {"Retry-After": {"required": True, "schema": {"type": "integer"}}}

_TYPES = {
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    503: "server_error",
}


class OpenAIError(Exception):
    """An error answered in OpenAI's shape."""

    def __init__(
        self,
        status_code: int,
        message: str,
        type_: str | None = None,
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code, self.message = status_code, message
        self.type = type_ or _TYPES.get(status_code, "invalid_request_error")
        self.code, self.param = code, param

    def body(self) -> dict:
        error = {"message": self.message, "type": self.type, "param": self.param, "code": self.code}
        return {"error": error}

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if self.status_code == 401 else None
        return JSONResponse(self.body(), status_code=self.status_code, headers=headers)


async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """A 422 `{"detail": [...]}`, or OpenAI's 400 on a /v1 route."""
    if not request.url.path.startswith(OPENAI_PREFIX):
        return await request_validation_exception_handler(request, error)
    first = error.errors()[0] if error.errors() else {}
    location = [str(part) for part in first.get("loc", ()) if part != "body"]
    message = f"{'.'.join(location) or 'body'}: {first.get('msg', 'invalid request')}"
    return OpenAIError(400, message, param=".".join(location) or None).response()


def add_openai_error_handlers(app: FastAPI) -> None:
    """Answer errors of `/v1/` routes in OpenAI's shape; other routes keep FastAPI's."""

    @app.exception_handler(OpenAIError)
    async def openai_error(request: Request, error: OpenAIError) -> JSONResponse:
        return error.response()

    app.add_exception_handler(RequestValidationError, invalid_request)
