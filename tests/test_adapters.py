"""The adapter registry: promotion behind the eval gate, rollback, and hot swap with no failures."""

import json
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.api.main import create_app
from backend.cli import main as cli
from backend.core.db import create_db_engine
from backend.models import Message
from backend.services import adapters as registry
from backend.services.agents import create_agent
from tests.conftest import forget_adapters, tiny_settings, wait_until_ready


def on_intent(rate, prompt_only=0.5):
    return {"variants": {"both": {"on_intent": rate}, "prompt": {"on_intent": prompt_only}}}


@pytest.fixture
def engine(database_url):
    engine = create_db_engine(database_url)
    yield engine
    forget_adapters(engine)
    engine.dispose()


@pytest.fixture
def two_adapters(tiny_adapter, tmp_path, engine):
    """Versions "a" and "b": copies of the tiny adapter, registered."""
    versions = []
    for version in ("a", "b"):
        directory = tmp_path / version
        shutil.copytree(tiny_adapter["output_dir"], directory)
        info = json.loads((directory / "adapter_info.json").read_text())
        (directory / "adapter_info.json").write_text(json.dumps({**info, "version": version}))
        with Session(engine) as session:
            versions.append(registry.register_adapter(session, directory).version)
    return versions


def test_promotion_needs_a_better_evaluation_and_rollback_restores_the_previous(
    engine, two_adapters
):
    with Session(engine) as session:
        with pytest.raises(registry.RegistryError, match="not been evaluated"):
            registry.promote(session, "a")
        registry.record_metrics(session, "a", on_intent(0.7, prompt_only=0.75))
        with pytest.raises(registry.RegistryError, match=r"beat 75\.0% of the base model"):
            registry.promote(session, "a")  # nothing serves: the base is the bar
        registry.promote(session, "a", force=True)
        assert registry.serving_adapter(session).version == "a"

        registry.record_metrics(session, "b", on_intent(0.6))
        with pytest.raises(registry.RegistryError, match=r"does not beat 70\.0%"):
            registry.promote(session, "b")
        registry.record_metrics(session, "b", on_intent(0.8))
        registry.promote(session, "b")
        assert registry.serving_adapter(session).version == "b"

        assert registry.rollback(session).version == "a"
        assert registry.serving_adapter(session).version == "a"
        with pytest.raises(registry.RegistryError, match="no adapter 'missing'"):
            registry.promote(session, "missing")


def test_the_cli_and_the_admin_api_manage_the_registry(
    engine, two_adapters, client, database_url, capsys, monkeypatch
):
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", database_url)
    from backend.core.config import get_settings

    get_settings.cache_clear()
    try:
        cli(["adapters", "promote", "a", "--force"])
        cli(["adapters", "list"])
        with pytest.raises(SystemExit, match="not been evaluated"):
            cli(["adapters", "promote", "b"])
    finally:
        get_settings.cache_clear()
    listed = capsys.readouterr().out
    assert "serving: a" in listed and "* a" in listed and "not evaluated" in listed

    _, key = create_agent(engine, f"admin-{time.monotonic_ns()}", is_admin=True)
    admin = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/admin/adapters", headers=admin).json()["serving"] == "a"
    refused = client.post("/api/admin/adapters/b/promote", headers=admin)
    assert refused.status_code == 409 and "not been evaluated" in refused.json()["detail"]
    forced = client.post("/api/admin/adapters/b/promote?force=true", headers=admin).json()
    assert forced["serving"] == "b"
    assert [a["serving"] for a in forced["adapters"]].count(True) == 1
    assert client.post("/api/admin/adapters/rollback", headers=admin).json()["serving"] == "a"


def test_a_promotion_is_picked_up_without_restart_and_no_request_fails(
    engine, two_adapters, database_url, tiny_model_dir, tmp_path
):
    with Session(engine) as session:
        registry.promote(session, "a", force=True)
    settings = tiny_settings(
        tmp_path, database_url, tiny_model_dir, adapter_poll_seconds=0.2, max_new_tokens=8
    )
    with TestClient(create_app(settings)) as client:
        wait_until_ready(client)
        assert client.get("/api/info").json()["adapter_version"] == "a"
        statuses, stop = [], threading.Event()

        def keep_chatting(path: str) -> None:
            while not stop.is_set():
                statuses.append(client.post(path, json={"message": "Where is order 48213?"}))

        with ThreadPoolExecutor(4) as pool:
            for path in ("/api/chat", "/api/chat/stream") * 2:
                pool.submit(keep_chatting, path)
            time.sleep(0.5)
            with Session(engine) as session:
                registry.promote(session, "b", force=True)
            deadline = time.monotonic() + 30
            while client.get("/api/info").json()["adapter_version"] != "b":
                assert time.monotonic() < deadline, "the promotion was not picked up"
                time.sleep(0.1)
            time.sleep(0.5)
            stop.set()
        assert len(statuses) > 8
        assert all(r.status_code == 200 for r in statuses)
        assert all("event: error" not in r.text for r in statuses)
        served = client.post("/api/chat", json={"message": "Where is order 48213?"}).json()
    with Session(engine) as session:
        assert session.get(Message, uuid.UUID(served["message_id"])).adapter_version == "b"
