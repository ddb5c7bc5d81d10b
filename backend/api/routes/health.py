"""Liveness, readiness and what the chat page shows about the service."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from backend.api.deps import EngineDep, HolderDep
from backend.api.schemas import ServiceInfo
from backend.runtime.assistant import Assistant
from prompts.escalation import EscalationPolicy

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "model or database not ready"}})
def readyz(engine: EngineDep, holder: HolderDep) -> JSONResponse:
    """Whether the model is loaded and the database answers."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        database = "ok"
    except Exception as error:  # any failure means not ready; the reason is reported
        database = f"error: {type(error).__name__}"
    assistant = holder.assistant
    ready = assistant is not None and database == "ok"
    body = {
        "status": "ready" if ready else "not_ready",
        "model": holder.state,
        "model_name": assistant.model.info.name if assistant else None,
        "model_error": holder.error,
        "database": database,
    }
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/api/info")
def info(request: Request, holder: HolderDep) -> ServiceInfo:
    """Company name, the model, adapter and prompt version serving replies, and whether the
    low-confidence rule can judge them."""
    assistant = holder.assistant
    return ServiceInfo(
        company_name=request.app.state.company.name,
        model=assistant.model.info.name if assistant else None,
        adapter_version=assistant.model.info.adapter_version if assistant else None,
        prompt_version=assistant.prompt.version if assistant else None,
        low_confidence=_low_confidence(request.app.state.escalation_policy, assistant),
    )


def _low_confidence(policy: EscalationPolicy, assistant: Assistant | None) -> str:
    if not policy.low_confidence.enabled:
        return "off"
    # A remote model server may not return log-probabilities; the in-process model always does.
    returns = getattr(assistant.model, "returns_logprobs", True) if assistant else True
    return {True: "on", False: "unavailable", None: "unknown"}[returns]
