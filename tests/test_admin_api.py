"""Admins manage help articles over the API, and replies pick the changes up within seconds."""

import time

import pytest

from backend.core.db import create_db_engine
from backend.services.agents import create_agent

SLUG = "gift-card-balance"
QUESTION = "how can I check the balance on my gift card?"


@pytest.fixture(scope="module")
def keys(database_url):
    engine = create_db_engine(database_url)
    suffix = time.monotonic_ns()
    _, admin = create_agent(engine, f"Admin-{suffix}", is_admin=True)
    _, agent = create_agent(engine, f"Agent-{suffix}")
    engine.dispose()
    return {"Authorization": f"Bearer {admin}"}, {"Authorization": f"Bearer {agent}"}


def article_slugs_for(client, question, timeout_s=5.0):
    """Slugs of the articles the bot's reply drew on, waiting out the index refresh."""
    deadline = time.monotonic() + timeout_s
    while True:
        sources = client.post("/api/chat", json={"message": question}).json()["sources"]
        slugs = {s["slug"] for s in sources if s["type"] == "article"}
        if SLUG in slugs or time.monotonic() > deadline:
            return slugs
        time.sleep(0.3)


def test_an_admin_adds_changes_and_removes_an_article_and_replies_follow(client, keys):
    admin, _ = keys
    created = client.put(
        f"/api/admin/articles/{SLUG}",
        json={"title": "Gift card balance", "body": "Enter the card number at /gift-cards."},
        headers=admin,
    )
    assert created.status_code == 200 and created.json()["slug"] == SLUG
    assert SLUG in article_slugs_for(client, QUESTION)

    updated = client.put(
        f"/api/admin/articles/{SLUG}",
        json={"title": "Gift card balance", "body": "Call us to check a gift card balance."},
        headers=admin,
    )
    assert updated.json()["body"] == "Call us to check a gift card balance."
    listed = client.get("/api/admin/articles", headers=admin).json()
    assert [a["slug"] for a in listed].count(SLUG) == 1

    assert client.delete(f"/api/admin/articles/{SLUG}", headers=admin).status_code == 204
    time.sleep(1.1)  # the index checks the database at most once a second
    assert SLUG not in article_slugs_for(client, QUESTION, timeout_s=0)
    assert client.get(f"/api/admin/articles/{SLUG}", headers=admin).status_code == 404


def test_only_admins_manage_articles_and_bad_articles_get_a_clear_error(client, keys):
    admin, agent = keys
    forbidden = client.get("/api/admin/articles", headers=agent)
    assert forbidden.status_code == 403 and "admin" in forbidden.json()["detail"]
    bad_slug = client.put(
        "/api/admin/articles/Not A Slug", json={"title": "x", "body": "y"}, headers=admin
    )
    assert bad_slug.status_code == 422
    empty = client.put("/api/admin/articles/empty", json={"title": "", "body": "y"}, headers=admin)
    assert empty.status_code == 422
