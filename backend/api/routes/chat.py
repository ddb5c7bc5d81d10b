"""The chat endpoints: a whole reply, or the reply streamed as server-sent events."""

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from sqlalchemy import Engine
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from backend.api.deps import EngineDep, HolderDep, PolicyDep, SettingsDep, TokenDep
from backend.api.errors import RATE_LIMITED, error
from backend.api.links import CHAT_LINKS
from backend.api.rate_limits import limit_customer
from backend.api.schemas import ChatRequest, ChatResponse
from backend.runtime.assistant import Assistant
from backend.runtime.holder import AssistantUnavailableError
from backend.services.chat import ConversationNotFoundError, StartedTurn, start_turn
from backend.services.customers import IdentityError
from backend.services.replies import Delta, Failed, Replied, reply_events
from prompts.escalation import EscalationPolicy

router = APIRouter(prefix="/api", tags=["chat"])

_NOT_FOUND = "conversation not found"
_RESPONSES: dict[int | str, dict] = {
    **error(403, "the customer identity could not be verified"),
    **error(404, _NOT_FOUND),
    **RATE_LIMITED,
    **error(503, "the model is not ready (and the policy does not hand off), or the database"),
}


@dataclass(frozen=True)
class OpenTurn:
    """A customer message stored: answered already, or to be answered by `assistant`."""

    started: StartedTurn | ChatResponse
    assistant: Assistant | None


async def open_turn(
    request: ChatRequest,
    engine: EngineDep,
    holder: HolderDep,
    policy: PolicyDep,
    settings: SettingsDep,
    token: TokenDep,
    http_request: Request,
) -> OpenTurn:
    """Start the turn with the assistant served now (a hot swap must not mix two models)."""
    await run_in_threadpool(limit_customer, http_request, request.conversation_id, token)
    assistant = holder.assistant
    secret = settings.identity_secret.get_secret_value() if settings.identity_secret else None
    try:
        started = await run_in_threadpool(
            start_turn, engine, request, token, assistant, policy, secret
        )
    except ConversationNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_NOT_FOUND) from error
    except IdentityError as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=str(error)) from error
    except AssistantUnavailableError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"the model is not ready: {holder.error or error}",
            headers={"Retry-After": "5"},
        ) from error
    return OpenTurn(started, assistant)


OpenTurnDep = Annotated[OpenTurn, Depends(open_turn)]


@router.post("/chat", responses=_RESPONSES, openapi_extra=CHAT_LINKS)
async def chat(
    turn: OpenTurnDep, engine: EngineDep, policy: PolicyDep, settings: SettingsDep
) -> ChatResponse:
    """Send a customer message and get the reply (empty while a person handles the chat)."""
    started, assistant = turn.started, turn.assistant
    if isinstance(started, ChatResponse) or assistant is None:
        return started
    time_limit = settings.max_generation_seconds
    async for event in reply_events(engine, started, assistant, policy, "chat", None, time_limit):
        if isinstance(event, Replied):
            return event.response
        if isinstance(event, Failed):
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=event.detail)
    raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="no reply")


@router.post(
    "/chat/stream",
    response_class=EventSourceResponse,
    responses={
        200: {
            "description": "`delta` events with text, then one `done` event, or an `error` event"
            " (`detail`, and the `conversation_id` and `conversation_token` the message was"
            " stored under)."
        },
        **_RESPONSES,
    },
)
async def chat_stream(
    turn: OpenTurnDep, engine: EngineDep, policy: PolicyDep, settings: SettingsDep
) -> EventSourceResponse:
    """Send a customer message and receive the reply as server-sent events."""
    events = _stream_events(
        turn.started, engine, turn.assistant, policy, settings.max_generation_seconds
    )
    return EventSourceResponse(events, send_timeout=settings.stream_send_timeout_seconds)


async def _stream_events(
    started: StartedTurn | ChatResponse,
    engine: Engine,
    assistant: Assistant | None,
    policy: EscalationPolicy,
    time_limit_s: float,
) -> AsyncIterator[ServerSentEvent]:
    if isinstance(started, ChatResponse) or assistant is None:  # answered without the model
        if started.reply:
            yield ServerSentEvent(json.dumps({"text": started.reply}), event="delta")
        yield ServerSentEvent(started.model_dump_json(), event="done")
        return
    events = reply_events(engine, started, assistant, policy, "chat_stream", None, time_limit_s)
    async for event in events:
        if isinstance(event, Delta):
            yield ServerSentEvent(json.dumps({"text": event.text}), event="delta")
        elif isinstance(event, Failed):
            # The customer's message is stored: a new conversation's id and token let the
            # client go on with it (its first reply never came, so nothing else told them).
            failed = {
                "detail": event.detail,
                "conversation_id": str(started.conversation_id),
                "conversation_token": started.new_token,
            }
            yield ServerSentEvent(json.dumps(failed), event="error")
        else:
            yield ServerSentEvent(event.response.model_dump_json(), event="done")
