"""A customer chats in headless Chromium: streamed reply, then a reload keeps the conversation."""

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
