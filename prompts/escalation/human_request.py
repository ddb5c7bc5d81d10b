"""Does a message ask for a person? A topic classifier fitted on our own labelled examples.

The examples (`human_request_examples.yaml`) are two lists: `person` (ways to ask for a human)
and `other` (ordinary support requests, including near misses such as "what's your phone
number"). `prompts.topics.TopicClassifier` is fitted on them the first time a process needs it,
once per examples file, and kept for the life of the process.
"""

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from prompts.escalation.text import normalize
from prompts.topics import TopicClassifier

logger = logging.getLogger(__name__)

PERSON, OTHER = "person", "other"
DEFAULT_EXAMPLES_FILE = Path(__file__).resolve().parent / "human_request_examples.yaml"


class HumanRequestExamples(BaseModel):
    """Labelled messages: asking for a person, and everything else."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    person: tuple[str, ...] = Field(min_length=1)
    other: tuple[str, ...] = Field(min_length=1)


def load_examples(path: Path | None = None) -> HumanRequestExamples:
    """The labelled examples in `path` (YAML), or the built-in ones."""
    data = yaml.safe_load((path or DEFAULT_EXAMPLES_FILE).read_text(encoding="utf-8"))
    return HumanRequestExamples.model_validate(data)


@dataclass(frozen=True)
class HumanRequestClassifier:
    """The probability that a text asks for a person."""

    classifier: TopicClassifier
    fit_seconds: float  # how long fitting took (embedding the examples included)

    def person_probability(self, texts: Sequence[str]) -> list[float]:
        """P(asks for a person) for each text, in one batch."""
        if not texts:
            return []
        topics = self.classifier.predict(list(texts))
        return [t.score if t.label == PERSON else 1.0 - t.score for t in topics]


_fitted: dict[tuple[Path, tuple[str, ...], tuple[str, ...]], HumanRequestClassifier] = {}
_lock = threading.Lock()


def human_request_classifier(
    examples_file: Path | None = None,
    vocabulary: Sequence[str] = (),
    keep: Sequence[str] = (),
) -> HumanRequestClassifier:
    """The classifier fitted on `examples_file` (default: the built-in examples), cached.

    Examples are normalised as messages are before scoring (`text.normalize` with the rule's
    typo `vocabulary` and `keep` words). The first call per file (and vocabulary) and process
    embeds the examples with MiniLM and fits, a few seconds on a CPU; later calls return the
    same classifier.
    """
    path = (examples_file or DEFAULT_EXAMPLES_FILE).resolve()
    key = (path, tuple(vocabulary), tuple(keep))
    with _lock:
        if key not in _fitted:
            started = time.perf_counter()
            examples = load_examples(path)
            texts = [normalize(t, vocabulary, keep) for t in (*examples.person, *examples.other)]
            labels = [PERSON] * len(examples.person) + [OTHER] * len(examples.other)
            classifier = TopicClassifier.fit(texts, labels)
            seconds = time.perf_counter() - started
            logger.info(
                "human-request classifier: %d examples fitted in %.1fs", len(texts), seconds
            )
            _fitted[key] = HumanRequestClassifier(classifier, seconds)
        return _fitted[key]
