"""Help-center articles: read from markdown or JSON, stored with their embeddings.

Markdown: one article per `.md` file; optional YAML front matter (`title`, `slug`, `url`);
otherwise the first `# heading` is the title and the file name the slug.
JSON: a list of `{"slug", "title", "body", "url"}` objects, or `{"articles": [...]}`.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from pydantic import ValidationError
from sqlmodel import Session, col, select

from backend.models import HelpArticle, HelpArticleBase
from backend.models.columns import utcnow
from backend.services.retrieval import vector_to_bytes
from prompts.embeddings import embed

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_HEADING = re.compile(r"^#\s+(.+?)\s*$", re.MULTILINE)


class KnowledgeFileError(ValueError):
    """A help-center file could not be read as articles."""


@dataclass(frozen=True)
class UpsertResult:
    """How many articles an import created, changed and left as they were."""

    created: int
    updated: int
    unchanged: int


def article_vectors(articles: list[HelpArticleBase]) -> np.ndarray:
    """How articles are indexed: the mean of their title's and their whole text's embeddings.

    A long body dilutes what an article is about; on Bitext questions mapped to the demo help
    center this finds the right article first for 80 % of questions, against 71 % for the whole
    text alone (docs/context.md).
    """
    whole = embed([f"{a.title}\n{a.body}" for a in articles])
    mean = embed([a.title for a in articles]) + whole
    return mean / np.linalg.norm(mean, axis=1, keepdims=True)


def upsert_articles(session: Session, articles: list[HelpArticleBase]) -> UpsertResult:
    """Create or update articles by slug; only new or changed ones are embedded again."""
    slugs = [a.slug for a in articles]
    existing = {
        a.slug: a for a in session.exec(select(HelpArticle).where(col(HelpArticle.slug).in_(slugs)))
    }
    changed = [
        a
        for a in articles
        if a.slug not in existing
        or (existing[a.slug].title, existing[a.slug].body, existing[a.slug].url)
        != (a.title, a.body, a.url)
    ]
    vectors = article_vectors(changed) if changed else []
    for article, vector in zip(changed, vectors, strict=True):
        row = existing.get(article.slug) or HelpArticle(slug=article.slug, embedding=b"")
        row.title, row.body, row.url = article.title, article.body, article.url
        row.embedding, row.updated_at = vector_to_bytes(vector), utcnow()
        session.add(row)
    session.commit()
    created = sum(1 for a in changed if a.slug not in existing)
    return UpsertResult(created, len(changed) - created, len(articles) - len(changed))


def read_articles(path: Path) -> list[HelpArticleBase]:
    """The articles in a markdown file, a directory of them, or a JSON file."""
    if path.is_dir():
        files = sorted(path.rglob("*.md"))
        if not files:
            raise KnowledgeFileError(f"{path}: no .md files")
        return [_markdown_article(file) for file in files]
    if path.suffix.lower() == ".json":
        return _json_articles(path)
    if path.suffix.lower() in (".md", ".markdown"):
        return [_markdown_article(path)]
    raise KnowledgeFileError(f"{path}: expected a .md or .json file, or a directory")


def _validated(source: str, data: dict) -> HelpArticleBase:
    try:
        return HelpArticleBase.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise KnowledgeFileError(f"{source}: {problems}") from error


def _markdown_article(path: Path) -> HelpArticleBase:
    text = path.read_text(encoding="utf-8")
    meta: dict = {}
    if match := _FRONT_MATTER.match(text):
        meta = yaml.safe_load(match.group(1)) or {}
        text = text[match.end() :]
    title = meta.get("title")
    heading = _HEADING.search(text)
    if heading and title in (None, heading.group(1)):  # the heading is the title: keep it once
        title = heading.group(1)
        text = text[: heading.start()] + text[heading.end() :]
    slug = meta.get("slug") or re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    data = {"slug": slug, "title": title, "body": text.strip(), "url": meta.get("url")}
    return _validated(str(path), data)


def _json_articles(path: Path) -> list[HelpArticleBase]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise KnowledgeFileError(f"{path}: not valid JSON ({error})") from error
    items = data.get("articles") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise KnowledgeFileError(f"{path}: expected a list of articles")
    return [_validated(f"{path} item {i}", item) for i, item in enumerate(items)]
