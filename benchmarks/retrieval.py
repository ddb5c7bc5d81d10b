"""Retrieval at 100k solved tickets: supportbot's EmbeddingIndex vs two baselines, same run.

A fresh database (SQLite in a temporary directory, or a throwaway PostgreSQL database created
and dropped under --database-url) is migrated and filled with N solved tickets approved for
training. Embedding 100k texts with MiniLM takes too long on a small CPU, so a few thousand real
customer texts (the demo data's tickets and chats, Bitext requests when ../shared/data/bitext is
there) are embedded and N vectors are made from them by adding small Gaussian noise and
re-normalising. The search does the same work whatever the vectors, as it is exact.

Measured: building the index cold, its memory, per-query latency (MiniLM query embedding,
`EmbeddingIndex.search`, the whole `IndexRetriever.invoke`), the freshness check when nothing
changed, and picking up new tickets. Baselines on the same vectors and queries: langchain-core's
`InMemoryVectorStore`, and reading every embedding from the database per query.

    python benchmarks/retrieval.py                      # 100k tickets, SQLite
    python benchmarks/retrieval.py --tickets 20000 --queries 50
    python benchmarks/retrieval.py --threads 1          # one torch and BLAS thread (busy CPU)
    python benchmarks/retrieval.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test   # throwaway database
"""

import argparse
import csv
import gc
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import sqlalchemy as sa
import torch
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.vectorstores import InMemoryVectorStore
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from threadpoolctl import threadpool_info, threadpool_limits

from backend.core.db import create_db_engine, migrate, throwaway_postgres_database
from backend.models import Ticket
from backend.models.columns import utcnow
from backend.services.retrieval import (
    EMBEDDING_DTYPE,
    EmbeddingIndex,
    IndexRetriever,
    ticket_document,
    vector_to_bytes,
)
from backend.services.tickets import content_hash
from prompts import embeddings
from prompts.embeddings import embed, load_embedder
from training.demo_data import demo_shop_tickets, general_conversations

DEFAULT_BITEXT = Path(__file__).resolve().parents[2] / "shared/data/bitext/support_pairs.csv"
INSERT_BATCH = 5_000
T = TypeVar("T")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="solved tickets to index")
    parser.add_argument("--queries", type=int, default=200, help="customer questions to time")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server URL: a throwaway database is created there and dropped after; "
        "default: SQLite in a temporary directory",
    )
    parser.add_argument(
        "--sources", type=int, default=3_000, help="real texts embedded with MiniLM"
    )
    parser.add_argument(
        "--noise", type=float, default=0.02, help="std of the noise per vector component"
    )
    parser.add_argument(
        "--store-queries", type=int, default=20, help="queries for the InMemoryVectorStore"
    )
    parser.add_argument("--naive-queries", type=int, default=5, help="queries for the DB scan")
    parser.add_argument(
        "--threads", type=int, help="cap torch and BLAS threads (default: the libraries' own)"
    )
    parser.add_argument("--bitext", type=Path, default=DEFAULT_BITEXT)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url takes a PostgreSQL server URL (the default is SQLite)")
    return args


def progress(message: str) -> None:
    """A timestamped progress line."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_texts(bitext: Path) -> list[tuple[str, str]]:
    """(customer text, reply) pairs: the demo shop's tickets, the demo chats, Bitext if present."""
    pairs = [(t.customer_text, t.agent_reply) for t in demo_shop_tickets()]
    pairs += [(c.turns[0].text, c.turns[1].text) for c in general_conversations()]
    if bitext.exists():
        with bitext.open(encoding="utf-8", newline="") as handle:
            pairs += [(row["instruction"], row["response"]) for row in csv.DictReader(handle)]
    seen: set[str] = set()
    unique = []
    for text, reply in pairs:
        if text.strip() and text not in seen:
            seen.add(text)
            unique.append((text, reply))
    return unique


@contextmanager
def database(server_url: str | None) -> Iterator[str]:
    """A new empty database: SQLite in a temporary directory, or a throwaway PostgreSQL one."""
    if server_url is None:
        with tempfile.TemporaryDirectory(prefix="supportbot-retrieval-") as directory:
            yield f"sqlite:///{Path(directory) / 'bench.db'}"
        return
    with throwaway_postgres_database(server_url, "supportbot_bench") as url:
        yield url


