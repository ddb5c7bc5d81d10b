"""Build the configured assistant from settings: starter, hub id or local path, plus adapter."""

import logging
from pathlib import Path

import httpx
import openai
from langchain_core.retrievers import BaseRetriever
from transformers import AutoConfig

from backend.core.config import STARTER_MODEL, Settings
from backend.runtime.artifacts import adapter_info, build_info, is_built
from backend.runtime.assistant import Assistant
from backend.runtime.base import ChatModel, ModelInfo
from backend.runtime.batching import BatchingLimits
from backend.runtime.loading import load_causal_lm, load_tokenizer, pick_device
from backend.runtime.local import LocalChatModel, generation_config_for
from backend.runtime.remote import RemoteChatModel
from prompts import CompanyFacts, ContextAssembler, SupportPrompt
from prompts.embeddings import load_embedder
from prompts.topics import TopicClassifier

logger = logging.getLogger(__name__)

DEFAULT_PROMPT_VERSION = "v2"
REMOTE_CONTEXT_WINDOW = 4096  # assumed when the served model's config is not on this machine

Retrievers = tuple[BaseRetriever | None, BaseRetriever | None]


class StarterNotBuiltError(RuntimeError):
    """The starter model is configured but has not been built yet."""


def starter_model_name(starter_dir: Path) -> str:
    """The name recorded for replies of the starter, unique per build."""
    info = build_info(starter_dir)
    return f"{info['name']}-{info['build_id']}"


def load_configured_assistant(
    settings: Settings, company: CompanyFacts, retrievers: Retrievers | None = None
) -> Assistant:
    """The assistant the settings ask for (their base model and adapter)."""
    return load_assistant(settings, company, settings.adapter_path, retrievers)


def load_assistant(
    settings: Settings,
    company: CompanyFacts,
    adapter: Path | None,
    retrievers: Retrievers | None = None,
) -> Assistant:
    """The base model of the settings with `adapter` (merged unless settings say otherwise).

    Falls back to the starter if a hub model cannot be loaded. `retrievers` (help articles,
    solved tickets) belong to the deployment, not the model; the model brings its topic
    classifier, if it was built with one.
    """
    adapter = adapter.resolve() if adapter else None
    chat_model: ChatModel
    if settings.llm_backend == "openai":
        model_id = _remote_base(settings)
        chat_model = remote_chat_model(settings, model_id, adapter)
    else:
        model_id, adapter, chat_model = _local_chat_model(settings, adapter)
    # An adapter trained on the company's intents brings its own topic classifier.
    base_dir = Path(model_id)
    topics = TopicClassifier.load(base_dir) if base_dir.is_dir() else None
    if adapter is not None and adapter.is_dir():
        topics = TopicClassifier.load(adapter, base=topics) or topics
    articles, tickets = retrievers or (None, None)
    load_embedder()  # load MiniLM now rather than on the first customer message
    version = settings.prompt_version or trained_prompt_version(Path(model_id), adapter)
    return Assistant(
        chat_model,
        SupportPrompt(version, company),
        ContextAssembler(topics, articles, tickets, tickets_shown=settings.ticket_results),
        adapter_dir=adapter,
        reply_strategy=adapter_info(adapter).get("reply_strategy", "generate")
        if adapter
        else "generate",
    )


def _local_chat_model(
    settings: Settings, adapter: Path | None
) -> tuple[str | Path, Path | None, LocalChatModel]:
    """The base (and adapter) loaded in this process; the starter if a hub model cannot load."""
    device = pick_device(settings.device)
    model_id = base_model_path(settings)
    try:
        model, tokenizer = load_causal_lm(model_id, adapter, device, settings.merge_adapter)
    except OSError as error:
        if settings.base_model == STARTER_MODEL or not is_built(settings.starter_dir):
            raise
        logger.warning("cannot load %s (%s); serving the starter", settings.base_model, error)
        model_id, adapter = _starter(settings), None
        model, tokenizer = load_causal_lm(model_id, None, device)
    info = ModelInfo(name=model_name(model_id), adapter_version=_adapter_version(adapter))
    config = generation_config_for(
        model, tokenizer, settings.max_new_tokens, settings.temperature, settings.repetition_penalty
    )
    batching = (
        BatchingLimits(
            settings.batch_max_requests,
            settings.kv_cache_tokens,
            settings.batch_engine,
            settings.batch_threads,
        )
        if settings.batching == "continuous"
        else None
    )
    chat_model = LocalChatModel(
        model, tokenizer, info, config, settings.max_concurrent_generations, batching
    )
    return model_id, adapter, chat_model


