"""Build the configured assistant from settings: starter, hub id or local path, plus adapter."""

import logging
from pathlib import Path

from langchain_core.retrievers import BaseRetriever

from backend.core.config import STARTER_MODEL, Settings
from backend.runtime.artifacts import adapter_info, build_info, is_built
from backend.runtime.assistant import Assistant
from backend.runtime.base import ModelInfo
from backend.runtime.loading import load_causal_lm, pick_device
from backend.runtime.local import LocalChatModel, generation_config_for
from prompts import CompanyFacts, ContextAssembler, SupportPrompt
from prompts.embeddings import load_embedder
from prompts.topics import TopicClassifier

logger = logging.getLogger(__name__)

DEFAULT_PROMPT_VERSION = "v2"

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
    device = pick_device(settings.device)
    model_id = base_model_path(settings)
    adapter = adapter.resolve() if adapter else None
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
    chat_model = LocalChatModel(model, tokenizer, info, config, settings.max_concurrent_generations)
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
