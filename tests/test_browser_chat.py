"""A customer chats in headless Chromium: streamed reply, then a reload keeps the conversation."""

import json

import httpx
import pytest

sync_api = pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.browser


def test_customer_sees_a_streamed_reply_and_keeps_it_after_reload(browser, base_url):
    page = browser.new_page()
    page.goto(base_url)
    sync_api.expect(page.locator("header")).to_contain_text("Larkspur Outdoor")

    with page.expect_response(lambda r: r.url.endswith("/api/chat/stream")) as streamed:
        page.fill("#message-input", "Where is my order 48213?")
        page.click("#send-button")
    assert streamed.value.headers["content-type"].startswith("text/event-stream")

    bot = page.locator(".message.bot[data-message-id]")
    sync_api.expect(bot).to_have_count(1, timeout=30_000)
    reply = bot.inner_text().strip()
    assert reply
    sync_api.expect(page.locator(".message.customer")).to_contain_text("Where is my order 48213?")

    page.reload()
    sync_api.expect(page.locator(".message.customer")).to_contain_text("Where is my order 48213?")
    sync_api.expect(page.locator(".message.bot")).to_have_count(1)
    assert page.locator(".message.bot").inner_text().strip() == reply
    sync_api.expect(page.locator("#error")).to_be_hidden()
    page.close()


def test_a_reply_that_fails_keeps_the_stored_message_and_its_conversation(browser, base_url):
    """The stream's `error` event names the conversation the message was stored in: the page
    keeps the message and sends the next one in the same conversation."""
    started = httpx.post(f"{base_url}/api/chat", json={"message": "Hi"}).json()
    failed = json.dumps(
        {
            "detail": "the model could not answer; please try again",
            "conversation_id": started["conversation_id"],
            "conversation_token": started["conversation_token"],
        }
    )
    page = browser.new_page()
    page.goto(base_url)
    page.route(
        "**/api/chat/stream",
        lambda route: route.fulfill(
            status=200, content_type="text/event-stream", body=f"event: error\ndata: {failed}\n\n"
        ),
    )
    page.fill("#message-input", "Is my tent waterproof?")
    page.click("#send-button")
    sync_api.expect(page.locator("#error")).to_contain_text("Your message is saved")
    sync_api.expect(page.locator(".message.customer")).to_contain_text("Is my tent waterproof?")
    assert page.input_value("#message-input") == ""  # not offered again: it was stored

    page.unroute("**/api/chat/stream")
    with page.expect_request(lambda r: r.url.endswith("/api/chat/stream")) as sent:
        page.fill("#message-input", "Hello again")
        page.click("#send-button")
    assert sent.value.headers["x-conversation-token"] == started["conversation_token"]
    assert json.loads(sent.value.post_data)["conversation_id"] == started["conversation_id"]
    page.close()
