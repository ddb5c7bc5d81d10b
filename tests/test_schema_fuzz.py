"""Schemathesis over every route of the OpenAPI schema, with an agent's key and an admin's key.

All of its checks: no input gets a 500, every status code and header a route answers with is
declared, bodies match their schemas, invalid input is refused and valid input accepted. A
stateful run follows the schema's links (a started conversation's id and token feed the routes
that need them, a resolved conversation's ticket feeds the review).
"""

import re
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck
from hypothesis.errors import FlakyStrategyDefinition
from hypothesis.stateful import Bundle, rule
from schemathesis import BaseSchema
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.stateful.state_machine import StepInput
from schemathesis.python import asgi
from starlette.types import ASGIApp, Receive, Scope, Send

from backend.api.main import create_app
from backend.core.config import Settings
from backend.runtime.assistant import Assistant
from backend.runtime.base import Generation, ModelInfo
from backend.services import retrain_launcher
from backend.services.agents import create_agent
from backend.services.api_keys import create_key
from prompts import SupportPrompt, load_company
from tests.conftest import migrated_database, tiny_settings

FUZZ = hypothesis.settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# Schemathesis's default answers to invalid data.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            # A body over the size limit is refused before it is parsed: a 413 rejects it too.
            "negative_data_rejection": {"expected-statuses": [*REJECTIONS, "413"]}
        },
        "operations": [
            # The customer's live updates never end: the first event is enough to check them.
            {"include-path-regex": "/events$", "max-stream-events": 1},
            # OpenAI's API answers every invalid request with a 400, including what JSON Schema
            # cannot say: the last message must be a user's, with 1 to 4000 characters of text.
            {
                "include-path": "/v1/chat/completions",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "404", "429", "503"]
                    }
                },
            },
        ],
    }
)


def _api_spec() -> dict:
    """The OpenAPI document every app serves at /openapi.json (routes do not vary by settings)."""
    settings = Settings(data_dir=Path(tempfile.gettempdir()), database_url="sqlite:///:memory:")
    return create_app(settings).openapi()


class AppUnderTest:
    """The ASGI app schemathesis calls in process: each database's app in turn."""

    target: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.target is not None, "no app under test"
        await self.target(scope, receive, send)


def _in_process(spec: dict) -> BaseSchema:
    loaded = schemathesis.openapi.from_dict(spec, config=CONFIG)
    loaded.app, loaded.location = APP, "/openapi.json"  # what `from_asgi` would set
    return loaded


# Loaded from the document at collection, not by `from_asgi` in a fixture: one schema
# parametrizes the tests over each database's app (and `schemathesis.pytest.from_fixture` does
# not run under pytest 9).
APP = AppUnderTest()
SPEC = _api_spec()
schema = _in_process(SPEC)
# A conversation's life: the customer's routes, the agents' inbox and the review of the ticket
# it becomes; a schema of their own, or scenarios would mostly call the other routes.
CONVERSATION_ROUTES = re.compile(r"^/api/(chat|conversations/|agent/conversations/|admin/review/)")
conversations = _in_process(
    {**SPEC, "paths": {p: ops for p, ops in SPEC["paths"].items() if CONVERSATION_ROUTES.match(p)}}
)


class CannedModel:
    """A model double with a fixed reply: the API's contract is under test, not the model."""

    info = ModelInfo("canned")
    prompt_budget = 4000

    def count_tokens(self, messages):
        return sum(len(m["content"].split()) for m in messages)

    def count_text_tokens(self, text):
        return len(text.split())

    async def stream(self, messages, options=None):
        text = "Your order ships within two days."
        for word in text.split(" "):
            yield word + " "
        yield Generation(text=text, generated_tokens=7, mean_logprob=-0.1,
                         latency_ms=1.0, first_token_ms=1.0)  # fmt: skip


@dataclass(frozen=True)
class Keys:
    """An agent's, an admin's and an OpenAI-compatible API key."""

    agent: str
    admin: str
    api: str

    def headers(self, path: str, role: str) -> dict[str, str]:
        """What a caller in `role` sends: an API key to /v1, its agent key elsewhere."""
        key = self.api if path.startswith("/v1/") else getattr(self, role)
        return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fresh_database_url(request, tmp_path_factory) -> Iterator[str]:
    """A database of its own: the fuzzing leaves articles, tickets and queued runs behind."""
    with migrated_database(request.param, tmp_path_factory, "fuzz") as url:
        yield url


@pytest.fixture(scope="module")
def fuzzed_app(fresh_database_url, tmp_path_factory) -> Iterator[FastAPI]:
    """The app under test with its lifespan started (schemathesis starts it, on its own event
    loop) and its model loaded."""
    data_dir = tmp_path_factory.mktemp("fuzz-data")
    settings = tiny_settings(
        data_dir,
        fresh_database_url,
        data_dir / "no-model",  # the canned model serves; naming the base on /v1 gets a 503
        rate_limit_per_ip_per_minute=0,
        rate_limit_per_conversation_per_minute=0,
        rate_limit_per_key_per_minute=0,
    )
    assistant = Assistant(CannedModel(), SupportPrompt("v2", load_company()))
    APP.target = create_app(settings, assistant_loader=lambda: assistant)
    with pytest.MonkeyPatch.context() as patch:
        # A queued run stays queued: no training process starts under the fuzzer.
        patch.setattr(retrain_launcher, "launch", lambda settings, run: None)
        try:
            with asgi.get_client(APP) as client:
                deadline = time.monotonic() + 120
                while client.get("/readyz").status_code != 200:
                    assert time.monotonic() < deadline, client.get("/readyz").json()
                    time.sleep(0.05)
            yield APP.target
        finally:
            asgi.shutdown_lifespans()
            APP.target = None


@pytest.fixture(scope="module")
def keys(fuzzed_app) -> Keys:
    engine, suffix = fuzzed_app.state.engine, uuid.uuid4().hex[:8]
    _, agent = create_agent(engine, f"fuzz-agent-{suffix}")
    _, admin = create_agent(engine, f"fuzz-admin-{suffix}", is_admin=True)
    _, api = create_key(engine, f"fuzz-{suffix}")
    return Keys(agent, admin, api)


@schema.parametrize()
@FUZZ
def test_every_route_keeps_its_contract_with_an_agent_key(case, keys):
    case.call_and_validate(headers=keys.headers(case.operation.path, "agent"))


@schema.parametrize()
@FUZZ
def test_every_route_keeps_its_contract_with_an_admin_key(case, keys):
    case.call_and_validate(headers=keys.headers(case.operation.path, "admin"))


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_conversations_followed_through_their_links_keep_the_contract(keys, role):
    failures: list[FailureGroup] = []

    class Conversations(conversations.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": keys.headers(case.operation.path, role)}

        # Scenarios start from routes that seem to need no earlier response, and schemathesis
        # takes the chat's optional `conversation_id` for one that does: start chats explicitly.
        @rule(target=Bundle("catch_all"), case=conversations["/api/chat"]["POST"].as_strategy())
        def start_a_chat(self, case):
            self.recorder.record_case(case=case)
            return self.step(StepInput.initial(case))

        def validate_response(self, response, case, **kwargs):
            try:
                super().validate_response(response, case, **kwargs)
            except FailureGroup as failure:
                failures.append(failure)
                raise

    try:
        Conversations.run(settings=hypothesis.settings(FUZZ, stateful_step_count=8))
    except FlakyStrategyDefinition:
        # A replayed scenario met the server in another state and took other steps. Like
        # schemathesis's own runner, that is no failure, unless a check had failed.
        if failures:
            raise failures[0] from None
