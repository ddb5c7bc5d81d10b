"""Settings come from SUPPORTBOT_* env vars and .env, with embedded defaults."""

from pathlib import Path

import pytest

from backend.core.config import Settings


def test_defaults_put_a_sqlite_database_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'supportbot.db'}"
    assert settings.base_model == "starter"
    assert settings.starter_dir == Path("data") / "models" / "starter"


def test_env_vars_override_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPORTBOT_DATA_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("SUPPORTBOT_BASE_MODEL", "HuggingFaceTB/SmolLM2-135M-Instruct")
    monkeypatch.setenv("SUPPORTBOT_MAX_NEW_TOKENS", "64")
    settings = Settings()
    assert settings.database_url.endswith("/elsewhere/supportbot.db")
    assert settings.base_model == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert settings.max_new_tokens == 64


def test_dotenv_file_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SUPPORTBOT_COMPANY_FILE=fjord.yaml\n")
    assert Settings().company_file == Path("fjord.yaml")


def test_postgres_url_is_kept_unchanged(monkeypatch):
    url = "postgresql+psycopg://support:secret@db.internal:5432/supportbot"
    monkeypatch.setenv("SUPPORTBOT_DATABASE_URL", url)
    assert Settings().database_url == url


def test_invalid_values_are_rejected(monkeypatch):
    monkeypatch.setenv("SUPPORTBOT_TEMPERATURE", "-1")
    with pytest.raises(ValueError, match="temperature"):
        Settings()
