"""The FastAPI application: chat, agents' inbox and admin APIs, health, metrics, web pages."""

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from backend.api import pages
from backend.api.body_limit import BodySizeLimitMiddleware
from backend.api.errors import BODY_TOO_LARGE, add_error_handlers
from backend.api.openai_errors import add_openai_error_handlers
from backend.api.rate_limits import limit_agent_key
from backend.api.request_ids import HEADER as REQUEST_ID_HEADER
from backend.api.request_ids import RequestIdMiddleware, request_id_of
from backend.api.routes import admin, agent, chat, conversations, health, openai, retraining
from backend.core.config import Settings, get_settings
from backend.core.db import create_db_engine, retry_while_unavailable
from backend.core.metrics import metrics_app
from backend.runtime.assistant import Assistant
from backend.runtime.base import BatchedModel
from backend.runtime.factory import load_assistant
from backend.runtime.holder import AssistantHolder, AssistantPool
from backend.services.rate_limits import RateLimiter
from backend.services.retrain_triggers import triggers_enabled, watch_triggers
from backend.services.retrieval import article_retriever, ticket_retriever
from backend.services.swap import AdapterFollower, promoted_adapter_dir
from frontend import STATIC_DIR
from prompts import load_company
from prompts.context import TICKET_CANDIDATES
from prompts.escalation import load_policy

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None,
    assistant_loader: Callable[[], Assistant] | None = None,
) -> FastAPI:
    """The app for `settings`; the model loads in the background at start-up.

    The database schema must already be migrated (`supportbot serve` does it first).
    """
    settings = settings or get_settings()
    company = load_company(settings.company_file)
    engine = create_db_engine(settings.database_url)
    retrievers = (
        article_retriever(engine, settings.article_results, settings.min_retrieval_score),
        # More candidates than shown: the assembler puts those of the message's topic first.
        ticket_retriever(engine, TICKET_CANDIDATES, settings.min_retrieval_score),
    )
    policy = load_policy(settings.escalation_file)

    def load_with(adapter: Path | None) -> Assistant:
        assistant = load_assistant(settings, company, adapter, retrievers)
        # Serving only: offline loads (the retraining gate's evaluation) never stream, and an
        # idle batch loop is a second torch thread that slows theirs (docs/benchmarks.md).
        if isinstance(assistant.model, BatchedModel):
            assistant.model.warm_up()
        return assistant

    stopping = threading.Event()  # set at shutdown

    def read_database() -> Path | None:
        for retriever in retrievers:
            retriever.index.refresh(force=True)
        if assistant_loader is not None:
            return None
        return settings.adapter_path or promoted_adapter_dir(engine)

    def load_first() -> Assistant:
        # Off the request path: the model, the escalation classifier and the retrieval indexes.
        policy.warm_up()
        # A database that is not up yet delays readiness; it does not fail the load for good.
        adapter = retry_while_unavailable(read_database, stopping)
        if assistant_loader is not None:
            return assistant_loader()
        return load_with(adapter)

    # A pinned adapter (SUPPORTBOT_ADAPTER_PATH) serves until restart; otherwise follow promotions.
    follows_registry = assistant_loader is None and settings.adapter_path is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        holder = app.state.assistant_holder
        holder.start_loading(load_first)
        follower = None
        if follows_registry and settings.adapter_poll_seconds > 0:
            following = AdapterFollower(engine, holder, load_with)
            follower = asyncio.create_task(following.run(settings.adapter_poll_seconds))
        watcher = None
        if triggers_enabled(settings):
            watcher = asyncio.create_task(watch_triggers(engine, settings))
        yield
        stopping.set()
        for task in (follower, watcher):
            if task is not None:
                task.cancel()
        holder.close()
        app.state.assistant_pool.close()
        app.state.engine.dispose()

    app = FastAPI(
        title="supportbot",
        summary="Customer-support chat: LoRA-tuned model, prompt layer, human hand-off.",
        version="0.1.0",
        lifespan=lifespan,
        responses=BODY_TOO_LARGE,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.company = company
    app.state.escalation_policy = policy
    app.state.assistant_holder = AssistantHolder()
    app.state.assistant_pool = AssistantPool(load_with)
    app.state.rate_limiter = RateLimiter(engine)

    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:  # the sites that embed the widget (GET /widget.js) call the API
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=[
                "Accept",
                "Authorization",
                "Content-Type",
                "X-Conversation-Token",
                REQUEST_ID_HEADER,
            ],
            expose_headers=[REQUEST_ID_HEADER],
            max_age=600,
        )
    app.add_middleware(RequestIdMiddleware)  # outermost of ours: CORS preflights get an id too
    app.include_router(health.router)
    app.include_router(chat.router)
    app.include_router(conversations.router)
    per_agent_key = [Depends(limit_agent_key)]
    app.include_router(agent.router, dependencies=per_agent_key)
    app.include_router(admin.router, dependencies=per_agent_key)
    app.include_router(retraining.router, dependencies=per_agent_key)
    app.include_router(openai.router)
    add_openai_error_handlers(app)
    add_error_handlers(app)
    app.mount("/metrics", metrics_app())
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def chat_page() -> HTMLResponse:
        return HTMLResponse(pages.chat_page())

    @app.get("/widget.js", include_in_schema=False)
    def widget_script() -> Response:
        return Response(
            pages.widget_script(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.get("/agent", include_in_schema=False)
    def agent_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "agent.html")

    @app.get("/admin", include_in_schema=False)
    def admin_page() -> FileResponse:
        return FileResponse(STATIC_DIR / "admin.html")

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
        # Starlette runs this outside the middleware, so the request id is passed explicitly.
        request_id = request_id_of(request)
        logger.exception(
            "unhandled error on %s %s",
            request.method,
            request.url.path,
            extra={"request_id": request_id},
        )
        headers = {REQUEST_ID_HEADER: request_id} if request_id else None
        return JSONResponse({"detail": "internal server error"}, status_code=500, headers=headers)

    return app
