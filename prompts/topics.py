"""The topic (intent) of a customer message: logistic regression over MiniLM embeddings.

A small model trained from scratch cannot tell from unfamiliar wording what a customer wants,
but it follows a "Topic: ..." line closely; MiniLM, pretrained on far more text, recognises the
topic of wording it never saw. The classifier is fitted when a model is built, saved next to it
as JSON, and puts the topic into the prompt's context.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from prompts.embeddings import embed

TOPIC_CLASSIFIER_FILE = "topic_classifier.json"


def topic_context(label: str) -> str:
    """The context line that tells the model the topic, in training and serving alike."""
    return f"Topic: {label}"


@dataclass(frozen=True)
class Topic:
    """The predicted topic of a message and its probability."""

    label: str
    score: float


@dataclass(frozen=True)
class TopicClassifier:
    """Softmax regression from a MiniLM embedding to one of `labels`."""

    labels: tuple[str, ...]
    weights: np.ndarray  # (n_labels, embedding_dim)
    bias: np.ndarray  # (n_labels,)

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str]) -> "TopicClassifier":
        """Learn topics from labelled customer messages."""
        from sklearn.linear_model import LogisticRegression  # only needed when fitting

        model = LogisticRegression(max_iter=3000, C=10.0)
        model.fit(embed(list(texts)), np.asarray(labels))
        weights, bias = model.coef_, model.intercept_
        if len(model.classes_) == 2:  # one logit for two classes: a softmax over (-z/2, z/2)
            weights, bias = np.vstack([-weights / 2, weights / 2]), np.hstack([-bias / 2, bias / 2])
        return cls(tuple(str(c) for c in model.classes_), weights, bias)

    def predict(self, texts: Sequence[str]) -> list[Topic]:
        """The most likely topic of each text."""
        logits = embed(list(texts)) @ self.weights.T + self.bias
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        best = probabilities.argmax(axis=1)
        return [Topic(self.labels[i], float(probabilities[row, i])) for row, i in enumerate(best)]

    def save(self, directory: Path) -> Path:
        """Write the classifier as JSON into `directory`."""
        path = directory / TOPIC_CLASSIFIER_FILE
        data = {"labels": self.labels, "weights": self.weights.tolist(), "bias": self.bias.tolist()}
        path.write_text(json.dumps(data))
        return path

    @classmethod
    def load(cls, directory: Path) -> "TopicClassifier | None":
        """The classifier saved in `directory`, or None if the model has none."""
        path = directory / TOPIC_CLASSIFIER_FILE
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return cls(tuple(data["labels"]), np.asarray(data["weights"]), np.asarray(data["bias"]))
