# 安规助手 image: the `angui` CLI; runs the Telegram bot by default (`angui serve` for the web page and API).
# Stage 1 builds the wheel (the same artifact tests/test_wheel.py installs); stage 2 installs only that wheel.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . /src
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ANONYMIZED_TELEMETRY=False

# antiword (preferred) and catdoc convert legacy .doc files during ingest.
RUN apt-get update \
    && apt-get install -y --no-install-recommends antiword catdoc \
    && rm -rf /var/lib/apt/lists/*

COPY --from=build /wheels /wheels
RUN pip install /wheels/angui-*.whl && rm -rf /wheels

WORKDIR /app
COPY knowledge /app/knowledge

RUN useradd --create-home --uid 1000 angui \
    && mkdir -p /data/index \
    && chown -R angui:angui /data
USER angui

ENV ANGUI_INDEX_DIR=/data/index \
    ANGUI_CATALOG=/app/knowledge/catalog.toml
VOLUME ["/data"]
EXPOSE 8000

CMD ["angui", "bot"]
