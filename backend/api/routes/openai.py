"""The OpenAI-compatible API: `/v1/chat/completions` (whole or streamed) and `/v1/models`.

A reply goes through the same prompt layer, escalation policy and persistence as `/api/chat`;
only the shapes differ. Each call needs an API key (`supportbot keys create NAME`), and a key
reaches only the conversations it started.
"""

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.concurrency import run_in_threadpool

from backend.api.deps import EngineDep, HolderDep, PolicyDep, SessionDep, SettingsDep
from backend.api.links import COMPLETION_LINKS
from backend.api.openai_errors import OPENAI_ERRORS, OpenAIError
from backend.api.openai_schemas import (
    AssistantMessage,
    ChatCompletion,
    ChatCompletionRequest,
    Choice,
    Model,
    ModelList,
    SupportbotInfo,
    Usage,
)
from backend.api.rate_limits import limit_api_key
from backend.api.schemas import ChatRequest, ChatResponse
from backend.models import ApiKey, KeyRole
from backend.models.columns import utcnow
from backend.runtime.assistant import Assistant
from backend.runtime.base import GenerationOptions
from backend.runtime.holder import AssistantHolder, AssistantPool, AssistantUnavailableError
from backend.services import adapters as registry
from backend.services.api_keys import authenticate_key
from backend.services.chat import ApiCaller, ConversationNotFoundError, StartedTurn, start_turn
from backend.services.handoff import HANDED_OFF
from backend.services.replies import Delta, Failed, Replied, reply_events
from prompts.escalation import EscalationPolicy

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["openai"], responses=OPENAI_ERRORS)

SERVING_ALIAS = "supportbot"  # whatever serves now

_bearer = HTTPBearer(auto_error=False, description="A client key from `supportbot keys create`.")


def get_api_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: SessionDep,
) -> ApiKey:
    key = authenticate_key(session, credentials.credentials) if credentials else None
    if key is None:
        raise OpenAIError(
            status.HTTP_401_UNAUTHORIZED,
            "a valid API key is required (Authorization: Bearer <key>)",
            "authentication_error",
            "invalid_api_key",
        )
    if key.role is not KeyRole.client:
        # Staff keys stay off /v1: its conversations belong to the key that started them.
        raise OpenAIError(
            status.HTTP_403_FORBIDDEN,
            "this needs a client key (`supportbot keys create NAME --role client`); agents' and"
            " admins' keys do not reach /v1",
            "permission_error",
            "wrong_key_role",
        )
    limit_api_key(request, key.id)
    return key


ApiKeyDep = Annotated[ApiKey, Depends(get_api_key)]


def get_pool(request: Request) -> AssistantPool:
    return request.app.state.assistant_pool


PoolDep = Annotated[AssistantPool, Depends(get_pool)]


@router.get("/models")
def list_models(key: ApiKeyDep, holder: HolderDep, session: SessionDep) -> ModelList:
    """`supportbot` (what serves now), the base model and every registered adapter version."""
    created = int(time.time())
    names = [SERVING_ALIAS]
    if (served := holder.assistant) is not None:
        names.append(served.model.info.name)
    adapters = registry.list_adapters(session)
    names += [a.version for a in adapters]
    stamps = {a.version: int(a.created_at.astimezone(UTC).timestamp()) for a in adapters}
    return ModelList(
        data=[Model(id=name, created=stamps.get(name, created)) for name in dict.fromkeys(names)]
    )


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={
        200: {
            "description": "The reply; with `stream`, `chat.completion.chunk` server-sent events"
            " ending with `[DONE]`.",
            "content": {"text/event-stream": {}},
        }
    },
    openapi_extra=COMPLETION_LINKS,
)
async def chat_completions(
    body: ChatCompletionRequest,
    key: ApiKeyDep,
    engine: EngineDep,
    holder: HolderDep,
    pool: PoolDep,
    policy: PolicyDep,
    settings: SettingsDep,
) -> ChatCompletion | EventSourceResponse:
    """Answer the last user message as the support bot, in the conversation of `user` (or
    `metadata.conversation_id`); a new conversation otherwise."""
    try:
        message, conversation_id = body.customer_message(), body.conversation_id()
        request = ChatRequest(message=message, conversation_id=conversation_id)
    except ValueError as error:
        raise OpenAIError(400, str(error), param="messages") from error
    assistant = await run_in_threadpool(_assistant_for, body.model, holder, pool, engine)
    caller = ApiCaller(key.id, body.user)
    try:
        started = await run_in_threadpool(
            start_turn, engine, request, None, assistant, policy, None, caller
        )
    except ConversationNotFoundError as error:
        raise OpenAIError(404, "conversation not found", param="metadata") from error
    except AssistantUnavailableError as error:
        raise OpenAIError(503, f"the model is not ready: {error}", "server_error") from error
    options = GenerationOptions(
        max_new_tokens=body.max_completion_tokens or body.max_tokens,
        temperature=body.temperature,
        stop=body.stop_sequences(),
    )
    completion = _Completion(
        body.model, started, assistant, engine, policy, options, settings.max_generation_seconds
    )
    if body.stream:
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return EventSourceResponse(
            completion.chunks(include_usage),
            ping=15,
            send_timeout=settings.stream_send_timeout_seconds,
        )
    return await completion.whole()


