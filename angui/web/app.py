"""The FastAPI app of `angui serve`: the JSON API under /api, the page at /, OpenAPI docs at /docs (all assets
served from the package: the intranet it runs on has no internet)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from angui.answer.service import AnswerService
from angui.feedback import FEEDBACK_FILE, FeedbackStore
from angui.ingest.uploads import MB
from angui.settings import Settings
from angui.web import errors, routes_answer, routes_desk, routes_documents
from angui.web.access import Gatekeeper
from angui.web.guard import Guard
from angui.web.state import WebState

STATIC = Path(__file__).with_name("static")
TITLE = "安规助手 HTTP 接口"
DESCRIPTION = ("带出处的安全生产法规问答。除 /healthz 外，每个请求都需要 `Authorization: Bearer <口令>`（ANGUI_API_TOKENS；"
               "上传文档需管理员口令 ANGUI_ADMIN_TOKENS）。出错时返回 JSON：`{\"error\": \"中文说明\", \"code\": \"…\"}`。")


def create_app(settings: Settings, service: AnswerService) -> FastAPI:
    """The app over one answer service; tokens, rate limit and CORS origins come from the settings."""
    app = FastAPI(title=TITLE, description=DESCRIPTION, version="0.1.0", docs_url=None, redoc_url=None)
    gate = Gatekeeper(settings.api_tokens, settings.admin_tokens, settings.api_rate_limit)
    app.state.web = WebState(settings, service, gate, FeedbackStore(settings.index_dir / FEEDBACK_FILE))
    errors.install(app)
    app.add_middleware(Guard, gate=gate, max_upload_bytes=int(settings.max_file_mb * MB))
    if settings.cors_origins:  # off unless origins are named; outside the guard, so a preflight is answered
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "Content-Type"])
    for module in (routes_answer, routes_desk, routes_documents):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _docs(app)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    return app


def _docs(app: FastAPI) -> None:
    """Swagger UI at /docs from the vendored swagger-ui-bundle (FastAPI's default loads it from a CDN)."""
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=TITLE, swagger_js_url="/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/docs-assets/favicon-32x32.png")