def synthetic_vectors(
    sources: np.ndarray, count: int, noise: float, rng: np.random.Generator, offset: int = 0
) -> np.ndarray:
    """`count` unit vectors: source `(offset + i) % len(sources)` plus Gaussian noise."""
    picked = sources[(offset + np.arange(count)) % len(sources)]
    noisy = picked + rng.normal(0.0, noise, picked.shape).astype(EMBEDDING_DTYPE)
    return (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(EMBEDDING_DTYPE)


def insert_tickets(
    engine: Engine,
    pairs: Sequence[tuple[str, str]],
    vectors: np.ndarray,
    offset: int,
) -> list[uuid.UUID]:
    """Bulk-insert one approved ticket per vector (text: its source text plus a counter)."""
    ids = []
    statement = sa.insert(Ticket.__table__)  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for start in range(0, len(vectors), INSERT_BATCH):
            rows: list[dict[str, Any]] = []
            for i in range(start, min(start + INSERT_BATCH, len(vectors))):
                number = offset + i
                text, reply = pairs[number % len(pairs)]
                text = f"{text} (#{number})"
                row_id, now = uuid.uuid4(), utcnow()  # one timestamp each, as tickets arrive
                ids.append(row_id)
                rows.append(
                    {
                        "id": row_id,
                        "customer_text": text,
                        "reply": reply,
                        "intent": None,
                        "category": None,
                        "escalated": False,
                        "source": "benchmark",
                        "approved_for_training": True,
                        "conversation_id": None,
                        "content_hash": content_hash(text, reply),
                        "embedding": vector_to_bytes(vectors[i]),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            connection.execute(statement, rows)
    return ids


def ticket_index(engine: Engine) -> EmbeddingIndex:
    """The index that `ticket_retriever` builds: approved tickets with an embedding."""
    return EmbeddingIndex(engine, Ticket, where=lambda: col(Ticket.approved_for_training))


def timed(function: Callable[[], T]) -> tuple[float, T]:
    """(milliseconds, result) of one call."""
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def percentiles(milliseconds: Sequence[float]) -> tuple[float, float]:
    """p50 and p95 (nearest rank on the sorted values)."""
    ordered = sorted(milliseconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def resident_mb() -> float:
    """This process's resident memory (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class PrecomputedEmbeddings(Embeddings):
    """Hands the store vectors computed beforehand, as lists of floats like any `Embeddings`."""

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        assert len(texts) == len(self.vectors)
        return self.vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        raise NotImplementedError("the benchmark searches by vector")


def naive_search(engine: Engine, query: np.ndarray, k: int) -> list[uuid.UUID]:
    """Baseline: read every approved ticket's embedding from the database, score, take top k."""
    with Session(engine) as session:
        rows = session.exec(
            select(Ticket.id, Ticket.embedding).where(
                col(Ticket.approved_for_training), col(Ticket.embedding).is_not(None)
            )
        ).all()
    matrix = np.frombuffer(b"".join(blob for _, blob in rows), dtype=EMBEDDING_DTYPE)
    scores = matrix.reshape(len(rows), -1) @ query
    top = np.argpartition(-scores, k - 1)[:k]
    return [rows[i][0] for i in top[np.argsort(-scores[top])]]


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    noise_rng = np.random.default_rng(args.seed)

    pairs = load_texts(args.bitext)
    rng.shuffle(pairs)
    queries = [text for text, _ in pairs[: args.queries]]
    source_pairs = pairs[args.queries : args.queries + args.sources]
    progress(
        f"{len(pairs)} distinct customer texts; {len(queries)} held out as queries, "
        f"{len(source_pairs)} embedded as sources"
    )

    load_embedder()  # loads torch's, scipy's and scikit-learn's thread pools too
    if args.threads:
        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads)
    source_ms, source_vectors = timed(lambda: embed([t for t, _ in source_pairs]))
    rate = len(source_pairs) / (source_ms / 1000)
    progress(
        f"embedded {len(source_pairs)} texts with MiniLM in {source_ms / 1000:.1f} s "
        f"({rate:.0f}/s: {args.tickets / rate / 60:.0f} min for {args.tickets} real embeddings)"
    )
    vectors = synthetic_vectors(source_vectors, args.tickets, args.noise, noise_rng)
    to_source = np.einsum(
        "ij,ij->i", vectors, source_vectors[np.arange(args.tickets) % len(source_vectors)]
    )
    progress(
        f"{args.tickets} ticket vectors = source vector + N(0, {args.noise}^2) noise, "
        f"re-normalised (cosine to source: mean {to_source.mean():.3f}, "
        f"min {to_source.min():.3f})"
    )

    with database(args.database_url) as url:
        dialect = url.split(":", 1)[0].split("+", 1)[0]
        migrate(url)
        engine = create_db_engine(url)
        progress(f"inserting {args.tickets} tickets into a fresh {dialect} database")
        insert_ms, ids = timed(lambda: insert_tickets(engine, source_pairs, vectors, 0))
        progress(f"inserted in {insert_ms / 1000:.1f} s")
        work = Workload(engine, queries, source_pairs, source_vectors, vectors, ids)
        results = measure(args, work)
        engine.dispose()
    report(args, dialect, insert_ms, results)


@dataclass
class Workload:
    """The filled database and what it was filled with: `ids[i]` is the ticket of `vectors[i]`."""

    engine: Engine
    queries: list[str]
    source_pairs: list[tuple[str, str]]
    source_vectors: np.ndarray
    vectors: np.ndarray
    ids: list[uuid.UUID]


def measure(args: argparse.Namespace, work: Workload) -> dict[str, Any]:
    """Every number of the report, supportbot's and the baselines'.

    The machine is shared, so the per-query numbers are taken query by query, all paths in turn,
    and a burst of load elsewhere hits them alike. Searches are timed right after the throttled
    freshness check ran, so that check (once a second per process) is measured on its own.
    """
    results: dict[str, Any] = {
        "torch_threads": torch.get_num_threads(),
        "blas_threads": next(  # numpy's: the one the search uses
            (pool["num_threads"] for pool in threadpool_info() if "numpy" in pool["filepath"]),
            "?",
        ),
    }

    # Cold build: a new index (and engine) loads every row, as a fresh worker process does.
    builds = []
    for _ in range(3):
        cold_engine = create_db_engine(work.engine.url.render_as_string(hide_password=False))
        cold = ticket_index(cold_engine)
        rss_before = resident_mb()
        builds.append(timed(lambda cold=cold: cold.refresh(force=True))[0])
        results.setdefault("index_rss_mb", resident_mb() - rss_before)  # the first build's
        cold_engine.dispose()
    results["cold_build_ms"] = builds
    progress(f"cold build: {', '.join(f'{ms / 1000:.2f} s' for ms in builds)}")
    index = ticket_index(work.engine)
    index.refresh(force=True)
    assert len(index) == args.tickets, (len(index), args.tickets)
    results["matrix_mb"] = index._vectors.nbytes / 1e6
    results["matrix_used_mb"] = len(index) * work.vectors.shape[1] * work.vectors.itemsize / 1e6
    retriever = IndexRetriever(index=index, to_document=ticket_document, k=2, min_score=-1.0)

    # Baseline: langchain-core's InMemoryVectorStore holding the same vectors.
    gc.collect()
    rss_before = resident_mb()
    documents = [Document(page_content=f"ticket {i}") for i in range(args.tickets)]
    store = InMemoryVectorStore(PrecomputedEmbeddings(work.vectors))
    ids = [str(row_id) for row_id in work.ids]
    results["store_build_ms"] = timed(lambda: store.add_documents(documents, ids=ids))[0]
    results["store_rss_mb"] = resident_mb() - rss_before
    progress(f"InMemoryVectorStore filled in {results['store_build_ms'] / 1000:.1f} s")

    embed(["warm-up question about an order"])
    timings: dict[str, list[float]] = defaultdict(list)
    agree = 0
    for i, query in enumerate(work.queries):
        # (a) the MiniLM query embedding, uncached: each query is new here.
        ms, vector = timed(lambda query=query: embed([query])[0])
        timings["embed_ms"].append(ms)
        # (b) the search alone, k=2 and k=10.
        index.refresh()
        for k in (2, 10):
            ms, hits = timed(lambda vector=vector, k=k: index.search(vector, k))
            timings[f"search{k}_ms"].append(ms)
        top2 = [str(row_id) for row_id, _ in hits[:2]]
        # (c) the whole retriever: embed + search + 2 rows from the database (min_score -1:
        # always k rows), with the embedding cache emptied so the query is embedded again.
        embeddings.forget_cached_embeddings()
        index.refresh()
        ms, context = timed(lambda query=query: retriever.invoke(query))
        assert len(context) == 2
        timings["invoke_ms"].append(ms)
        if i < args.store_queries:
            ms, found = timed(lambda v=vector: store.similarity_search_by_vector(v.tolist(), k=2))
            timings["store_ms"].append(ms)
            agree += [document.id for document in found] == top2
        if i < args.naive_queries:
            ms, naive = timed(lambda v=vector: naive_search(work.engine, v, 2))
            timings["naive_ms"].append(ms)
            assert [str(row_id) for row_id in naive] == top2
        if (i + 1) % 25 == 0 or i + 1 == len(work.queries):
            progress(
                f"{i + 1}/{len(work.queries)} queries; p50 so far: "
                + ", ".join(f"{key[:-3]} {percentiles(v)[0]:.1f} ms" for key, v in timings.items())
            )
    results.update(timings)
    results["store_agree"] = agree

    # The freshness check when nothing changed: count + max(updated_at), no rows loaded.
    results["check_ms"] = [timed(lambda: index.refresh(force=True))[0] for _ in range(20)]
    progress(f"freshness check: p50 {percentiles(results['check_ms'])[0]:.1f} ms")

    # Picking up new tickets: insert, then one refresh loads only the new rows.
    noise_rng = np.random.default_rng(args.seed + 1)
    offset = args.tickets
    for count in (1, 1000):
        time.sleep(0.01)  # the new rows' updated_at is later than the newest indexed one
        new = synthetic_vectors(work.source_vectors, count, args.noise, noise_rng, offset)
        new_ids = insert_tickets(work.engine, work.source_pairs, new, offset)
        offset += count
        results[f"pickup{count}_ms"] = timed(lambda: index.refresh(force=True))[0]
        assert len(index) == offset and all(i in index._positions for i in new_ids)
        found = index.search(new[0], 1)[0][0]
        assert found == new_ids[0], "a new ticket is not its own nearest neighbour"
        progress(f"picked up {count} new: {results[f'pickup{count}_ms']:.1f} ms")
    return results


def report(args: argparse.Namespace, dialect: str, insert_ms: float, r: dict[str, Any]) -> None:
    """Print the tables (markdown) and the speed-ups."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    print()
    print(
        f"{args.tickets} approved tickets in {dialect} (bulk insert {insert_ms / 1000:.1f} s), "
        f"synthetic vectors from {args.sources} real MiniLM embeddings; "
        f"{len(r['embed_ms'])} held-out customer questions; {cpu}, {os.cpu_count()} CPUs, "
        f"{r['torch_threads']} torch threads, {r['blas_threads']} numpy BLAS threads, "
        f"load average {os.getloadavg()[1]:.1f} (5 min)"
    )
    print()
    print("| per query | p50 | p95 | queries |")
    print("|---|---|---|---|")
    rows = [
        ("MiniLM query embedding (uncached)", "embed_ms"),
        ("`EmbeddingIndex.search`, k=2", "search2_ms"),
        ("`EmbeddingIndex.search`, k=10", "search10_ms"),
        ("`IndexRetriever.invoke`, k=2 (embed + search + 2 rows)", "invoke_ms"),
        ("baseline: `InMemoryVectorStore.similarity_search_by_vector`, k=2", "store_ms"),
        ("baseline: read all embeddings from the DB, k=2", "naive_ms"),
    ]
    for label, key in rows:
        p50, p95 = percentiles(r[key])
        print(f"| {label} | {p50:.2f} ms | {p95:.2f} ms | {len(r[key])} |")
    print()
    print("| once | time / size |")
    print("|---|---|")
    builds = r["cold_build_ms"]
    print(
        f"| index cold build (first refresh), 3 runs | "
        f"{' / '.join(f'{ms / 1000:.2f} s' for ms in builds)} |"
    )
    print(
        f"| index matrix memory | {r['matrix_mb']:.0f} MB allocated "
        f"({r['matrix_used_mb']:.0f} MB used); process grew {r['index_rss_mb']:.0f} MB |"
    )
    check50, check95 = percentiles(r["check_ms"])
    print(f"| freshness check, nothing changed | {check50:.1f} ms (p95 {check95:.1f} ms) |")
    print(f"| pick up 1 new ticket | {r['pickup1_ms']:.1f} ms |")
    print(f"| pick up 1,000 new tickets | {r['pickup1000_ms']:.1f} ms |")
    print(
        f"| baseline: fill `InMemoryVectorStore` | {r['store_build_ms'] / 1000:.2f} s; "
        f"process grew {r['store_rss_mb']:.0f} MB |"
    )
    print()
    search = percentiles(r["search2_ms"])[0]
    print(
        f"search k=2 speed-up (p50): {percentiles(r['store_ms'])[0] / search:.0f}x over "
        f"InMemoryVectorStore, {percentiles(r['naive_ms'])[0] / search:.0f}x over reading "
        f"all embeddings from the DB; top-2 identical to InMemoryVectorStore for "
        f"{r['store_agree']}/{len(r['store_ms'])} queries"
    )
    print(
        "searches are timed just after the throttled freshness check; one search per second "
        f"per process also runs that check ({check50:.0f} ms p50 here)"
    )


if __name__ == "__main__":
    main()
