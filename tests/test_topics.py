"""Topic classifiers, an adapter's that extends the base model's with the company's topics, and
the MiniLM embeddings under them."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from prompts import embeddings
from prompts.embeddings import _encode, embed, forget_cached_embeddings
from prompts.topics import TopicClassifier

GENERIC = {
    "track_order": ["where is my order", "has my parcel shipped yet", "track my package please"],
    "reset_password": ["I forgot my password", "reset my login password", "can't sign in"],
}
SHOP = {"gear_rental": ["can I rent a tent", "do you rent backpacks", "rent a stove for a week"]}


def _fit(examples: dict[str, list[str]]) -> TopicClassifier:
    texts = [text for values in examples.values() for text in values]
    labels = [label for label, values in examples.items() for _ in values]
    return TopicClassifier.fit(texts, labels)


def test_an_extending_classifier_adds_the_companys_topics_and_keeps_the_bases(tmp_path):
    base = _fit(GENERIC)
    # Fitted on a company's few tickets: its own topic, and the generic ones seen once.
    own = _fit({"track_order": ["track order"], "reset_password": ["sign in"], **SHOP})
    extended = own.extending(base)
    assert set(extended.all_labels) == {"track_order", "reset_password", "gear_rental"}
    requests = ["I would like to rent a tent", "I forgot my password", "parcel not here yet"]
    assert [t.label for t in extended.predict(requests)] == [
        "gear_rental",
        "reset_password",
        "track_order",
    ]
    assert extended.predict(requests[1:]) == base.predict(
        requests[1:]
    )  # the base decides the topics it knows

    own_path = extended.save(tmp_path)
    assert own_path.is_file()
    again = TopicClassifier.load(tmp_path, base=base)
    assert again.extends is base and again.all_labels == extended.all_labels
    assert TopicClassifier.load(tmp_path).extends is None  # without its base: its own topics


def test_messages_embedded_at_once_get_the_vectors_they_get_alone():
    turns = [
        [f"Where is my order LO-{4800 + i}? It was due on day {i}.", f"where is lo-{4800 + i}"]
        for i in range(12)
    ]
    forget_cached_embeddings()
    with ThreadPoolExecutor(12) as pool:  # arriving together: encoded as one batch
        together = list(pool.map(embed, turns))
    for texts, vectors in zip(turns, together, strict=True):
        assert np.allclose(vectors, _encode(texts, 2), atol=1e-5)


def test_a_turns_texts_are_encoded_once_and_then_come_from_the_cache(monkeypatch):
    encoded: list[list[str]] = []

    def counting_encode(texts: list[str], batch_size: int) -> np.ndarray:
        encoded.append(list(texts))
        return _encode(texts, batch_size)

    monkeypatch.setattr(embeddings, "_encode", counting_encode)
    forget_cached_embeddings()
    message, piece = "My tent pole snapped on day two.", "my tent pole snapped on day two"
    first = embed([message, piece, message, message.lower()])
    # One pass, each text once: MiniLM lowercases, so a text and its lowercase are one text.
    assert encoded == [[message.lower(), piece]]
    assert np.allclose(first[0], first[2]) and np.allclose(first[0], first[3])
    assert np.allclose(first[0], _encode([message], 1)[0], atol=1e-5)  # the same vector
    again = np.vstack([embed([piece]), embed([message])])
    assert encoded == [[message.lower(), piece]]  # later calls are served from the cache
    assert np.allclose(again, first[[1, 0]])