def _assistant_for(
    name: str, holder: AssistantHolder, pool: AssistantPool, engine: Engine
) -> Assistant | None:
    """The assistant a request's `model` names; None while none is ready (the policy decides).

    The serving one answers for its own name and for `supportbot`; another registered adapter
    or the bare base model is loaded on first use, beside the serving one.
    """
    served = holder.assistant
    if served is None:
        return None
    info = served.model.info
    if name in (SERVING_ALIAS, info.adapter_version or info.name):
        return served
    if name == info.name:
        return _loaded(pool, None, name)
    with Session(engine) as session:
        try:
            adapter = registry.find_adapter(session, name)
        except registry.RegistryError as error:
            raise OpenAIError(
                404,
                f"the model {name!r} does not exist; GET /v1/models lists them",
                param="model",
                code="model_not_found",
            ) from error
    return _loaded(pool, Path(adapter.path), name)


def _loaded(pool: AssistantPool, adapter_dir: Path | None, name: str) -> Assistant:
    try:
        return pool.get(adapter_dir)
    except Exception as error:  # a registered adapter that does not load is the server's fault
        logger.exception("loading model %s for /v1 failed", name)
        raise OpenAIError(503, f"the model {name!r} could not be loaded", "server_error") from error


class _Completion:
    """One request's answer, as a `chat.completion` or as chunks."""

    def __init__(
        self,
        model_name: str,
        started: StartedTurn | ChatResponse,
        assistant: Assistant | None,
        engine: Engine,
        policy: EscalationPolicy,
        options: GenerationOptions,
        time_limit_s: float,
    ) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.time_limit_s = time_limit_s
        self.created = int(time.time())
        self.model_name = model_name
        self.started, self.assistant = started, assistant
        self.engine, self.policy, self.options = engine, policy, options

    async def events(self) -> AsyncIterator[Delta | Replied | Failed]:
        """The reply's events; an answer made without the model comes as one `Replied`."""
        if isinstance(self.started, ChatResponse):
            yield self._without_model(self.started)
            return
        assert self.assistant is not None  # start_turn prepares a reply only for a model
        async for event in reply_events(
            self.engine,
            self.started,
            self.assistant,
            self.policy,
            "openai",
            self.options,
            self.time_limit_s,
        ):
            yield event

    async def whole(self) -> ChatCompletion:
        async for event in self.events():
            if isinstance(event, Failed):
                raise OpenAIError(503, event.detail, "server_error")
            if isinstance(event, Replied):
                return ChatCompletion(
                    id=self.id,
                    created=self.created,
                    model=self.model_name,
                    choices=[
                        Choice(
                            message=AssistantMessage(content=event.response.reply),
                            finish_reason=_finish_reason(event),
                        )
                    ],
                    usage=_usage(event),
                    supportbot=_info(event.response),
                )
        raise OpenAIError(503, "no reply", "server_error")

    async def chunks(self, include_usage: bool) -> AsyncIterator[ServerSentEvent]:
        yield self._chunk({"role": "assistant", "content": ""})
        streamed = ""
        async for event in self.events():
            if isinstance(event, Delta):
                streamed += event.text
                yield self._chunk({"content": event.text})
            elif isinstance(event, Failed):
                error = {"message": event.detail, "type": "server_error", "code": None}
                yield ServerSentEvent(json.dumps({"error": error}))
            else:
                # A withheld reply ends with the hand-off text instead: send what differs.
                reply = event.response.reply
                rest = reply[len(streamed) :] if reply.startswith(streamed) else reply
                if rest:
                    separator = "\n\n" if streamed and not reply.startswith(streamed) else ""
                    yield self._chunk({"content": separator + rest})
                info = _info(event.response).model_dump(mode="json")
                yield self._chunk({}, _finish_reason(event), supportbot=info)
                if include_usage:
                    usage = _usage(event).model_dump()
                    yield self._event({"choices": [], "usage": usage})
        yield ServerSentEvent("[DONE]")

    def _chunk(
        self, delta: dict, finish_reason: str | None = None, **extra: object
    ) -> ServerSentEvent:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
        return self._event({"choices": [choice], **extra})

    def _event(self, fields: dict) -> ServerSentEvent:
        body = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model_name,
            **fields,
        }
        return ServerSentEvent(json.dumps(body))

    def _without_model(self, response: ChatResponse) -> Replied:
        """A turn answered before the model: handed off, deflected, or the model unavailable."""
        if not response.reply and response.status in HANDED_OFF:
            # The bot stays silent while a person handles the chat; the caller learns why.
            notice = self.policy.handoff_message(utcnow())
            response = response.model_copy(update={"reply": notice})
        escalated = response.escalated or response.status in HANDED_OFF
        return Replied(response, finish_reason="escalated" if escalated else "stop")


def _finish_reason(event: Replied) -> str:
    return "content_filter" if event.finish_reason == "escalated" else event.finish_reason


def _usage(event: Replied) -> Usage:
    return Usage(
        prompt_tokens=event.prompt_tokens,
        completion_tokens=event.completion_tokens,
        total_tokens=event.prompt_tokens + event.completion_tokens,
    )


def _info(response: ChatResponse) -> SupportbotInfo:
    return SupportbotInfo(
        conversation_id=response.conversation_id,
        conversation_token=response.conversation_token,
        message_id=response.message_id,
        escalated=response.escalated or response.status in HANDED_OFF,
        escalation_reason=response.escalation_reason,
        status=response.status,
        sources=response.sources,
    )
