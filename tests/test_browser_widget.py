"""The website widget on a shop's page served from another origin: one script tag, a chat."""

import uuid
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from backend.api.main import create_app
from backend.core.db import create_db_engine
from backend.models import Conversation, Customer
from backend.services.agents import create_agent
from backend.services.customers import sign_customer_id
from tests.conftest import tiny_settings, wait_until_ready
from tests.live_server import free_port, serve_in_thread

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.browser

SECRET = "widget-test-secret"

# The shop's own styles: none of them may reach the chat inside the widget; the shop signs in
# its customer shop-42.
SHOP_PAGE = """<!doctype html>
<html><head><title>Trail Shop</title>
<style>button { background: rgb(255, 0, 0) !important; } * { font-family: serif; }</style>
</head><body><h1>Trail Shop</h1><p>Boots, tents and maps.</p>
<script src="{bot}/widget.js" data-label="Help" data-customer="shop-42"
        data-signature="{signature}" defer></script>
</body></html>"""


@pytest.fixture
def shop_and_bot(database_url, tiny_model_dir, tmp_path) -> Iterator[tuple[str, str]]:
    """The shop's page on one origin and the bot, allowing that origin, on another."""
    shop_port = free_port()
    shop_origin = f"http://127.0.0.1:{shop_port}"
    settings = tiny_settings(
        tmp_path, database_url, tiny_model_dir, cors_origins=[shop_origin], identity_secret=SECRET
    )
    bot = create_app(settings)
    with serve_in_thread(bot) as bot_url:
        with httpx.Client(base_url=bot_url) as http:
            wait_until_ready(http)
        shop = FastAPI()
        page = SHOP_PAGE.replace("{bot}", bot_url)
        page = page.replace("{signature}", sign_customer_id(SECRET, "shop-42"))
        shop.get("/")(lambda: HTMLResponse(page))
        with serve_in_thread(shop, port=shop_port) as shop_url:
            yield shop_url, bot_url


def test_a_shop_page_on_another_origin_carries_the_widget_and_chats(
    browser, shop_and_bot, database_url
):
    shop_url, bot_url = shop_and_bot
    page = browser.new_page()
    bot_requests: list[str] = []
    page.on("request", lambda r: bot_requests.append(r.url) if r.url.startswith(bot_url) else None)
    page.goto(shop_url)
    launcher = page.locator("#supportbot-widget .launcher")  # Playwright pierces shadow roots
    expect(launcher).to_have_text("Help")
    panel = page.locator("#supportbot-panel")
    expect(panel).to_be_hidden()
    # Isolated: the page's styles stop at the shadow root, and the bundle adds no globals.
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(255, 0, 0)"
    assert (
        page.evaluate("[typeof marked, typeof DOMPurify, typeof SupportbotChat]")
        == ["undefined"] * 3
    )

    launcher.click()
    expect(panel).to_be_visible()
    expect(panel.locator("#company-name")).to_have_text("Larkspur Outdoor")
    panel.locator("#message-input").fill("Where is my order 48213?")
    panel.locator("#send-button").click()
    bot_reply = panel.locator(".message.bot[data-message-id]")
    expect(bot_reply).to_have_count(1, timeout=30_000)
    reply = bot_reply.locator(".bubble").inner_text().strip()
    assert reply and any(u.endswith("/api/chat/stream") for u in bot_requests)

    page.reload()  # the conversation and the open panel survive a page load
    expect(panel).to_be_visible()
    expect(panel.locator(".message.customer")).to_contain_text("Where is my order 48213?")
    expect(panel.locator(".message.bot .bubble")).to_have_text(reply)

    # A hand-off: the notice, then an agent's reply arrives live.
    panel.locator("#message-input").fill("I want to talk to a real person")
    panel.locator("#send-button").click()
    status = panel.locator("#conversation-status")
    expect(status).to_have_attribute("data-status", "waiting_for_agent", timeout=30_000)
    conversation_id = page.evaluate(
        f"JSON.parse(localStorage.getItem('supportbot.widget.conversation:{bot_url}'))"
        ".conversation_id"
    )
    engine = create_db_engine(database_url)
    with Session(engine) as session:  # the signed identity reached the conversation
        conversation = session.get(Conversation, uuid.UUID(conversation_id))
        assert session.get(Customer, conversation.customer_id).external_id == "shop-42"
    _, key = create_agent(engine, f"Widget agent {uuid.uuid4().hex[:6]}")
    engine.dispose()
    answered = httpx.post(
        f"{bot_url}/api/agent/conversations/{conversation_id}/messages",
        json={"text": "Hi, this is **Alice**. <img src=x onerror=alert(1)>"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answered.status_code == 200, answered.text
    agent = panel.locator(".message.agent")
    expect(agent).to_contain_text("Hi, this is Alice.", timeout=10_000)
    assert agent.locator("strong").inner_text() == "Alice"  # markdown, sanitised as at /
    assert agent.locator("img").count() == 0
    expect(panel.locator("#error")).to_be_hidden()
    page.close()


def test_the_api_refuses_cors_to_origins_not_in_the_settings(shop_and_bot):
    _, bot_url = shop_and_bot
    preflight = {"Access-Control-Request-Method": "POST"}
    allowed = httpx.options(
        f"{bot_url}/api/chat", headers={"Origin": _shop(shop_and_bot), **preflight}
    )
    assert allowed.headers.get("access-control-allow-origin") == _shop(shop_and_bot)
    other = httpx.options(
        f"{bot_url}/api/chat", headers={"Origin": "https://evil.example", **preflight}
    )
    assert "access-control-allow-origin" not in other.headers


def _shop(shop_and_bot: tuple[str, str]) -> str:
    return shop_and_bot[0]
