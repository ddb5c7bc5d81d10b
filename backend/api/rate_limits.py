"""Rate limits of the API: per client IP and per conversation on the customer chat, per key on
the OpenAI-compatible, agents' and admin APIs. A refusal is a 429 with `Retry-After` (seconds)."""

import ipaddress
import uuid

from fastapi import HTTPException, Request, status
from fastapi.responses import JSONResponse

from backend.api.deps import AgentDep, TokenDep
from backend.api.openai_errors import OPENAI_PREFIX, OpenAIError
from backend.core.config import Settings
from backend.core.metrics import RATE_LIMITED
from backend.services.conversations import hash_token
from backend.services.rate_limits import Limit, RateLimiter

_WHOSE = {
    "ip": "from this address",
    "conversation": "in this conversation",
    "api_key": "with this API key",
    "agent_key": "with this agent key",
}


def client_ip(request: Request, settings: Settings) -> str:
    """The caller's address: the connecting one, or, when that is a trusted proxy, the nearest
    one in X-Forwarded-For that no trusted proxy added. IPv6 counts by /64 (one subscriber)."""
    peer = request.client.host if request.client else ""
    client = peer
    if settings.trusted_proxies:
        forwarded = ",".join(request.headers.getlist("x-forwarded-for")).split(",")
        for hop in [peer, *reversed(forwarded)]:  # nearest first
            address = _address(hop.strip())
            if address is None:  # whatever comes further on cannot be trusted
                break
            client = str(address)
            if not any(address in network for network in settings.trusted_proxies):
                break
    address = _address(client)
    if address is None:
        return client or "unknown"
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def enforce(request: Request, *limits: Limit) -> None:
    """Count the request against `limits`; raise a 429 (OpenAI-shaped on /v1) if one is full."""
    limiter: RateLimiter = request.app.state.rate_limiter
    refusal = limiter.hit(limits)
    if refusal is None:
        return
    RATE_LIMITED.labels(refusal.limit.name).inc()
    message = (
        f"too many requests {_WHOSE[refusal.limit.name]}:"
        f" at most {refusal.limit.per_minute} a minute; retry in {refusal.retry_after_s} s"
    )
    if request.url.path.startswith(OPENAI_PREFIX):
        raise OpenAIRateLimitError(message, refusal.retry_after_s)
    headers = {"Retry-After": str(refusal.retry_after_s)}
    raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, detail=message, headers=headers)


class OpenAIRateLimitError(OpenAIError):
    """A 429 in OpenAI's shape, with `Retry-After` (OpenAI's clients wait that long to retry)."""

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(429, message, "rate_limit_error", "rate_limit_exceeded")
        self.retry_after_s = retry_after_s

    def response(self) -> JSONResponse:
        response = super().response()
        response.headers["Retry-After"] = str(self.retry_after_s)
        return response


def limit_customer(request: Request, conversation_id: uuid.UUID | None, token: str | None) -> None:
    """A customer's request: per client IP and, in a conversation, per conversation."""
    settings: Settings = request.app.state.settings
    limits = [Limit("ip", client_ip(request, settings), settings.rate_limit_per_ip_per_minute)]
    if conversation_id is not None and token:
        # Keyed by the token too: a caller without it cannot use up the customer's allowance.
        client = f"{conversation_id}:{hash_token(token)[:16]}"
        limits.append(
            Limit("conversation", client, settings.rate_limit_per_conversation_per_minute)
        )
    enforce(request, *limits)


def limit_conversation(request: Request, conversation_id: uuid.UUID, token: TokenDep) -> None:
    """Dependency of the customer's routes under /api/conversations/{conversation_id}."""
    limit_customer(request, conversation_id, token)


def limit_api_key(request: Request, key_id: uuid.UUID) -> None:
    """A request with an API key of the OpenAI-compatible API."""
    per_minute = request.app.state.settings.rate_limit_per_key_per_minute
    enforce(request, Limit("api_key", str(key_id), per_minute))


def limit_agent_key(request: Request, agent: AgentDep) -> None:
    """Dependency of the agents' and admin routers: per agent key."""
    per_minute = request.app.state.settings.rate_limit_per_key_per_minute
    enforce(request, Limit("agent_key", str(agent.id), per_minute))
