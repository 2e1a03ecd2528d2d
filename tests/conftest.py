"""Shared fixtures: where the real corpus lives (../shared/corpus, read-only)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("ANGUI_CORPUS", REPO.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder; tests over real files need it."""
    if not CORPUS.is_dir():
        pytest.fail(f"corpus not found at {CORPUS} (set ANGUI_CORPUS)")
    return CORPUS
