"""Data files of the read path (`*.toml`), shipped as package data and read through importlib.resources."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files


@cache
def load(name: str) -> dict:
    """A TOML data file of this package by name, e.g. `load("anchors.toml")`."""
    return tomllib.loads(files(__name__).joinpath(name).read_text(encoding="utf-8"))
