"""The first `supportbot serve` of the demo shop trains, evaluates and promotes its first adapter."""

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


def test_the_first_start_serves_a_promoted_evaluated_adapter_and_later_starts_reuse_it(
    tmp_path, tiny_model_dir, monkeypatch
):
    started_servers = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: started_servers.append(kwargs))
    database_url = f"sqlite:///{tmp_path / 'first.db'}"
    for name, value in {
        "DATA_DIR": tmp_path,
        "DATABASE_URL": database_url,
        "BASE_MODEL": tiny_model_dir,
        "MAX_NEW_TOKENS": 16,
    }.items():
        monkeypatch.setenv(f"SUPPORTBOT_{name}", str(value))
    get_settings.cache_clear()
    try:
        cli(["serve"])
        engine = create_db_engine(database_url)
        with Session(engine) as session:
            (first,) = registry.list_adapters(session)
            assert registry.serving_adapter(session).id == first.id
            assert registry.gate_score(first) is not None  # evaluated before it was promoted
            assert first.train_tickets > 900  # the demo shop's solved tickets
        cli(["serve"])  # a later start trains nothing new
        with Session(engine) as session:
            assert [a.version for a in registry.list_adapters(session)] == [first.version]
    finally:
        get_settings.cache_clear()
    assert len(started_servers) == 2
    assert (tmp_path / "adapters" / first.version / "eval" / "report.md").is_file()

    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        base_model=str(tiny_model_dir),
        escalation_file=policy_file(tmp_path, low_confidence={"enabled": False}),
        adapter_poll_seconds=0,
    )
    with TestClient(create_app(settings)) as client:
        wait_until_ready(client)
        assert client.get("/api/info").json()["adapter_version"] == first.version
        reply = client.post("/api/chat", json={"message": "Where is my order 48213?"})
        assert reply.status_code == 200 and reply.json()["reply"]
