"""Retraining: one job learns from newly approved tickets and serves the result only if better."""

import errno
import threading
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from peft import PeftModel
from sqlmodel import Session, select

from backend.api.main import create_app
from backend.cli import main as cli
from backend.core.config import get_settings
from backend.core.db import create_db_engine, migrate
from backend.models import RetrainRun, RunStatus, Ticket
from backend.models.columns import utcnow
from backend.runtime.artifacts import adapter_info
from backend.services import adapters as registry
from backend.services import retrain_runs as runs
from backend.services.adapters import comparison_refusal
from backend.services.agents import create_agent
from backend.services.retrain_triggers import check_triggers, due_trigger, triggers_enabled
from tests.conftest import approve, resolved_conversation, tiny_settings
from training.demo_data import demo_shop_tickets
from training.lora import LoraTrainArgs
from training.retrain import retrain

pytestmark = pytest.mark.slow

TINY_LORA = LoraTrainArgs(method="lora", max_steps=6, per_device_train_batch_size=8, lora_r=8)


@pytest.fixture
def deployment(tmp_path, tiny_model_dir):
    """A deployment of the tiny model with 200 approved demo tickets, no adapter yet."""
    database_url = f"sqlite:///{tmp_path / 'retrain.db'}"
    migrate(database_url)
    engine = create_db_engine(database_url)
    approve(engine, demo_shop_tickets()[:200])
    settings = tiny_settings(tmp_path, database_url, tiny_model_dir, max_new_tokens=8)
    yield settings, engine
    engine.dispose()


def serve(engine, version):
    """Make `version` the serving adapter, whatever the gate said of it."""
    with Session(engine) as session:
        if registry.serving_adapter(session) is None:
            registry.promote(session, version, force=True)
        assert registry.serving_adapter(session).version == version


def queued(settings, engine, **options):
    return runs.start_run(engine, "test", "tester", options, settings.retrain_stale_seconds)


def test_a_run_trains_evaluates_side_by_side_and_promotes_through_the_gate(deployment):
    settings, engine = deployment
    run = retrain(settings, engine, queued(settings, engine).id, TINY_LORA)
    assert run.status == RunStatus.succeeded and run.active is None
    assert run.new_tickets == 200 and run.adapter_version
    groups = run.metrics["groups"]
    assert groups["all"]["tickets"] == groups["new"]["tickets"] > 0  # nothing earlier yet
    assert run.progress["max_steps"] == 6 and run.progress["losses"]  # progress was recorded
    with Session(engine) as session:
        adapter = registry.find_adapter(session, run.adapter_version)
        assert adapter.metrics["comparison"]["serving"] is None  # against the bare base
        serving = registry.serving_adapter(session)
        assert (serving is not None) == run.promoted
    assert ("promoted" in run.verdict) and (run.promoted or "not promoted" in run.verdict)


def test_a_second_run_continues_the_serving_adapter_on_new_tickets_with_replay(deployment):
    settings, engine = deployment
    first = retrain(settings, engine, queued(settings, engine, fresh=True).id, TINY_LORA)
    serve(engine, first.adapter_version)
    nothing = retrain(settings, engine, queued(settings, engine).id, TINY_LORA)
    assert nothing.status == RunStatus.succeeded and "nothing new" in nothing.verdict

    approve(engine, demo_shop_tickets()[200:260])
    second = retrain(settings, engine, queued(settings, engine, replay_share=0.5).id, TINY_LORA)
    assert second.status == RunStatus.succeeded
    assert second.new_tickets == 60 and second.replay_tickets == 60
    assert second.metrics["serving"] == first.adapter_version
    assert second.metrics["groups"]["earlier"]["tickets"] > 0  # the first run's held-out tickets
    with Session(engine) as session:
        second_dir = Path(registry.find_adapter(session, second.adapter_version).path)
    assert Path(adapter_info(second_dir)["continued_from"]).name == first.adapter_version


def test_the_gate_refuses_an_adapter_that_forgets_earlier_tickets():
    def side(candidate, serving):
        return {"candidate": {"on_intent": candidate, "rouge_l": 0.3},
                "serving": {"on_intent": serving, "rouge_l": 0.3}}  # fmt: skip

    better_everywhere = {"serving": "v1", "groups": {
        "all": {"tickets": 100, **side(0.90, 0.80)},
        "earlier": {"tickets": 60, **side(0.85, 0.85)},
    }}  # fmt: skip
    assert comparison_refusal(better_everywhere) is None
    forgets = {"serving": "v1", "groups": {
        "all": {"tickets": 100, **side(0.90, 0.80)},  # it gains on the new tickets ...
        "earlier": {"tickets": 60, **side(0.83, 0.85)},  # ... and loses 2 points on the old
    }}  # fmt: skip
    assert "forgets" in comparison_refusal(forgets)
    no_gain = {"serving": "v1", "groups": {"all": {"tickets": 100, **side(0.80, 0.80)}}}
    assert "does not beat" in comparison_refusal(no_gain)


