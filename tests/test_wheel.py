"""The installed program: build the wheel, install it into a fresh venv outside the repo (no network), use it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from helpers import REPO, SEED

pytestmark = pytest.mark.slow
SOURCE_IGNORE = shutil.ignore_patterns(".git", ".venv", "data", "build", "*.egg-info", "__pycache__", ".pytest_cache")
QUESTION = "重点行业领域重大隐患清零行动的完成时限是什么？"


def _run(*cmd: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{cmd}: {proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A venv holding only the built wheel, with this environment's site-packages visible for the dependencies."""
    root = tmp_path_factory.mktemp("wheel")
    source, dist, venv = root / "src", root / "dist", root / "venv"
    shutil.copytree(REPO, source, ignore=SOURCE_IGNORE)  # build from a copy: no build/ or egg-info in the repo
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", dist, source,
         cwd=root)
    (wheel,) = dist.glob("angui-*.whl")
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=root)
    python = venv / "bin" / "python"
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=root).stdout.strip()
    Path(purelib, "outer-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", "--no-deps", "--find-links", dist,
         wheel, cwd=root)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANGUI_", "PYTHON"))}
    env |= {"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "ANGUI_INDEX_DIR": str(root / "index")}
    work = root / "elsewhere"
    work.mkdir()
    return work, env


def test_wheel_has_one_import_name_and_its_data(installed: tuple[Path, dict[str, str]]) -> None:
    work, env = installed
    code = ("import angui, angui.bot, angui.ingest, angui.answer, angui.web; from importlib.resources import files; "
            "print(angui.__file__); print(files('angui.prompts').joinpath('anchors.toml').is_file()); "
            "print(all(files('angui.web').joinpath('static', f).is_file() for f in ('index.html', 'app.js', 'app.css')))")
    out = _run("python", "-c", code, cwd=work, env=env).stdout.split()
    assert "site-packages" in out[0] and str(REPO) not in out[0] and out[1] == "True" and out[2] == "True"
    for name in ("bot", "ingest", "prompts"):
        proc = subprocess.run(["python", "-c", f"import {name}"], cwd=work, env=env, capture_output=True, text=True)
        assert proc.returncode != 0 and "ModuleNotFoundError" in proc.stderr, name


def test_installed_cli_ingests_and_answers(installed: tuple[Path, dict[str, str]]) -> None:
    work, env = installed
    _run("angui", "ingest", SEED, cwd=work, env=env)
    result = json.loads(_run("angui", "ask", "--json", QUESTION, cwd=work, env=env).stdout)
    assert result["found"] and result["mode"] == "extractive"
    assert result["citations"][0]["doc"] == "2022年雨花区工贸行业安全生产监督管理工作要点"
    assert "按市局规定时限推进" in result["answer"]
