"""Deployment files, checked statically (no Docker engine here): docker-compose.yml, Dockerfile, .env.example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from angui.settings import Settings, env_name

REPO = Path(__file__).resolve().parents[1]
VARIABLE = re.compile(r"^#? ?([A-Z][A-Z0-9_]+)=")
KB_ENV = {"ANGUI_CHROMA_URL": "http://chroma:8000", "ANGUI_INDEX_DIR": "/data/index"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def test_services_and_volumes(compose: dict) -> None:
    assert set(compose["services"]) == {"chroma", "web", "bot", "dingtalk", "ingest"}
    assert set(compose["volumes"]) == {"chroma-data", "angui-data"}
    chroma = compose["services"]["chroma"]
    assert chroma["image"].startswith("chromadb/chroma")
    assert "chroma-data:/data" in chroma["volumes"]


def test_chroma_healthcheck_uses_heartbeat_without_curl(compose: dict) -> None:
    test = compose["services"]["chroma"]["healthcheck"]["test"]
    assert test[:3] == ["CMD", "bash", "-c"]
    assert "/api/v2/heartbeat" in test[3] and "/dev/tcp/127.0.0.1/8000" in test[3]
    assert "$$status" in test[3]  # escaped from compose interpolation


def test_bot_service(compose: dict) -> None:
    bot = compose["services"]["bot"]
    assert bot["build"] == "." and bot["env_file"] == ".env" and bot["restart"] == "unless-stopped"
    assert bot["environment"] == KB_ENV
    assert "angui-data:/data" in bot["volumes"]
    assert bot["depends_on"] == {"chroma": {"condition": "service_healthy"}}
    assert "command" not in bot  # the image's CMD: angui bot


def test_web_service_shares_the_index_and_chroma(compose: dict) -> None:
    web = compose["services"]["web"]
    assert web["image"] == compose["services"]["bot"]["image"] and web["env_file"] == ".env"
    assert web["command"] == ["angui", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert web["environment"] == KB_ENV and "angui-data:/data" in web["volumes"] and web["ports"] == ["8000:8000"]
    assert web["depends_on"] == {"chroma": {"condition": "service_healthy"}}
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    robot = compose["services"]["dingtalk"]
    assert robot["profiles"] == ["dingtalk"] and robot["command"][:2] == ["angui", "dingtalk"]
    assert robot["environment"] == {"ANGUI_DINGTALK_API_URL": "http://web:8000"}
    assert robot["depends_on"] == {"web": {"condition": "service_healthy"}}


def test_ingest_service(compose: dict) -> None:
    ingest = compose["services"]["ingest"]
    assert ingest["profiles"] == ["tools"] and ingest["command"] == ["angui", "ingest", "/app/knowledge"]
    assert ingest["image"] == compose["services"]["bot"]["image"]
    assert ingest["environment"] == KB_ENV and ingest["env_file"] == ".env"
    assert ingest["depends_on"] == {"chroma": {"condition": "service_healthy"}}


def test_dockerfile() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert re.search(r"apt-get install .*\bantiword\b", text) and re.search(r"apt-get install .*\bcatdoc\b", text)
    assert re.search(r"^RUN pip wheel --no-deps .* \.$", text, re.M)  # the wheel tests/test_wheel.py installs
    assert re.search(r"^RUN pip install /wheels/angui-\*\.whl", text, re.M)
    assert "COPY knowledge /app/knowledge" in text  # the image installs the wheel, not the source tree
    assert re.search(r"^USER (?!root)\w+", text, re.M)
    assert 'CMD ["angui", "bot"]' in text


def test_env_example_lists_every_variable() -> None:
    text = (REPO / ".env.example").read_text(encoding="utf-8")
    listed = {m[1] for line in text.splitlines() if (m := VARIABLE.match(line))}
    assert listed == {env_name(name) for name in Settings.model_fields}
    comments = [line for line in text.splitlines() if line.startswith("#") and not VARIABLE.match(line)]
    assert comments and all(re.search(r"[\u4e00-\u9fff]", line) for line in comments)
