"""Every request gets an id: the caller's X-Request-ID when it is sane, else a new one.

The id is in the logs of everything the request does and on its response, streams included.
A pure ASGI middleware: BaseHTTPMiddleware would buffer server-sent events.
"""

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.logging import REQUEST_ID

HEADER = "X-Request-ID"
VALID_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def incoming_request_id(scope: Scope) -> str:
    """The caller's id if it is a short, plain token (safe in logs and headers); else a new one."""
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if VALID_ID.fullmatch(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def request_id_of(request: Request) -> str | None:
    """The id the middleware gave this request (for handlers that run outside it)."""
    return request.scope.get("state", {}).get("request_id")


class RequestIdMiddleware:
    """Sets the request id for logging and echoes it as X-Request-ID on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        # The 500 handler runs outside this middleware; it finds the id in the request's state.
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        token = REQUEST_ID.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
