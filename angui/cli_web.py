"""Web commands of the `angui` CLI: `angui serve` (page and HTTP API) and `angui dingtalk` (the robot adapter)."""

from __future__ import annotations

import secrets
import socket
from pathlib import Path
from typing import Annotated

import typer

from angui.cli import IndexOpt, _settings, app

HostOpt = Annotated[str, typer.Option("--host", help="监听地址（内网部署用 0.0.0.0）")]
TEMP_TOKEN = ("未设置 ANGUI_API_TOKENS / ANGUI_ADMIN_TOKENS：本次运行生成临时管理员口令 {token}\n"
              "（只在本进程有效；正式部署请在 .env 中设置口令）")


def _port_free(host: str, port: int) -> None:
    """End with one line when the port is taken (uvicorn would print an English traceback-like error)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            typer.echo(f"无法监听 {host}:{port}：{exc.strerror or exc}（端口已被占用或地址无效）。", err=True)
            raise typer.Exit(1) from exc


@app.command()
def serve(
    host: HostOpt = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="端口")] = 8000,
    index: IndexOpt = None,
) -> None:
    """启动网页与 HTTP 接口（FastAPI）：浏览器打开 http://<地址>:<端口>/ ，接口文档在 /docs。"""
    import uvicorn

    from angui.answer.service import open_service
    from angui.web.app import create_app

    settings = _settings(index)
    _port_free(host, port)
    if not settings.api_tokens and not settings.admin_tokens:
        token = secrets.token_urlsafe(12)
        settings = settings.model_copy(update={"admin_tokens": (token,)})
        typer.echo(TEMP_TOKEN.format(token=token))
    service = open_service(settings)
    typer.echo(f"安规助手网页：http://{host}:{port}/ （接口文档 /docs；知识库 {len(service.documents())} 个文档）")
    uvicorn.run(create_app(settings, service), host=host, port=port, log_level="warning", access_log=False)


@app.command()
def dingtalk(
    host: HostOpt = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="端口")] = 8010,
    index: Annotated[Path | None, typer.Option("--index", hidden=True)] = None,
) -> None:
    """启动钉钉机器人回调（POST /dingtalk）：校验签名，经 ANGUI_DINGTALK_API_URL 的接口提问，以 markdown 回复。"""
    import uvicorn

    from angui.web.dingtalk import create_dingtalk_app

    settings = _settings(index)
    missing = [name for name, value in (("ANGUI_DINGTALK_SECRET", settings.dingtalk_secret),
                                        ("ANGUI_DINGTALK_API_TOKEN", settings.dingtalk_api_token)) if not value]
    if missing:
        typer.echo(f"请先设置 {'、'.join(missing)}。", err=True)
        raise typer.Exit(1)
    _port_free(host, port)
    typer.echo(f"钉钉机器人回调：http://{host}:{port}/dingtalk → {settings.dingtalk_api_url}")
    uvicorn.run(create_dingtalk_app(settings), host=host, port=port, log_level="warning", access_log=False)
