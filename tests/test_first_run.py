"""The first `supportbot serve` trains and evaluates a first adapter, promoted if it wins."""

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


def test_the_first_start_trains_and_gates_an_adapter_and_later_starts_reuse_it(
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
            assert first.train_tickets > 900  # the demo shop's solved tickets
            assert first.prompt_version == "compact-v2"
            refusal = registry.gate_refusal(first, None)
            serving = registry.serving_adapter(session)
        cli(["serve"])  # a later start trains nothing new
        with Session(engine) as session:
            assert [a.version for a in registry.list_adapters(session)] == [first.version]
    finally:
        get_settings.cache_clear()
    assert len(started_servers) == 2
    assert (tmp_path / "adapters" / first.version / "eval" / "report.md").is_file()
    printed = capsys.readouterr().out
    if refusal is None:  # it beat the base model behind the prompt layer
        assert serving.version == first.version and f"Promoted adapter {first.version}" in printed
    else:
        assert serving is None and f"not promoted: {refusal}" in printed

    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        escalation_file=policy_file(tmp_path, low_confidence={"enabled": False}),
        adapter_poll_seconds=0,
    )
    with TestClient(create_app(settings)) as client:
        wait_until_ready(client)
        served = client.get("/api/info").json()["adapter_version"]
        assert served == (first.version if refusal is None else None)
        reply = client.post("/api/chat", json={"message": "Where is my order 48213?"})
        assert reply.status_code == 200 and reply.json()["reply"]
