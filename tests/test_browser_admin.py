"""A reviewer approves tickets on /admin, starts a retraining run and sees its verdict."""

import httpx
import pytest

from backend.api.main import create_app
from backend.core.db import create_db_engine, migrate
from backend.services.agents import create_agent
from tests.conftest import approve, resolved_conversation, tiny_settings, wait_until_ready
from tests.live_server import serve_in_thread
from training.demo_data import demo_shop_tickets

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_reviewer_approves_tickets_starts_a_run_and_sees_its_verdict(
    browser, tmp_path, tiny_model_dir
):
    database_url = f"sqlite:///{tmp_path / 'admin.db'}"
    migrate(database_url)
    engine = create_db_engine(database_url)
    approve(engine, demo_shop_tickets()[:120])
    _, key = create_agent(engine, "Rita", is_admin=True)
    for i in range(2):
        resolved_conversation(engine, f"My tent {i} arrived torn", f"Sorry! A new tent {i} ships"
                              " today.", "Please send a photo.")  # fmt: skip
    settings = tiny_settings(tmp_path, database_url, tiny_model_dir, retrain_max_steps=4)
    with serve_in_thread(create_app(settings)) as url:
        with httpx.Client(base_url=url) as http:
            wait_until_ready(http)
        page = browser.new_page()
        page.goto(f"{url}/admin")
        page.fill("#admin-key-input", key)
        page.click("#sign-in button[type=submit]")
        expect(page.locator("#review-count")).to_have_text("2")
        first = page.locator(".review-item").first
        expect(first.locator(".draft")).to_have_text("Please send a photo.")
        first.locator("textarea").fill("Sorry about the tent! A new one ships today.")
        first.get_by_role("button", name="Approve").click()
        expect(page.locator("#review-count")).to_have_text("1")
        page.locator(".review-item").first.get_by_role("button", name="Reject").click()
        expect(page.locator("#review-empty")).to_be_visible()

        page.click("#retrain-start")
        run = page.locator("#runs tr").first
        expect(run).to_have_attribute("data-status", "succeeded", timeout=300_000)
        expect(run.locator(".run-verdict")).to_contain_text("promoted")
        expect(page.locator("#adapters tr")).to_have_count(1)
        page.close()
    engine.dispose()
