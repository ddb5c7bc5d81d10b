"""Help articles and solved tickets are found by meaning, and the index follows every change."""

import json

import pytest
from sqlmodel import Session, delete, select

from backend.cli import main as cli
from backend.core.db import create_db_engine
from backend.models import HelpArticle, HelpArticleBase, Ticket
from backend.services.knowledge import KnowledgeFileError, read_articles, upsert_articles
from backend.services.retrieval import EmbeddingIndex, article_retriever, ticket_retriever
from backend.services.tickets import SolvedTicket, store_tickets
from prompts import ReplyContext
from prompts.embeddings import embed

ARTICLES = [
    HelpArticleBase(
        slug="returns",
        title="Returning an item",
        body="Send back anything within 45 days for a refund. Print the label from your account.",
    ),
    HelpArticleBase(
        slug="shipping",
        title="Delivery options and costs",
        body="Standard delivery takes 3-6 business days; express arrives in 1-2 business days.",
    ),
    HelpArticleBase(
        slug="password",
        title="Resetting your password",
        body="Click 'Forgot password' on the sign-in page and follow the link we email you.",
    ),
]


@pytest.fixture
def engine(database_url):
    engine = create_db_engine(database_url)
    yield engine
    with Session(engine) as session:
        session.exec(delete(HelpArticle))
        session.exec(delete(Ticket))
        session.commit()
    engine.dispose()


def test_articles_are_retrieved_best_first_with_scores_above_the_threshold(engine):
    with Session(engine) as session:
        upsert_articles(session, ARTICLES)
    retriever = article_retriever(engine, k=3, min_score=0.4)
    documents = retriever.invoke("I want to return an item and send it back for a refund")
    slugs = [d.metadata["slug"] for d in documents]
    scores = [d.metadata["score"] for d in documents]
    assert slugs[0] == "returns"
    assert scores == sorted(scores, reverse=True) and all(s >= 0.4 for s in scores)
    assert "password" not in slugs  # unrelated articles fall under the threshold


def test_the_index_follows_creates_updates_and_deletes_in_every_process(engine):
    with Session(engine) as session:
        upsert_articles(session, ARTICLES[:2])
    # Two workers: each has its own in-memory index over the same database.
    worker_a, worker_b = EmbeddingIndex(engine, HelpArticle), EmbeddingIndex(engine, HelpArticle)
    query = embed(["I forgot my password"])[0]
    worker_a.refresh(force=True)
    assert len(worker_a) == 2

    with Session(engine) as session:
        upsert_articles(session, ARTICLES[2:])  # written "by another worker"
    worker_a.refresh(force=True)
    worker_b.refresh(force=True)
    for worker in (worker_a, worker_b):
        best_id, _ = worker.search(query, 1)[0]
        with Session(engine) as session:
            assert session.get(HelpArticle, best_id).slug == "password"

    changed = ARTICLES[1].model_copy(
        update={"title": "Changing your password", "body": "Go to Account > Security > Password."}
    )
    with Session(engine) as session:
        result = upsert_articles(session, [changed, *ARTICLES[:1]])
        assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
        session.exec(delete(HelpArticle).where(HelpArticle.slug == "password"))
        session.commit()
    worker_a.refresh(force=True)
    assert len(worker_a) == 2
    best_id, _ = worker_a.search(query, 1)[0]
    with Session(engine) as session:
        assert session.get(HelpArticle, best_id).slug == "shipping"  # now about passwords


def test_only_tickets_approved_for_training_are_retrieved_and_their_text_is_redacted(engine):
    with Session(engine) as session:
        store_tickets(
            session,
            [
                SolvedTicket(
                    customer_text="My parcel never arrived, write to me at jo@example.com",
                    reply="I've sent a replacement by express delivery.",
                    source="agent",
                    approved_for_training=True,
                ),
                SolvedTicket(
                    customer_text="My package did not arrive at all",
                    reply="Not approved: this reply was wrong.",
                    source="agent",
                ),
            ],
        )
        session.commit()
        stored = session.exec(select(Ticket).where(Ticket.source == "agent")).all()
    assert all("jo@example.com" not in row.customer_text for row in stored)
    documents = ticket_retriever(engine, k=5, min_score=0.2).invoke("my parcel didn't arrive")
    assert len(documents) == 1
    assert "replacement" in documents[0].page_content
    (source,) = ReplyContext(tickets=documents).sources()
    assert set(source) == {"type", "id", "intent", "score"}  # no text in the sources


def test_knowledge_files_are_read_from_markdown_and_json(tmp_path):
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "Gift Cards.md").write_text("# Gift cards\n\nThey never expire.\n")
    (tmp_path / "kb" / "warranty.md").write_text(
        "---\ntitle: Warranty\nurl: https://shop.example/warranty\n---\nTwo years of repairs.\n"
    )
    [gift, warranty] = read_articles(tmp_path / "kb")
    assert (gift.slug, gift.title, gift.body) == ("gift-cards", "Gift cards", "They never expire.")
    assert warranty.url == "https://shop.example/warranty"

    articles = tmp_path / "articles.json"
    articles.write_text(json.dumps({"articles": [{"slug": "a", "title": "A", "body": "B"}]}))
    assert read_articles(articles)[0].slug == "a"
    articles.write_text(json.dumps([{"slug": "Bad Slug!", "title": "A", "body": "B"}]))
    with pytest.raises(KnowledgeFileError, match="item 0: slug"):
        read_articles(articles)


def test_import_kb_command_adds_then_updates_articles(
    engine, database_url, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", database_url)
    from backend.core.config import get_settings

    get_settings.cache_clear()
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "returns.md").write_text("# Returns\n\nWithin 45 days.\n")
    try:
        cli(["import-kb", str(kb)])
        assert "1 new, 0 updated" in capsys.readouterr().out
        (kb / "returns.md").write_text("# Returns\n\nWithin 60 days.\n")
        cli(["import-kb", str(kb)])
        assert "0 new, 1 updated" in capsys.readouterr().out
        (tmp_path / "empty").mkdir()
        with pytest.raises(SystemExit, match=r"no \.md files"):
            cli(["import-kb", str(tmp_path / "empty")])
    finally:
        get_settings.cache_clear()
