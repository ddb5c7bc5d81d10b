"""Every setting of supportbot in one place: env vars `SUPPORTBOT_*` and an optional `.env` file."""

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

STARTER_MODEL = "starter"


class Settings(BaseSettings):
    """Runtime configuration; the defaults run everything embedded on one machine."""

    model_config = SettingsConfigDict(
        env_prefix="SUPPORTBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    data_dir: Path = Field(Path("data"), description="Where the database and built models live.")
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty means a SQLite file in data_dir."
    )
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    company_file: Path | None = Field(
        None, description="YAML with the company's facts for the prompt; default: the demo shop."
    )
    prompt_version: str | None = Field(
        None,
        description="Directory under prompts/templates; default: the one the model was trained"
        " with (v2 for other models).",
    )

    escalation_file: Path | None = Field(
        None, description="YAML of the escalation policy and guardrails; default: the built-in."
    )
    identity_secret: SecretStr | None = Field(
        None,
        description="Shared secret for signed customer ids (HMAC-SHA256); unset: anonymous only.",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins (scheme://host[:port]) of the sites that embed the widget or call"
        " the API from a browser: the CORS allow-list; empty: same origin only.",
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1024,
        description="Largest request body accepted (a larger one gets a 413); admins' help"
        " articles of up to 100,000 characters must fit.",
    )
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of the proxies in front of supportbot whose"
        " X-Forwarded-For names the client; empty: the connecting address is the client.",
    )
    rate_limit_per_ip_per_minute: int = Field(
        600,
        ge=0,
        description="Customer chat requests (messages, feedback) one client IP may make a"
        " minute, as many at once; 0: no limit.",
    )
    rate_limit_per_conversation_per_minute: int = Field(
        60, ge=0, description="Requests a minute in one conversation; 0: no limit."
    )
    rate_limit_per_key_per_minute: int = Field(
        1200,
        ge=0,
        description="Requests a minute with one API key (/v1) or agent's key (agents' and"
        " admin APIs); 0: no limit.",
    )
    article_results: int = Field(2, ge=0, le=20, description="Help articles retrieved per reply.")
    ticket_results: int = Field(2, ge=0, le=20, description="Solved tickets retrieved per reply.")
    min_retrieval_score: float = Field(
        0.4, ge=-1.0, le=1.0, description="Cosine similarity below which nothing is retrieved."
    )

    base_model: str = Field(
        STARTER_MODEL,
        description="Hub id or local directory of a causal LM; 'starter' builds the offline one.",
    )
    adapter_path: Path | None = Field(
        None,
        description="Serve this peft LoRA adapter directory; unset: the registry's promoted one.",
    )
    merge_adapter: bool = Field(
        True, description="Merge the adapter into the base weights (merge_and_unload) for speed."
    )
    adapter_poll_seconds: float = Field(
        5.0, ge=0, description="How often workers check the registry for a promotion; 0: never."
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    max_new_tokens: int = Field(
        160, ge=1, le=2048, description="The most tokens a reply may have (API callers' too)."
    )
    max_generation_seconds: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="A reply still generating after this long is stopped, its slot freed, and the"
        " turn handed to a person (or, with no one to hand to, answered with an error).",
    )
    stream_send_timeout_seconds: float = Field(
        30.0,
        gt=0,
        description="A stream whose reader takes longer than this to accept an event is closed,"
        " so a stalled client holds nothing; its reply is still generated and stored.",
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="0 means greedy decoding.")
    repetition_penalty: float = Field(
        1.0, ge=1.0, le=2.0, description="Above 1 also penalises copying order numbers."
    )
    max_concurrent_generations: int = Field(
        1,
        ge=1,
        description="Generations run at once per process without continuous batching (and"
        " rankings of solved replies); more queue.",
    )
    batching: Literal["continuous", "off"] = Field(
        "continuous",
        description="continuous: replies decode together on one shared KV cache (see"
        " batch_engine); off: one generate call per reply.",
    )
    batch_engine: Literal["auto", "rows", "paged"] = Field(
        "auto",
        description="The continuous batch's engine. rows: one preallocated KV cache row per"
        " reply (supportbot's, for CPUs); paged: transformers' ContinuousBatchingManager"
        " (for GPUs, with its paged attention kernels); auto: paged on CUDA, rows otherwise.",
    )
    batch_threads: int = Field(
        1,
        ge=1,
        description="torch threads of the rows engine's loop. On a CPU that also runs the"
        " prompt layer's MiniLM passes, one: each thread that runs torch has its own team of"
        " OpenMP threads, and two teams spinning on the same cores slow both.",
    )
    batch_max_requests: int = Field(
        32, ge=1, description="Replies decoding together in the continuous batch; more wait."
    )
    kv_cache_tokens: int = Field(
        32768,
        ge=256,
        description="Tokens the continuous batch's KV cache holds over all its replies.",
    )

    llm_backend: Literal["local", "openai"] = Field(
        "local",
        description="Where replies are generated: in this process, or by an OpenAI-compatible"
        " model server (vLLM, transformers serve) at llm_base_url.",
    )
    llm_base_url: str | None = Field(
        None, description="The model server's API root, e.g. http://gpu-host:8001/v1."
    )
    llm_model: str | None = Field(
        None,
        description="The model name the server knows the base by; default: base_model. With an"
        " adapter promoted, its version is sent instead (vLLM serves LoRA adapters by name).",
    )
    llm_api_key: SecretStr | None = Field(None, description="The model server's API key.")
    llm_timeout_seconds: float = Field(
        30.0, gt=0, description="How long to wait for the model server before escalating."
    )

    starter_steps: int = Field(
        1900, ge=1, description="Training steps of the starter model (fixed, with a fixed seed)."
    )
    first_adapter: bool = Field(
        True,
        description="On the first `serve` (no adapter registered yet): train, evaluate and"
        " promote an adapter on the solved tickets.",
    )
    retrain_continue: bool = Field(
        True,
        description="Retraining continues from the serving adapter on the newly approved tickets"
        " and a replay sample of older ones; false trains a fresh LoRA on every approved ticket.",
    )
    retrain_replay_share: float = Field(
        0.5,
        ge=0.0,
        lt=1.0,
        description="Share of a continued run's tickets replayed from older ones.",
    )
    retrain_stale_seconds: float = Field(
        600.0, gt=0, description="A run with no heartbeat for this long is marked failed."
    )
    retrain_max_steps: int = Field(
        0, ge=0, description="Training steps of a retraining run; 0: the epochs of `train`."
    )
    retrain_after_new_tickets: int = Field(
        0,
        ge=0,
        description="Start a run once this many tickets were approved since the last; 0: off.",
    )
    retrain_every_hours: float = Field(
        0.0, ge=0.0, description="Start a run this often when tickets were approved since; 0: off."
    )

    @model_validator(mode="after")
    def _default_database_url(self) -> "Settings":
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'supportbot.db').resolve()}"
        return self

    @model_validator(mode="after")
    def _remote_backend_has_a_server(self) -> "Settings":
        if self.llm_backend == "openai" and not self.llm_base_url:
            raise ValueError("SUPPORTBOT_LLM_BACKEND=openai needs SUPPORTBOT_LLM_BASE_URL")
        return self

    @property
    def adapters_dir(self) -> Path:
        """Where `supportbot train` saves adapters, one directory per version."""
        return self.data_dir / "adapters"

    @property
    def starter_dir(self) -> Path:
        """Directory of the offline starter model built by `supportbot build-starter`."""
        return self.data_dir / "models" / STARTER_MODEL

    @property
    def retrain_logs_dir(self) -> Path:
        """Where each retraining run writes its log."""
        return self.data_dir / "retrain"


def settings_environment(settings: Settings) -> dict[str, str]:
    """`settings` as `SUPPORTBOT_*` variables, so that a child process reads the same ones."""
    environment = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, list | tuple | dict):
            text = json.dumps(value, default=str)
        else:
            text = str(value)
        environment[f"SUPPORTBOT_{name.upper()}"] = text
    return environment


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
