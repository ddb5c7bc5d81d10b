"""Shared fixtures: a database per backend (SQLite and PostgreSQL), a tiny model, the app."""

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import yaml
from fastapi.testclient import TestClient
from sqlmodel import Session, delete

from backend.api.main import create_app
from backend.core.config import Settings
from backend.core.db import migrate, throwaway_postgres_database
from backend.models import Adapter, AdapterPromotion, Conversation, Message, Role
from backend.runtime.factory import trained_prompt_version
from backend.services import handoff
from backend.services.tickets import SolvedTicket, store_tickets
from prompts import load_company
from prompts.escalation import DEFAULT_POLICY_FILE
from prompts.topics import TopicClassifier
from tests.live_server import serve_in_thread
from training.demo_data import demo_shop_tickets
from training.lora import BaseModel, LoraTrainArgs, train_adapter
from training.starter.architecture import StarterArchitecture
from training.starter.build import StarterBuildArgs, build_starter
from training.tickets import TicketExample

POSTGRES_ADMIN_URL = os.environ.get(
    "SUPPORTBOT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("SUPPORTBOT_REQUIRE_POSTGRES") == "1"


def require_postgres() -> None:
    """Skip (or fail in CI) when the test PostgreSQL server does not answer."""
    admin = sa.create_engine(POSTGRES_ADMIN_URL)
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        reason = f"PostgreSQL not reachable at {admin.url.render_as_string()}: {error.orig}"
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        admin.dispose()


@contextmanager
def migrated_database(kind: str, tmp_path_factory, name: str) -> Iterator[str]:
    """A new migrated database of `kind` ("sqlite" or "postgresql") named after `name`."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp(name) / f'{name}.db'}"
        migrate(url)
        yield url
    else:
        require_postgres()
        with throwaway_postgres_database(POSTGRES_ADMIN_URL, f"supportbot_{name}") as url:
            migrate(url)
            yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """A freshly migrated database; every test that uses it runs on SQLite and PostgreSQL."""
    with migrated_database(request.param, tmp_path_factory, "test") as url:
        yield url


def tiny_starter_args(output_dir: Path) -> StarterBuildArgs:
    """A tiny starter: the real build pipeline, a fixed number of steps, seconds of training."""
    return StarterBuildArgs(
        output_dir=output_dir,
        max_steps=540,  # about 2.5 epochs
        vocab_size=600,
        architecture=StarterArchitecture(
            hidden_size=64,
            num_layers=2,
            num_heads=2,
            intermediate_size=128,
            context_window=512,
        ),
        batch_size=16,
        max_length=256,
    )


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A tiny starter built by the real build pipeline in a few seconds of training."""
    output_dir = tmp_path_factory.mktemp("tiny") / "starter"
    build_starter(tiny_starter_args(output_dir))
    return output_dir


def policy_file(directory: Path, **rules: dict) -> Path:
    """The default escalation policy with some rules' settings changed, as a YAML file."""
    policy = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    for name, changes in rules.items():
        policy[name] = {**policy.get(name, {}), **changes}
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"escalation-{uuid.uuid4().hex[:8]}.yaml"
    path.write_text(yaml.safe_dump(policy), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_adapter_tickets() -> list[TicketExample]:
    """160 of the demo shop's solved tickets."""
    return [
        TicketExample(t.customer_text, t.agent_reply, t.intent) for t in demo_shop_tickets()[:160]
    ]


@pytest.fixture(scope="session")
def tiny_adapter(tiny_model_dir, tiny_adapter_tickets, tmp_path_factory) -> dict:
    """The adapter_info (and `output_dir`) of a LoRA adapter briefly trained on the tiny starter."""
    args = LoraTrainArgs(
        method="lora", max_steps=40, learning_rate=5e-3, per_device_train_batch_size=8, lora_r=8
    )
    adapters = tmp_path_factory.mktemp("adapters")
    return train_adapter(
        args, tiny_base_model(tiny_model_dir), tiny_adapter_tickets, load_company(), adapters
    )


def tiny_base_model(model_dir: Path) -> BaseModel:
    """The tiny starter as the base of an adapter: its own prompt version and topics."""
    return BaseModel(
        path=str(model_dir),
        name="tiny",
        prompt_version=trained_prompt_version(model_dir),
        topics=TopicClassifier.load(model_dir),
    )


def tiny_settings(data_dir: Path, database_url: str, model_dir: Path, **overrides) -> Settings:
    """Settings that serve the tiny model from the given database.

    The tiny model is unsure of every reply, so the low-confidence rule is off unless a test
    passes its own `escalation_file`; apps do not follow adapter promotions unless asked.
    """
    overrides.setdefault(
        "escalation_file", policy_file(data_dir, low_confidence={"enabled": False})
    )
    overrides.setdefault("adapter_poll_seconds", 0)
    overrides.setdefault("max_new_tokens", 24)
    return Settings(
        data_dir=data_dir, database_url=database_url, base_model=str(model_dir), **overrides
    )


def wait_until_ready(client: TestClient | httpx.Client, timeout_s: float = 60) -> None:
    """Block until /readyz says the model is loaded."""
    deadline = time.monotonic() + timeout_s
    while client.get("/readyz").status_code != 200:
        if time.monotonic() > deadline:
            raise TimeoutError(client.get("/readyz").json())
        time.sleep(0.05)


@pytest.fixture(scope="session")
def client(database_url: str, tiny_model_dir: Path, tmp_path_factory) -> Iterator[TestClient]:
    """A client of the app serving the tiny model, on each database backend."""
    settings = tiny_settings(tmp_path_factory.mktemp("data"), database_url, tiny_model_dir)
    with TestClient(create_app(settings)) as test_client:
        wait_until_ready(test_client)
        yield test_client


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's Chromium, headless, driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def base_url(database_url, tiny_model_dir, tmp_path) -> Iterator[str]:
    """The address of a live server with the tiny model, once it is ready."""
    app = create_app(tiny_settings(tmp_path, database_url, tiny_model_dir))
    with serve_in_thread(app) as url:
        with httpx.Client(base_url=url) as http:
            wait_until_ready(http)
        yield url


def approve(engine, tickets, reviewer="importer"):
    """Store demo `tickets` as approved for training by `reviewer`."""
    with Session(engine) as session:
        store_tickets(
            session,
            [
                SolvedTicket(t.customer_text, t.agent_reply, "test", t.intent,
                             approved_for_training=True, reviewed_by=reviewer)
                for t in tickets
            ],
        )  # fmt: skip
        session.commit()


def resolved_conversation(engine, customer_text, agent_reply, bot_reply):
    """A conversation an agent took over and resolved (not a reviewer: it waits for review)."""
    with Session(engine) as session:
        conversation = Conversation(token_hash="x" * 64)
        session.add(conversation)
        session.commit()
        for role, text in ((Role.customer, customer_text), (Role.bot, bot_reply),
                           (Role.agent, agent_reply)):  # fmt: skip
            session.add(Message(conversation_id=conversation.id, role=role, text=text))
        session.commit()
        return handoff.resolve(session, conversation, approved_by=None).id


def forget_adapters(engine) -> None:
    """Leave the shared database with no adapter registered and the bare base model serving."""
    with Session(engine) as session:
        session.exec(delete(AdapterPromotion))
        session.exec(delete(Adapter))
        session.commit()
