"""Shared fixtures: where the real corpus lives (../shared/corpus, read-only)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


SEED = REPO / "knowledge"


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    """Run `python -m angui ARGS` in the repo root and capture its output."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "angui", *args], cwd=REPO, env=full_env, capture_output=True,
                          text=True, timeout=timeout, **kw)


def open_kb(index: Path):
    """A KnowledgeBase over an index dir, with the repo's catalog."""
    from angui.config import load_settings
    from angui.kb import KnowledgeBase

    return KnowledgeBase(load_settings(index_dir=index, catalog=REPO / "knowledge" / "catalog.toml"))


def ingest_into(index: Path, *paths: Path):
    """Ingest paths into an index quietly; returns the report."""
    from ingest.pipeline import ingest_paths

    return ingest_paths(open_kb(index), list(paths), echo=lambda s: None, show_progress=False)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index holding only the founding work-points document (built once per session)."""
    index = tmp_path_factory.mktemp("seed") / "index"
    ingest_into(index, SEED)
    return index


@pytest.fixture()
def seed_copy(seed_index, tmp_path) -> Path:
    """A private copy of the seed index that a test may change."""
    dest = tmp_path / "index"
    shutil.copytree(seed_index, dest)
    return dest
