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
UNSURE_TOPIC = 0.5  # below this probability a predicted topic is not trusted


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
    """Softmax regression from a MiniLM embedding to one of `labels`.

    One fitted on a company's tickets may `extend` the base model's: the base's, fitted on far
    more conversations, tells the generic topics best, and this one adds the company's own. A
    message then gets this classifier's topic when it is one the base does not know (and it is
    sure of it), or when the base is unsure; otherwise the base's.
    """

    labels: tuple[str, ...]
    weights: np.ndarray  # (n_labels, embedding_dim)
    bias: np.ndarray  # (n_labels,)
    extends: "TopicClassifier | None" = None

    @property
    def all_labels(self) -> tuple[str, ...]:
        """Every topic it can predict, the base's included."""
        base = self.extends.all_labels if self.extends else ()
        return tuple(dict.fromkeys((*self.labels, *base)))

    def extending(self, base: "TopicClassifier | None") -> "TopicClassifier":
        """This classifier extending `base` (see the class docstring)."""
        return TopicClassifier(self.labels, self.weights, self.bias, base)

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
        return self.predict_vectors(embed(list(texts)))

    def predict_vectors(self, vectors: np.ndarray) -> list[Topic]:
        """`predict` for texts already embedded (rows of `embed`)."""
        logits = vectors @ self.weights.T + self.bias
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        best = probabilities.argmax(axis=1)
        own = [Topic(self.labels[i], float(probabilities[row, i])) for row, i in enumerate(best)]
        if self.extends is None:
            return own
        known = set(self.extends.all_labels)
        return [
            mine
            if (mine.label not in known and mine.score >= UNSURE_TOPIC) or base.score < UNSURE_TOPIC
            else base
            for mine, base in zip(own, self.extends.predict_vectors(vectors), strict=True)
        ]

    def save(self, directory: Path) -> Path:
        """Write the classifier as JSON into `directory` (the base it extends is the model's)."""
        path = directory / TOPIC_CLASSIFIER_FILE
        data = {
            "labels": self.labels,
            "weights": self.weights.tolist(),
            "bias": self.bias.tolist(),
            "extends_base": self.extends is not None,
        }
        path.write_text(json.dumps(data))
        return path

    @classmethod
    def load(
        cls, directory: Path, base: "TopicClassifier | None" = None
    ) -> "TopicClassifier | None":
        """The classifier saved in `directory`, or None if the model has none.

        One saved as extending the base model's extends `base` (the base model's classifier).
        """
        path = directory / TOPIC_CLASSIFIER_FILE
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        loaded = cls(tuple(data["labels"]), np.asarray(data["weights"]), np.asarray(data["bias"]))
        return loaded.extending(base) if data.get("extends_base") else loaded
