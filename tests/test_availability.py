"""What customers get while the model is loading, or when it fails mid-reply.

A model that failed to load: tests/test_fault_drills.py.
"""

import threading

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from backend.api.main import create_app
from backend.core.db import create_db_engine
from backend.models import Message, Role
from backend.runtime.assistant import Assistant
from backend.runtime.base import GenerationError, ModelInfo
from prompts import SupportPrompt, load_company
from tests.conftest import policy_file, tiny_settings, wait_until_ready


class BrokenModel:
    """A model double whose generation always fails after a first piece of text."""

    info = ModelInfo("broken")
    prompt_budget = 1000

    def count_tokens(self, messages):
        return sum(len(m["content"].split()) for m in messages)

    def count_text_tokens(self, text):
        return len(text.split())

    async def stream(self, messages, options=None):
        yield "Let me"
        raise GenerationError("device lost")


def count_rows(database_url, table):
    engine = create_db_engine(database_url)
    with Session(engine) as session:
        count = len(session.exec(select(table)).all())
    engine.dispose()
    return count


def test_while_loading_a_customer_is_handed_to_a_person(database_url, tiny_model_dir, tmp_path):
    release = threading.Event()

    def slow_loader():
        release.wait(30)
        raise RuntimeError("test is over")

    settings = tiny_settings(tmp_path, database_url, tiny_model_dir)
    with TestClient(create_app(settings, assistant_loader=slow_loader)) as client:
        assert client.get("/readyz").status_code == 503
        handed = client.post("/api/chat", json={"message": "Is my order 55120 shipped?"})
        assert handed.status_code == 200
        body = handed.json()
        assert body["escalated"] is True and body["status"] == "waiting_for_agent"
        assert "unavailable" in body["escalation_reason"]
        release.set()


def test_with_the_rule_off_a_loading_model_refuses_chat_without_storing(
    database_url, tiny_model_dir, tmp_path
):
    release = threading.Event()

    def slow_loader():
        release.wait(30)
        raise RuntimeError("test is over")

    rule_off = policy_file(tmp_path, model_unavailable={"enabled": False})
    settings = tiny_settings(tmp_path, database_url, tiny_model_dir, escalation_file=rule_off)
    before = count_rows(database_url, Message)
    with TestClient(create_app(settings, assistant_loader=slow_loader)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.json()["model"] == "loading"
        assert client.get("/healthz").status_code == 200
        refused = client.post("/api/chat", json={"message": "hello?"})
        assert refused.status_code == 503
        assert "not ready" in refused.json()["detail"] and refused.headers["retry-after"]
        release.set()
    assert count_rows(database_url, Message) == before


def test_a_generation_failure_hands_the_customer_to_a_person(
    database_url, tiny_model_dir, tmp_path
):
    settings = tiny_settings(tmp_path, database_url, tiny_model_dir)
    broken = Assistant(BrokenModel(), SupportPrompt("v1", load_company()))
    with TestClient(create_app(settings, assistant_loader=lambda: broken)) as client:
        wait_until_ready(client)
        handed = client.post("/api/chat", json={"message": "My stove leaks, order 55121"}).json()
        assert handed["escalated"] is True and "model failed" in handed["escalation_reason"]
        streamed = client.post("/api/chat/stream", json={"message": "My stove leaks again"})
        assert "event: done" in streamed.text and '"escalated":true' in streamed.text


def test_with_the_rule_off_a_generation_failure_keeps_the_customer_message(
    database_url, tiny_model_dir, tmp_path
):
    rule_off = policy_file(tmp_path, model_unavailable={"enabled": False})
    settings = tiny_settings(tmp_path, database_url, tiny_model_dir, escalation_file=rule_off)
    broken = Assistant(BrokenModel(), SupportPrompt("v1", load_company()))
    with TestClient(create_app(settings, assistant_loader=lambda: broken)) as client:
        wait_until_ready(client)
        failed = client.post("/api/chat", json={"message": "My tent pole snapped, order 55120"})
        assert failed.status_code == 503
        assert failed.json()["detail"] == "the model could not answer; please try again"
        streamed = client.post("/api/chat/stream", json={"message": "Still broken, order 55120"})
        assert streamed.status_code == 200
        assert "event: error" in streamed.text and "could not answer" in streamed.text

    engine = create_db_engine(database_url)
    with Session(engine) as session:
        kept = session.exec(
            select(Message.text).where(
                Message.text.in_(["My tent pole snapped, order 55120", "Still broken, order 55120"])
            )
        ).all()
        roles = session.exec(
            select(Message.role).where(Message.text == "Still broken, order 55120")
        ).all()
    engine.dispose()
    assert sorted(kept) == ["My tent pole snapped, order 55120", "Still broken, order 55120"]
    assert roles == [Role.customer]