def test_an_adapter_trained_on_one_intent_only_is_refused_for_forgetting(deployment):
    settings, engine = deployment
    settings = settings.model_copy(update={"max_new_tokens": 24})
    # Adapters that write their replies, so that what an adapter forgets shows in them.
    writer = replace(TINY_LORA, max_steps=40, learning_rate=5e-3, reply_strategy="generate")
    first = retrain(settings, engine, queued(settings, engine).id, writer)
    serve(engine, first.adapter_version)
    one_intent = [t for t in demo_shop_tickets()[200:] if t.intent == "gear_rental"][:30]
    approve(engine, one_intent)
    narrow = retrain(
        settings,
        engine,
        queued(settings, engine, replay_share=0.0).id,
        replace(writer, max_steps=60, learning_rate=2e-2),
    )
    assert narrow.status == RunStatus.succeeded and narrow.promoted is False
    earlier = narrow.metrics["groups"]["earlier"]
    assert earlier["candidate"]["on_intent"] < earlier["serving"]["on_intent"] - 0.01
    assert narrow.verdict.startswith("not promoted")
    with Session(engine) as session:
        assert registry.serving_adapter(session).version == first.adapter_version


def test_only_one_run_is_active_at_a_time_and_a_dead_one_expires(database_url):
    engine = create_db_engine(database_url)
    with Session(engine) as session:  # runs left active by other tests on this database
        for run in session.exec(select(RetrainRun).where(RetrainRun.active == True)):  # noqa: E712
            runs.finish_run(engine, run.id, RunStatus.failed)
    first = runs.start_run(engine, "api", "a", {}, stale_seconds=600)
    with pytest.raises(runs.RunInProgressError) as refused:
        runs.start_run(engine, "api", "b", {}, stale_seconds=600)
    assert refused.value.run.id == first.id
    runs.claim_run(engine, first.id)
    with pytest.raises(runs.RunStateError):
        runs.claim_run(engine, first.id)  # a second worker cannot take it over

    with Session(engine) as session:  # its process died: no heartbeat for 20 minutes
        stored = session.get(RetrainRun, first.id)
        stored.heartbeat_at = utcnow() - timedelta(minutes=20)
        session.add(stored)
        session.commit()
    second = runs.start_run(engine, "api", "b", {}, stale_seconds=600)
    with Session(engine) as session:
        dead = session.get(RetrainRun, first.id)
        assert dead.status == RunStatus.failed and "heartbeats" in dead.verdict
    cancelled = runs.request_cancel(engine, second.id)  # queued: cancelled at once
    assert cancelled.status == RunStatus.cancelled and cancelled.active is None
    engine.dispose()


def test_a_cancel_during_training_leaves_serving_untouched(deployment):
    settings, engine = deployment
    run = queued(settings, engine)
    long_run = LoraTrainArgs(method="lora", max_steps=400, per_device_train_batch_size=8, lora_r=8)
    result = {}
    worker = threading.Thread(
        target=lambda: result.update(run=retrain(settings, engine, run.id, long_run))
    )
    worker.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with Session(engine) as session:
            if session.get(RetrainRun, run.id).progress.get("step"):
                break
        time.sleep(0.2)
    runs.request_cancel(engine, run.id)
    worker.join(timeout=120)
    assert result["run"].status == RunStatus.cancelled
    assert result["run"].progress["step"] < 400
    with Session(engine) as session:
        assert registry.list_adapters(session) == [] and registry.serving_adapter(session) is None
    assert not list(settings.adapters_dir.glob("*"))


def test_a_full_disk_while_saving_fails_the_run_and_leaves_no_half_adapter(deployment, monkeypatch):
    settings, engine = deployment

    def disk_full(self, directory, **kwargs):
        (directory / "adapter_model.safetensors").write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(PeftModel, "save_pretrained", disk_full)
    run = retrain(settings, engine, queued(settings, engine).id, TINY_LORA)
    assert run.status == RunStatus.failed and "No space left" in run.verdict
    with Session(engine) as session:
        assert registry.list_adapters(session) == []
    assert not [p for p in settings.adapters_dir.rglob("*") if p.is_file()]


def test_the_cli_runs_the_job_and_refuses_a_second_at_once(deployment, monkeypatch, capsys):
    settings, engine = deployment
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SUPPORTBOT_BASE_MODEL", settings.base_model)
    monkeypatch.setenv("SUPPORTBOT_ESCALATION_FILE", str(settings.escalation_file))
    get_settings.cache_clear()
    try:
        cli(["retrain", "--max_steps", "4", "--per_device_train_batch_size", "8", "--lora_r", "8"])
        out = capsys.readouterr().out
        assert "[retrain] run 1 succeeded" in out and "step 4/4" in out
        active = queued(settings, engine)
        with pytest.raises(SystemExit, match="already queued"):
            cli(["retrain"])
        runs.request_cancel(engine, active.id)
    finally:
        get_settings.cache_clear()
    with Session(engine) as session:
        assert session.exec(select(Ticket)).first().reviewed_by == "importer"


