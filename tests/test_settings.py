"""One settings object: every variable in .env.example is known, and any non-default value says why."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from angui.settings import DEFAULT_EMBED_MAX_CHARS, DEFAULT_K, Settings, env_name

from helpers import REPO

ASSIGN = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
COMMENTED = re.compile(r"^#\s*([A-Z][A-Z0-9_]*)=")
WHY = "非默认"  # a comment that explains a non-default value contains this word


def entries(text: str) -> list[tuple[str, str | None, list[str]]]:
    """(variable, value or None when commented out, the comment lines just above it) of an env file."""
    out: list[tuple[str, str | None, list[str]]] = []
    comments: list[str] = []
    for line in text.splitlines():
        if m := ASSIGN.match(line):
            out.append((m[1], m[2], comments))
        elif m := COMMENTED.match(line):
            out.append((m[1], None, comments))
        elif line.startswith("#"):
            comments.append(line)
            continue
        comments = []
    return out


def problems(env_file: Path) -> list[str]:
    """Unknown variables, and variables set to a non-default value without a comment saying why."""
    known = {env_name(name): name for name in Settings.model_fields}
    found = entries(env_file.read_text(encoding="utf-8"))
    out = [f"{key}: unknown variable" for key, _, _ in found if key not in known]
    loaded, default = Settings(_env_file=env_file), Settings(_env_file=None)
    for key, value, comments in found:
        name = known.get(key)
        if name and value is not None and getattr(loaded, name) != getattr(default, name):
            if not any(WHY in c for c in comments):
                out.append(f"{key}={value}: differs from the default {getattr(default, name)!r} without a reason")
    return out


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(env_name(name), raising=False)


def test_env_example_matches_settings() -> None:
    assert problems(REPO / ".env.example") == []


def test_checker_catches_unknown_and_unexplained(tmp_path: Path) -> None:
    env = tmp_path / "example.env"
    env.write_text("# 索引目录\nANGUI_INDEX_DIR=data/index\nANGUI_NO_SUCH=1\n# 稠密窗口\nANGUI_EMBED_MAX_CHARS=256\n"
                   f"# 每个答案引用 8 条（{WHY}：培训材料需要更多依据）\nANGUI_ANSWER_K=8\n", encoding="utf-8")
    assert problems(env) == ["ANGUI_NO_SUCH: unknown variable",
                             f"ANGUI_EMBED_MAX_CHARS=256: differs from the default {DEFAULT_EMBED_MAX_CHARS} without a reason"]


def test_defaults_and_empty_values(tmp_path: Path) -> None:
    env = tmp_path / "empty.env"
    env.write_text("ANGUI_CHROMA_URL=\nANGUI_ALLOWED_USERS=\nANGUI_ANSWER_K=\n", encoding="utf-8")
    settings = Settings(_env_file=env)
    assert settings.chroma_url is None and settings.allowed_users == frozenset() and settings.answer_k == DEFAULT_K


def test_bad_value_is_named_by_the_cli(tmp_path: Path) -> None:
    from helpers import cli_env, run_cli

    proc = run_cli("stats", "--index", str(tmp_path / "idx"), env=cli_env(ANGUI_ALLOWED_USERS="alice"))
    assert proc.returncode == 1 and "设置有误" in proc.stderr and "ANGUI_ALLOWED_USERS" in proc.stderr  # the variable, as the user wrote it
