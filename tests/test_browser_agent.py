"""A customer asks for a person; an agent answers from the inbox and the customer sees it live."""

import re
import uuid

import pytest

from backend.core.db import create_db_engine
from backend.services.agents import create_agent

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

ASK_FOR_PERSON = "I want to talk to a real person"
AGENT_REPLY = "Hi, this is Alice. How can I help?"


@pytest.fixture
def agent_key(database_url) -> str:
    """The API key of a new agent (names are unique; the database is shared by the session)."""
    engine = create_db_engine(database_url)
    try:
        _agent, key = create_agent(engine, name=f"Alice {uuid.uuid4().hex[:6]}", is_admin=False)
    finally:
        engine.dispose()
    return key


def test_agent_reply_reaches_the_customer_live_and_hand_back_returns_to_the_bot(
    browser, base_url, agent_key
):
    customer = browser.new_page()
    agent = browser.new_page()
    try:
        customer_requests: list[str] = []
        customer.on("request", lambda request: customer_requests.append(request.url))
        customer.goto(base_url)
        customer.fill("#message-input", ASK_FOR_PERSON)
        customer.click("#send-button")
        status = customer.locator("#conversation-status")
        expect(status).to_have_attribute("data-status", "waiting_for_agent", timeout=30_000)
        expect(status).to_be_visible()
        conversation_id = customer.evaluate(
            "JSON.parse(localStorage.getItem('supportbot.conversation')).conversation_id"
        )
        customer.evaluate("window.notReloaded = true")

        agent.goto(f"{base_url}/agent")
        agent.fill("#agent-key-input", agent_key)
        agent.click("#agent-sign-in")
        queued = agent.locator(f'.queue-item[data-conversation-id="{conversation_id}"]')
        expect(queued.locator(".reason")).to_contain_text(re.compile(r"person|human", re.I))
        queued.click()
        expect(agent.locator("#agent-messages .message.customer")).to_contain_text(ASK_FOR_PERSON)
        agent.fill("#agent-reply-input", AGENT_REPLY)
        agent.click("#agent-send")

        expect(customer.locator(".message.agent")).to_contain_text(AGENT_REPLY, timeout=5_000)
        expect(status).to_have_attribute("data-status", "agent")
        assert customer.evaluate("window.notReloaded === true"), "the page was reloaded"
        assert any(f"/api/conversations/{conversation_id}/events" in u for u in customer_requests)

        agent.click("#hand-back")
        expect(status).to_have_attribute("data-status", "bot", timeout=5_000)
        expect(customer.locator(".message.agent")).to_have_count(1)
        expect(customer.locator("#error")).to_be_hidden()
        expect(agent.locator("#agent-error")).to_be_hidden()
    finally:
        customer.close()
        agent.close()