def test_admins_review_tickets_and_start_a_run_that_its_own_process_does(tmp_path, tiny_model_dir):
    database_url = f"sqlite:///{tmp_path / 'admin.db'}"
    migrate(database_url)
    engine = create_db_engine(database_url)
    approve(engine, demo_shop_tickets()[:120])
    _, admin_key = create_agent(engine, "Rita", is_admin=True)
    _, agent_key = create_agent(engine, "Sam")
    admin = {"Authorization": f"Bearer {admin_key}"}
    pending = [
        resolved_conversation(engine, f"My order 4821{i} never came, Ann here", "Sorry Ann, I"
                              f" have sent a new parcel {i}.", "Please wait.")
        for i in range(3)
    ]  # fmt: skip
    settings = tiny_settings(tmp_path, database_url, tiny_model_dir, retrain_max_steps=4)
    with TestClient(create_app(settings)) as client:
        forbidden = client.get(
            "/api/admin/review", headers={"Authorization": f"Bearer {agent_key}"}
        )
        assert forbidden.status_code == 403
        listed = client.get("/api/admin/review", headers=admin).json()
        assert listed["pending"] == 3
        first = listed["tickets"][0]
        assert first["bot_draft"] == "Please wait." and "new parcel" in first["reply"]

        edited = client.post(
            f"/api/admin/review/{pending[0]}/approve",
            json={"reply": "Sorry, a new parcel is on its way to you."},
            headers=admin,
        )
        assert edited.status_code == 200 and edited.json()["reviewed_by"] == "Rita"
        assert edited.json()["review_status"] == "approved"
        assert client.post(f"/api/admin/review/{pending[1]}/approve", headers=admin).is_success
        rejected = client.post(f"/api/admin/review/{pending[2]}/reject", headers=admin)
        assert rejected.json()["review_status"] == "rejected"
        assert client.get("/api/admin/review", headers=admin).json()["pending"] == 0
        missing = client.post(f"/api/admin/review/{uuid.uuid4()}/approve", headers=admin)
        assert missing.status_code == 404

        started = client.post("/api/admin/retrain", json={"fresh": True}, headers=admin)
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        again = client.post("/api/admin/retrain", headers=admin)
        assert again.status_code == 409 and "already" in again.json()["detail"]
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            run = client.get(f"/api/admin/retrain/runs/{run_id}", headers=admin).json()
            if run["status"] not in ("queued", "running"):
                break
            time.sleep(1)
        assert run["status"] == "succeeded", run["verdict"]
        assert run["new_tickets"] == 122 and run["verdict"]  # the two approved, not the rejected
        assert run["progress"]["max_steps"] == 4
        finished = client.post(f"/api/admin/retrain/runs/{run_id}/cancel", headers=admin)
        assert finished.status_code == 409
        assert client.get("/api/admin/retrain/runs/999", headers=admin).status_code == 404
        log = (settings.retrain_logs_dir / f"run-{run_id}.log").read_text()
        assert "[full] step 4/4" in log and "succeeded" in log  # auto: a tiny base
    with Session(engine) as session:
        ticket = session.get(Ticket, pending[0])
        assert ticket.approved_for_training and ticket.reply.startswith("Sorry, a new parcel")
    engine.dispose()


def test_triggers_start_a_run_after_enough_new_approvals_or_on_schedule(tmp_path, tiny_model_dir):
    database_url = f"sqlite:///{tmp_path / 'triggers.db'}"
    migrate(database_url)
    engine = create_db_engine(database_url)
    tickets = demo_shop_tickets()
    approve(engine, tickets[:5])
    settings = tiny_settings(tmp_path, database_url, tiny_model_dir, retrain_after_new_tickets=10)
    assert not triggers_enabled(tiny_settings(tmp_path, database_url, tiny_model_dir))  # default
    launched = []

    def launch(_settings, run):
        launched.append(run.id)

    assert check_triggers(engine, settings, launch) is None  # 5 of 10
    approve(engine, tickets[5:11])
    run = check_triggers(engine, settings, launch)
    assert run.trigger == "new_tickets" and launched == [run.id]
    assert check_triggers(engine, settings, launch) is None  # one run at a time
    runs.finish_run(engine, run.id, RunStatus.succeeded)

    hourly = tiny_settings(tmp_path, database_url, tiny_model_dir, retrain_every_hours=1)
    later = utcnow() + timedelta(hours=2)
    with Session(engine) as session:
        assert due_trigger(session, hourly, later) is None  # nothing approved since the run
    approve(engine, tickets[11:12])
    with Session(engine) as session:
        assert due_trigger(session, hourly, later) == "schedule"
        assert due_trigger(session, hourly, utcnow()) is None  # the last run was just now
    engine.dispose()
