"""Two replicas on one database act as one: a conversation, a hand-off and a promotion move
between them (each app below is a replica: its own process state, the database shared)."""

import shutil
import time

from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.api.main import create_app
from backend.core.db import create_db_engine
from backend.services import adapters as registry
from backend.services.agents import create_agent
from tests.conftest import forget_adapters, tiny_settings, wait_until_ready


def test_a_conversation_a_hand_off_and_a_promotion_move_between_replicas(
    database_url, tiny_model_dir, tiny_adapter, tmp_path
):
    data_dir = tmp_path / "shared"
    adapter_dir = shutil.copytree(tiny_adapter["output_dir"], data_dir / "adapters" / "tiny")
    settings = [
        tiny_settings(data_dir, database_url, tiny_model_dir, adapter_poll_seconds=0.2)
        for _ in range(2)
    ]
    engine = create_db_engine(database_url)
    _, key = create_agent(engine, f"Replica agent {time.monotonic_ns()}")
    agent = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(settings[0])) as one, TestClient(create_app(settings[1])) as two:
        wait_until_ready(one)
        wait_until_ready(two)
        started = one.post("/api/chat", json={"message": "Where is my order 48213?"}).json()
        conversation = {"X-Conversation-Token": started["conversation_token"]}
        body = {"message": "Can I still change it?", "conversation_id": started["conversation_id"]}
        assert two.post("/api/chat", json=body, headers=conversation).status_code == 200

        body["message"] = "I want to talk to a real person"
        handed = one.post("/api/chat", json=body, headers=conversation).json()
        assert handed["status"] == "waiting_for_agent"
        path = f"/api/agent/conversations/{started['conversation_id']}"
        assert two.get(path, headers=agent).status_code == 200
        answer = two.post(f"{path}/messages", json={"text": "Alice here."}, headers=agent)
        assert answer.status_code == 200, answer.text
        seen = one.get(f"/api/conversations/{started['conversation_id']}", headers=conversation)
        messages = [(m["role"], m["text"]) for m in seen.json()["messages"]]
        assert messages[:1] == [("customer", "Where is my order 48213?")]
        assert ("customer", "Can I still change it?") in messages
        assert messages[-1] == ("agent", "Alice here.") and seen.json()["status"] == "agent"

        with Session(engine) as session:
            registry.register_adapter(session, adapter_dir)
            registry.promote(session, tiny_adapter["version"], force=True)
        deadline = time.monotonic() + 60
        while {c.get("/api/info").json()["adapter_version"] for c in (one, two)} != {
            tiny_adapter["version"]
        }:
            assert time.monotonic() < deadline, "a replica did not follow the promotion"
            time.sleep(0.2)
    forget_adapters(engine)
    engine.dispose()
