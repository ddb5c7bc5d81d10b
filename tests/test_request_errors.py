"""Bodies the API cannot use: malformed JSON is a 422 like any invalid body (OpenAI's 400 on /v1),
an oversized one a 413 however it arrives; a wrong method names every allowed one; a database
that does not answer is a 503."""

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.api.main import create_app
from backend.core.db import migrate
from backend.services.agents import create_agent
from backend.services.api_keys import create_key
from tests.conftest import tiny_settings

LIMIT = 4096


def _no_model():
    raise RuntimeError("these tests need no model")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("errors")
    url = f"sqlite:///{data_dir / 'errors.db'}"
    migrate(url)
    settings = tiny_settings(data_dir, url, data_dir / "no-model", max_body_bytes=LIMIT)
    return create_app(settings, assistant_loader=_no_model)


@pytest.fixture(scope="module")
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def headers(app) -> dict[str, dict[str, str]]:
    _, admin = create_agent(app.state.engine, f"admin-{uuid.uuid4().hex[:6]}", is_admin=True)
    _, api = create_key(app.state.engine, f"key-{uuid.uuid4().hex[:6]}")
    return {
        "admin": {"Authorization": f"Bearer {admin}"},
        "api": {"Authorization": f"Bearer {api}"},
    }


def _routes(headers) -> list[tuple[str, str, dict[str, str]]]:
    return [
        ("POST", "/api/chat", {}),
        ("POST", "/api/chat/stream", {}),
        ("POST", f"/api/conversations/{uuid.uuid4()}/feedback", {}),
        ("PUT", "/api/admin/articles/returns", headers["admin"]),
    ]


MALFORMED = {
    "not JSON": b'{"message": "hi"',
    "not UTF-8": b'{"message": "\xff\xfe"}',
    "nested too deep": b"[" * 2000 + b"]" * 2000,
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_is_a_422_shaped_like_every_validation_error(client, headers, body):
    invalid = client.post("/api/chat", json={"message": 42}).json()
    for method, path, auth in _routes(headers):
        response = client.request(
            method, path, content=body, headers={**auth, "Content-Type": "application/json"}
        )
        assert response.status_code == 422, (path, response.text)
        (issue,) = response.json()["detail"]
        assert issue["type"] == "json_invalid" and issue["loc"][0] == "body"
        assert set(issue) >= set(invalid["detail"][0]) - {"ctx"}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_json_on_v1_is_a_400_in_openai_shape(client, headers, body):
    response = client.post(
        "/v1/chat/completions",
        content=body,
        headers={**headers["api"], "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_a_body_over_the_limit_by_its_length_is_a_413(client, headers):
    big = {"message": "a" * LIMIT}
    response = client.post("/api/chat", json=big)
    assert response.status_code == 413
    assert response.json() == {"detail": f"the request body is larger than {LIMIT} bytes"}
    openai = client.post("/v1/chat/completions", json=big, headers=headers["api"])
    assert openai.status_code == 413 and "larger than" in openai.json()["error"]["message"]
    small = client.post("/api/chat", json={"message": "a" * (LIMIT - 100), "extra": 1})
    assert small.status_code == 422  # under the limit: parsed, then refused for what it says


def test_a_chunked_body_over_the_limit_is_a_413(client, headers):
    def chunks() -> Iterator[bytes]:
        yield b'{"message": "'
        for _ in range(8):
            yield b"a" * 1024
        yield b'"}'

    for path, auth, error_of in (
        ("/api/chat", {}, lambda body: body["detail"]),
        ("/v1/chat/completions", headers["api"], lambda body: body["error"]["message"]),
    ):
        response = client.post(
            path, content=chunks(), headers={**auth, "Content-Type": "application/json"}
        )
        assert response.request.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.request.headers
        assert response.status_code == 413
        assert f"larger than {LIMIT} bytes" in error_of(response.json())


def test_a_message_over_4000_characters_is_a_422_that_says_so(client):
    response = client.post("/api/chat", json={"message": "a" * 4001})
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "String should have at most 4000 characters"


def test_a_method_not_allowed_names_every_allowed_one(client, headers):
    response = client.request("PATCH", "/api/admin/articles/returns", headers=headers["admin"])
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PUT, DELETE"


def test_a_database_that_does_not_answer_is_a_503(tmp_path):
    settings = tiny_settings(
        tmp_path, "postgresql+psycopg://nobody@127.0.0.1:9/none", tmp_path / "no-model"
    )
    app = create_app(settings, assistant_loader=_no_model)
    with TestClient(app) as client:
        response = client.get("/api/agent/me", headers={"Authorization": "Bearer sbk_x"})
        assert response.status_code == 503
        assert response.json() == {"detail": "the database is unavailable; try again later"}
        assert response.headers["retry-after"] == "5"
        models = client.get("/v1/models", headers={"Authorization": "Bearer sbc_x"})
        assert models.status_code == 503 and models.json()["error"]["type"] == "server_error"