def remote_chat_model(
    settings: Settings, model_id: str | Path, adapter: Path | None
) -> RemoteChatModel:
    """Generation on the model server of the settings, for the base and the promoted adapter.

    The base's tokenizer and config are read here when they are on this machine (token counts
    for the prompt budget and `usage`); otherwise counts are estimated.
    """
    tokenizer, context_window = None, REMOTE_CONTEXT_WINDOW
    try:
        tokenizer = load_tokenizer(model_id)
        config = AutoConfig.from_pretrained(str(model_id))
        context_window = int(getattr(config, "max_position_embeddings", context_window))
    except (OSError, ValueError) as error:
        logger.info("no tokenizer of %s here (%s); token counts are estimated", model_id, error)
    version = _adapter_version(adapter)
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "none"
    if version is not None:
        ensure_served_adapter(settings.llm_base_url, key, version, adapter)
    client = openai.AsyncOpenAI(
        base_url=settings.llm_base_url,
        api_key=key,
        timeout=settings.llm_timeout_seconds,
        max_retries=0,  # a failed reply escalates at once rather than keeping the customer waiting
    )
    return RemoteChatModel(
        client,
        served_name=version or settings.llm_model or str(model_id),
        info=ModelInfo(name=settings.llm_model or model_name(model_id), adapter_version=version),
        tokenizer=tokenizer,
        context_window=context_window,
        max_new_tokens=settings.max_new_tokens,
        temperature=settings.temperature,
    )


def ensure_served_adapter(base_url: str, api_key: str, version: str, adapter: Path) -> None:
    """Have the model server serve `adapter` by its version, or raise: a promotion must not
    swap in an adapter the server cannot answer with.

    vLLM (with VLLM_ALLOW_RUNTIME_LORA_UPDATING) loads it through /v1/load_lora_adapter from
    the same path, on a volume both machines share; a server without that endpoint must
    already serve it (`--lora-modules`).
    """
    headers = {"Authorization": f"Bearer {api_key}"}
    request = {"lora_name": version, "lora_path": str(adapter)}
    try:
        with httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=60) as http:
            loaded = http.post("/load_lora_adapter", json=request)
            if loaded.status_code >= 400:
                logger.info("the model server did not load %s: %s", version, loaded.text[:200])
            listing = http.get("/models")
    except httpx.TransportError as error:  # down for now: replies escalate until it is back
        logger.warning(
            "model server unreachable (%s); serving adapter %s unchecked", error, version
        )
        return
    if listing.status_code >= 400:
        raise RuntimeError(
            f"the model server at {base_url} does not serve adapter {version}"
            f" (its model list answered {listing.status_code})"
        )
    if version not in {model["id"] for model in listing.json()["data"]}:
        raise RuntimeError(f"the model server at {base_url} does not serve adapter {version}")


def _remote_base(settings: Settings) -> str | Path:
    """The base a model server serves: the starter's directory if built here, else its id."""
    if settings.base_model == STARTER_MODEL:
        return settings.starter_dir if is_built(settings.starter_dir) else STARTER_MODEL
    return settings.base_model


def base_model_path(settings: Settings) -> str | Path:
    """The configured base model: the starter's directory, a hub id or a local path."""
    return _starter(settings) if settings.base_model == STARTER_MODEL else settings.base_model


def trained_prompt_version(model_dir: Path, adapter_dir: Path | None = None) -> str:
    """The prompt version the adapter (else the model) was trained with; v2 for hub models."""
    if adapter_dir is not None and (version := adapter_info(adapter_dir).get("prompt_version")):
        return version
    trained_with = build_info(model_dir).get("prompt_version") if is_built(model_dir) else None
    return trained_with or DEFAULT_PROMPT_VERSION


def _adapter_version(adapter_dir: Path | None) -> str | None:
    if adapter_dir is None:
        return None
    return adapter_info(adapter_dir).get("version", adapter_dir.name)


def model_name(model_id: str | Path) -> str:
    """Starter builds are named by build id; other models by their hub id or path."""
    if is_built(Path(model_id)):
        return starter_model_name(Path(model_id))
    return str(model_id)


def _starter(settings: Settings) -> Path:
    if not is_built(settings.starter_dir):
        raise StarterNotBuiltError(
            f"no starter model in {settings.starter_dir}; run `supportbot build-starter`"
        )
    return settings.starter_dir
