"""Train, evaluate and promote adapters for a deployment: what `supportbot train`, `supportbot
eval` and the first start of the demo shop do, with the deployment's settings and registry.
"""

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from backend.core.config import Settings
from backend.models import Adapter
from backend.runtime.factory import base_model_path, model_name, trained_prompt_version
from backend.runtime.loading import pick_device
from backend.services import adapters as registry
from prompts import load_company
from prompts.escalation import load_policy
from prompts.topics import TopicClassifier
from training.evaluate import evaluate_adapter, load_eval_tickets, recorded_base_model
from training.lora import (
    BaseModel,
    LoraTrainArgs,
    adapter_prompt_version,
    choose_method,
    train_adapter,
)
from training.tickets import approved_tickets, file_tickets

# The first adapter of the starter, trained on the demo shop's solved tickets at the first start
# with the defaults of `supportbot train`, but as LoRA: on the demo shop its served path ties with
# full fine-tuning's (docs/evaluation.md), and a LoRA adapter is what every base above
# FULL_FINETUNE_MAX_PARAMETERS gets, and what a vLLM server serves by name beside the base.
FIRST_ADAPTER_ARGS = LoraTrainArgs(method="lora")


def configured_base(settings: Settings, args: LoraTrainArgs) -> BaseModel:
    """The base model adapters are trained on: `args.base_model`, else the served one."""
    path = args.base_model or base_model_path(settings)
    local = Path(path)
    return BaseModel(
        path=str(path),
        name=model_name(path),
        prompt_version=args.prompt_version
        or settings.prompt_version
        or adapter_prompt_version(trained_prompt_version(local), choose_method(args.method, path)),
        topics=TopicClassifier.load(local) if local.is_dir() else None,
    )


def train_registered_adapter(settings: Settings, engine: Engine, args: LoraTrainArgs) -> dict:
    """Train an adapter on `args.data` (else the approved tickets) and register it."""
    tickets = file_tickets(args.data) if args.data is not None else approved_tickets(engine)
    info = train_adapter(
        args,
        configured_base(settings, args),
        tickets,
        load_company(settings.company_file),
        settings.adapters_dir,
        device=settings.device,
    )
    with Session(engine) as session:
        registry.register_adapter(session, Path(info["output_dir"]))
    return info


def evaluate_registered_adapter(
    settings: Settings,
    engine: Engine,
    adapter_dir: Path,
    *,
    data: Path | None = None,
    base_model: str | None = None,
    limit: int | None = None,
    max_new_tokens: int | None = None,
    output_dir: Path | None = None,
) -> dict:
    """Run `supportbot eval` on an adapter and store its metrics in the registry (for the gate)."""
    tickets, escalated = load_eval_tickets(data, None if data else engine)
    metrics = evaluate_adapter(
        adapter_dir,
        tickets,
        load_company(settings.company_file),
        escalated=escalated,
        base_model=base_model or recorded_base_model(adapter_dir) or str(base_model_path(settings)),
        base_prompt_version=settings.prompt_version,
        policy=load_policy(settings.escalation_file),
        limit=limit,
        max_new_tokens=max_new_tokens or settings.max_new_tokens,
        tickets_shown=settings.ticket_results,
        min_retrieval_score=settings.min_retrieval_score,
        repetition_penalty=settings.repetition_penalty,
        device=pick_device(settings.device),
        merge_adapter=settings.merge_adapter,
        output_dir=output_dir,
        data_source=str(data) if data else None,
    )
    with Session(engine) as session:
        registry.register_adapter(session, adapter_dir)
        compact = {key: value for key, value in metrics.items() if key != "samples"}
        registry.record_metrics(session, metrics["adapter"], compact)
    return metrics


def ensure_first_adapter(settings: Settings, engine: Engine) -> Adapter | None:
    """Train and evaluate a first adapter of the starter when none is registered yet.

    It is promoted when its evaluation beats the starter behind the same prompt layer (the
    registry's gate); otherwise the report says why and the starter keeps serving. Returns the
    new adapter, or None when the registry already had adapters (later starts keep what they
    have).
    """
    with Session(engine) as session:
        if registry.list_adapters(session):
            return None
    print("Training the first LoRA adapter on the solved tickets (first start only) ...")
    info = train_registered_adapter(settings, engine, FIRST_ADAPTER_ARGS)
    print("Evaluating it on the held-out tickets ...")
    evaluate_registered_adapter(settings, engine, Path(info["output_dir"]))
    with Session(engine) as session:
        adapter = registry.find_adapter(session, info["version"])
        if refusal := registry.gate_refusal(adapter, registry.serving_adapter(session)):
            print(
                f"Adapter {adapter.version} is registered but not promoted: {refusal}. The report"
                f" is in {info['output_dir']}/eval; `supportbot adapters promote"
                f" {adapter.version} --force` serves it anyway."
            )
        else:
            registry.promote(session, adapter.version)
            print(f"Promoted adapter {adapter.version}: the chat serves it.")
        return adapter
