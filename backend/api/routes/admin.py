"""Admin API: help-center articles (the retrieval index follows every change) and adapters."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from backend.api.deps import AdminDep, SessionDep
from backend.api.errors import ADMIN_KEY, RATE_LIMITED, UNAVAILABLE, error
from backend.api.schemas import NO_NUL
from backend.models import HelpArticle, HelpArticleBase, HelpArticlePublic
from backend.models.article import SLUG_PATTERN
from backend.services import adapters
from backend.services.knowledge import upsert_articles

router = APIRouter(
    prefix="/api/admin", tags=["admin"], responses={**ADMIN_KEY, **RATE_LIMITED, **UNAVAILABLE}
)

_NOT_FOUND = error(404, "article not found")


class ArticleContent(BaseModel):
    """An article's content; its slug is in the path."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300, pattern=NO_NUL)
    body: str = Field(min_length=1, max_length=100_000, pattern=NO_NUL)
    url: str | None = Field(None, max_length=2000, pattern=NO_NUL)


Slug = Annotated[str, PathParam(pattern=SLUG_PATTERN, max_length=200)]


def get_article(slug: Slug, session: SessionDep) -> HelpArticle:
    article = session.exec(select(HelpArticle).where(HelpArticle.slug == slug)).first()
    if article is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="article not found")
    return article


ArticleDep = Annotated[HelpArticle, Depends(get_article)]


@router.get("/articles")
def list_articles(admin: AdminDep, session: SessionDep) -> list[HelpArticlePublic]:
    """Every help-center article, by slug."""
    articles = session.exec(select(HelpArticle).order_by(col(HelpArticle.slug)))
    return [HelpArticlePublic.model_validate(a) for a in articles]


@router.get("/articles/{slug}", responses=_NOT_FOUND)
def read_article(admin: AdminDep, article: ArticleDep) -> HelpArticlePublic:
    """One article."""
    return HelpArticlePublic.model_validate(article)


@router.put("/articles/{slug}")
def put_article(
    slug: Slug, content: ArticleContent, admin: AdminDep, session: SessionDep
) -> HelpArticlePublic:
    """Create or replace the article with this slug; it is searchable within seconds."""
    article = HelpArticleBase.model_validate({"slug": slug, **content.model_dump()})
    upsert_articles(session, [article])
    return HelpArticlePublic.model_validate(get_article(slug, session))


@router.delete("/articles/{slug}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
def delete_article(admin: AdminDep, article: ArticleDep, session: SessionDep) -> Response:
    """Remove the article from the help center and the index."""
    session.delete(article)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class AdapterPublic(BaseModel):
    """A registered adapter."""

    version: str
    base_model: str
    prompt_version: str
    data_hash: str
    train_tickets: int
    hyperparameters: dict[str, Any]
    metrics: dict[str, Any]
    created_at: datetime
    serving: bool


class AdapterRegistry(BaseModel):
    """Every registered adapter, newest first, and which one serves (None: the base model)."""

    serving: str | None
    adapters: list[AdapterPublic]


def _registry(session: Session) -> AdapterRegistry:
    serving = adapters.serving_adapter(session)
    return AdapterRegistry(
        serving=serving.version if serving else None,
        adapters=[
            AdapterPublic(**a.model_dump(), serving=serving is not None and a.id == serving.id)
            for a in adapters.list_adapters(session)
        ],
    )


@router.get("/adapters")
def list_adapters(admin: AdminDep, session: SessionDep) -> AdapterRegistry:
    """The adapter registry; every worker serves the promoted adapter within seconds."""
    return _registry(session)


@router.post("/adapters/{version}/promote", responses=error(409, "gate refused"))
def promote_adapter(
    version: Annotated[str, PathParam(max_length=100, pattern=NO_NUL)],
    admin: AdminDep,
    session: SessionDep,
    force: bool = False,
) -> AdapterRegistry:
    """Serve this adapter if its evaluation beats the serving one (`force` skips the gate)."""
    try:
        adapters.promote(session, version, force=force)
    except adapters.RegistryError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    return _registry(session)


@router.post("/adapters/rollback", responses=error(409, "nothing to roll back"))
def rollback_adapter(admin: AdminDep, session: SessionDep) -> AdapterRegistry:
    """Serve again what served before the last promotion."""
    try:
        adapters.rollback(session)
    except adapters.RegistryError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(error)) from error
    return _registry(session)
