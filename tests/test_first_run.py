"""The first `supportbot serve` trains, evaluates and promotes a first adapter, because it wins."""

import shutil

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from backend.api.main import create_app
from backend.cli import main as cli
from backend.core.config import Settings, get_settings
from backend.core.db import create_db_engine
from backend.services import adapters as registry
from tests.conftest import policy_file, wait_until_ready

pytestmark = pytest.mark.slow


def test_the_first_start_serves_an_adapter_that_beat_the_base_and_later_starts_reuse_it(
    tmp_path, tiny_model_dir, monkeypatch, capsys
):
    started_servers = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: started_servers.append(kwargs))
    shutil.copytree(tiny_model_dir, tmp_path / "models" / "starter")  # as if built before
    database_url = f"sqlite:///{tmp_path / 'first.db'}"
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("SUPPORTBOT_MAX_NEW_TOKENS", "16")
    get_settings.cache_clear()
    try:
        cli(["serve"])
        engine = create_db_engine(database_url)
        with Session(engine) as session:
            (first,) = registry.list_adapters(session)
            assert first.train_tickets > 1100  # the demo shop's solved tickets
            assert first.prompt_version == "compact-v2"
            # Through the same gate as any promotion: it beat the base behind the prompt layer.
            assert registry.gate_refusal(first, None) is None
            assert registry.gate_score(first) > first.metrics["variants"]["prompt"]["on_intent"]
            assert registry.serving_adapter(session).version == first.version
        cli(["serve"])  # a later start trains nothing new
        with Session(engine) as session:
            assert [a.version for a in registry.list_adapters(session)] == [first.version]
    finally:
        get_settings.cache_clear()
    assert len(started_servers) == 2
    assert (tmp_path / "adapters" / first.version / "eval" / "report.md").is_file()
    assert f"Promoted adapter {first.version}" in capsys.readouterr().out

    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        escalation_file=policy_file(tmp_path, low_confidence={"enabled": False}),
        adapter_poll_seconds=0,
    )
    with TestClient(create_app(settings)) as client:
        wait_until_ready(client)
        assert client.get("/api/info").json()["adapter_version"] == first.version
        reply = client.post("/api/chat", json={"message": "Where is my order 48213?"})
        assert reply.status_code == 200 and reply.json()["reply"]
