"""Recover the intent a reply answers: logistic regression over MiniLM embeddings.

Fitted on reference replies labelled with their ticket's intent; a generated reply is
"on intent" when the classifier gives it the intent of the request it answers.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from prompts.embeddings import embed


@dataclass
class IntentClassifier:
    """A fitted reply-to-intent classifier."""

    model: LogisticRegression

    @classmethod
    def fit(cls, replies: Sequence[str], intents: Sequence[str]) -> "IntentClassifier":
        """Learn intents from labelled reference replies."""
        model = LogisticRegression(max_iter=2000, C=10.0)
        model.fit(embed(list(replies)), np.asarray(intents))
        return cls(model)

    def predict(self, replies: Sequence[str]) -> list[str]:
        """The most likely intent of each reply."""
        return [str(label) for label in self.model.predict(embed(list(replies)))]

    def on_intent_rate(self, replies: Sequence[str], intents: Sequence[str]) -> float:
        """Share of replies classified as the intent they were meant to answer."""
        predicted = self.predict(replies)
        return sum(p == i for p, i in zip(predicted, intents, strict=True)) / max(len(intents), 1)
