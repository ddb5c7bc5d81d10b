"""FastAPI dependencies: settings, database, served model, policy, conversation token, agent key."""

import uuid
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.config import Settings
from backend.models import Conversation
from backend.runtime.assistant import Assistant
from backend.runtime.holder import AssistantHolder, AssistantUnavailableError
from backend.services.agents import StaffMember, staff_member
from backend.services.api_keys import authenticate_key
from backend.services.conversations import find_conversation
from prompts.escalation import EscalationPolicy


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_db(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def get_holder(request: Request) -> AssistantHolder:
    return request.app.state.assistant_holder


def get_ready_assistant(holder: Annotated[AssistantHolder, Depends(get_holder)]) -> Assistant:
    try:
        return holder.get()
    except AssistantUnavailableError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"the model is not ready: {error}",
            headers={"Retry-After": "5"},
        ) from error


def get_policy(request: Request) -> EscalationPolicy:
    return request.app.state.escalation_policy


_bearer = HTTPBearer(auto_error=False, description="An agent's or admin's API key.")


def get_agent(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session: Annotated[Session, Depends(get_db)],
) -> StaffMember:
    # Read from the database on every request: a revoked key fails on every worker at once.
    key = authenticate_key(session, credentials.credentials) if credentials else None
    member = staff_member(session, key) if key is not None else None
    if key is None or (key.role.is_staff and member is None):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a valid agent API key is required (Authorization: Bearer <key>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if member is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="this needs an agent's or admin's key; a client key reaches only /v1",
        )
    return member


def get_admin(agent: Annotated[StaffMember, Depends(get_agent)]) -> StaffMember:
    if not agent.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this needs an admin's key")
    return agent


def conversation_token(
    x_conversation_token: Annotated[
        str | None, Header(description="The token returned when the conversation was created.")
    ] = None,
) -> str | None:
    return x_conversation_token


def get_visible_conversation(
    conversation_id: uuid.UUID,
    session: Annotated[Session, Depends(get_db)],
    token: Annotated[str | None, Depends(conversation_token)],
) -> Conversation:
    conversation = find_conversation(session, conversation_id, token)
    if conversation is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="conversation not found")
    return conversation


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_db)]
HolderDep = Annotated[AssistantHolder, Depends(get_holder)]
AssistantDep = Annotated[Assistant, Depends(get_ready_assistant)]
TokenDep = Annotated[str | None, Depends(conversation_token)]
VisibleConversationDep = Annotated[Conversation, Depends(get_visible_conversation)]
PolicyDep = Annotated[EscalationPolicy, Depends(get_policy)]
AgentDep = Annotated[StaffMember, Depends(get_agent)]
AdminDep = Annotated[StaffMember, Depends(get_admin)]
