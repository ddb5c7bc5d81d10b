"""Admin API: help-center articles (the retrieval index follows every change)."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from backend.api.deps import AdminDep, SessionDep
from backend.models import HelpArticle, HelpArticleBase, HelpArticlePublic
from backend.models.article import SLUG_PATTERN
from backend.services.knowledge import upsert_articles

router = APIRouter(prefix="/api/admin", tags=["admin"])

_NOT_FOUND = {404: {"description": "article not found"}}


class ArticleContent(BaseModel):
    """An article's content; its slug is in the path."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1, max_length=100_000)
    url: str | None = Field(None, max_length=2000)


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


@router.put("/articles/{slug}", responses={422: {"description": "invalid article"}})
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
