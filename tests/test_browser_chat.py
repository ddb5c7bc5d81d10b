"""A customer chats in headless Chromium: streamed reply, then a reload keeps the conversation."""

from collections.abc import Iterator

import httpx
import pytest

from backend.api.main import create_app
from tests.conftest import tiny_settings, wait_until_ready
from tests.live_server import serve_in_thread

sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def base_url(database_url, tiny_model_dir, tmp_path) -> Iterator[str]:
    app = create_app(tiny_settings(tmp_path, database_url, tiny_model_dir))
    with serve_in_thread(app) as url:
        with httpx.Client(base_url=url) as http:
            wait_until_ready(http)
        yield url


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
