"""Replies are grounded in the customer's facts and orders and in retrieved help articles."""

import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.api.main import create_app
from backend.core.db import create_db_engine
from backend.models import Customer, HelpArticleBase, Order
from backend.services.agents import create_agent
from backend.services.customers import sign_customer_id
from backend.services.knowledge import upsert_articles
from tests.conftest import tiny_settings, wait_until_ready

SECRET = "test-identity-secret"


@pytest.fixture(scope="module")
def shop(database_url, tiny_model_dir, tmp_path_factory):
    """An app with customer identity on, one known customer with two orders, one article."""
    engine = create_db_engine(database_url)
    suffix = str(time.monotonic_ns())
    with Session(engine) as session:
        customer = Customer(
            external_id=f"cust-{suffix}",
            name="Dana Reyes",
            email="dana@example.com",
            facts={"Trailhead Rewards": "member"},
        )
        session.add(customer)
        session.add(Order(order_number=f"LO-{suffix[-6:]}", customer_id=customer.id,
                          status="delivered", total=429.0, items=["Ridgeline 4 tent"]))  # fmt: skip
        session.commit()
        upsert_articles(
            session,
            [
                HelpArticleBase(
                    slug=f"returns-{suffix}",
                    title="Returning an item",
                    body="Send back anything within 45 days; print the label in your account.",
                    url="https://shop.example/help/returns",
                )
            ],
        )
    _, key = create_agent(engine, f"Ben-{suffix}")
    settings = tiny_settings(
        tmp_path_factory.mktemp("shop"), database_url, tiny_model_dir, identity_secret=SECRET
    )
    with TestClient(create_app(settings)) as client:
        wait_until_ready(client)
        yield client, f"cust-{suffix}", {"Authorization": f"Bearer {key}"}
    engine.dispose()


def test_a_signed_in_customer_gets_replies_grounded_in_their_orders_and_articles(shop):
    client, external_id, agent_headers = shop
    identity = {"external_id": external_id, "signature": sign_customer_id(SECRET, external_id)}
    response = client.post(
        "/api/chat",
        json={"message": "How do I return an item I bought?", "customer": identity},
    )
    assert response.status_code == 200, response.text
    sources = response.json()["sources"]
    kinds = [s["type"] for s in sources]
    assert "order" in kinds and "article" in kinds
    article = next(s for s in sources if s["type"] == "article")
    assert article["title"] == "Returning an item" and 0 < article["score"] <= 1
    assert article["url"] == "https://shop.example/help/returns"

    view = client.get(
        f"/api/agent/conversations/{response.json()['conversation_id']}", headers=agent_headers
    ).json()
    assert view["customer"]["name"] == "Dana Reyes"
    assert view["customer"]["orders"][0]["total"] == 429.0
    assert view["sources"] == sources


def test_a_refund_above_the_threshold_on_the_customers_order_goes_to_a_person(shop):
    client, external_id, _ = shop
    identity = {"external_id": external_id, "signature": sign_customer_id(SECRET, external_id)}
    response = client.post(
        "/api/chat", json={"message": "I want a refund for my tent", "customer": identity}
    )
    body = response.json()
    assert body["escalated"] is True and "refund" in body["escalation_reason"]


def test_a_forged_or_unconfigured_identity_is_refused(shop, client):
    shop_client, external_id, _ = shop
    forged = shop_client.post(
        "/api/chat",
        json={"message": "hi", "customer": {"external_id": external_id, "signature": "00" * 32}},
    )
    assert forged.status_code == 403 and "signature" in forged.json()["detail"]
    # The shared `client` app has no identity secret configured.
    unconfigured = client.post(
        "/api/chat",
        json={"message": "hi", "customer": {"external_id": external_id, "signature": "ab"}},
    )
    assert unconfigured.status_code == 403 and "not enabled" in unconfigured.json()["detail"]
