"""FastAPI dependencies: settings, database session, served model, conversation token."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.config import Settings
from backend.runtime.base import ChatModel
from backend.runtime.holder import ModelHolder, ModelUnavailableError
from prompts import SupportPrompt


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_db(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def get_holder(request: Request) -> ModelHolder:
    return request.app.state.model_holder


def get_ready_model(holder: Annotated[ModelHolder, Depends(get_holder)]) -> ChatModel:
    try:
        return holder.get()
    except ModelUnavailableError as error:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"the model is not ready: {error}",
            headers={"Retry-After": "5"},
        ) from error


def get_prompt(request: Request) -> SupportPrompt:
    return request.app.state.prompt


def conversation_token(
    x_conversation_token: Annotated[
        str | None, Header(description="The token returned when the conversation was created.")
    ] = None,
) -> str | None:
    return x_conversation_token


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_db)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
ModelDep = Annotated[ChatModel, Depends(get_ready_model)]
PromptDep = Annotated[SupportPrompt, Depends(get_prompt)]
TokenDep = Annotated[str | None, Depends(conversation_token)]
