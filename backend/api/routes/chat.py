"""The chat endpoints: a whole reply, or the reply streamed as server-sent events."""

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import Engine
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from backend.api.deps import AssistantDep, EngineDep, TokenDep
from backend.api.schemas import ChatRequest, ChatResponse
from backend.runtime.assistant import Assistant
from backend.services.chat import ConversationNotFoundError, StartedTurn, start_turn
from backend.services.replies import Delta, Failed, reply_events

router = APIRouter(prefix="/api", tags=["chat"])

_NOT_FOUND = "conversation not found"


async def _start(
    engine: Engine, request: ChatRequest, token: str | None, assistant: Assistant
) -> StartedTurn:
    try:
        return await run_in_threadpool(start_turn, engine, request, token, assistant)
    except ConversationNotFoundError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=_NOT_FOUND) from error


@router.post("/chat", responses={404: {"description": _NOT_FOUND}, 503: {}})
async def chat(
    request: ChatRequest, engine: EngineDep, assistant: AssistantDep, token: TokenDep
) -> ChatResponse:
    """Send a customer message and get the bot's reply."""
    turn = await _start(engine, request, token, assistant)
    async for event in reply_events(engine, turn, assistant, "chat"):
        if isinstance(event, ChatResponse):
            return event
        if isinstance(event, Failed):
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=event.detail)
    raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="no reply")


@router.post(
    "/chat/stream",
    response_class=EventSourceResponse,
    responses={
        200: {"description": "`delta` events with text, then one `done` event (or `error`)."},
        404: {"description": _NOT_FOUND},
    },
)
async def chat_stream(
    request: ChatRequest, engine: EngineDep, assistant: AssistantDep, token: TokenDep
) -> EventSourceResponse:
    """Send a customer message and receive the reply as server-sent events."""
    turn = await _start(engine, request, token, assistant)

    async def events() -> AsyncIterator[ServerSentEvent]:
        async for event in reply_events(engine, turn, assistant, "chat_stream"):
            if isinstance(event, Delta):
                yield ServerSentEvent(json.dumps({"text": event.text}), event="delta")
            elif isinstance(event, Failed):
                yield ServerSentEvent(json.dumps({"detail": event.detail}), event="error")
            else:
                yield ServerSentEvent(event.model_dump_json(), event="done")

    return EventSourceResponse(events())
