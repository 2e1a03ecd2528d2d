"""End-to-end bot bench: N users each asking M questions in turn, through the Bot API stand-in.

The real Application polls tests/botapi_standin.py over HTTP on 127.0.0.1; latency runs from the update being
queued to the answer's sendMessage reaching the stand-in. Prints a Markdown table (header and one row).

    .venv/bin/python bench/bench_bot.py [--users 20] [--questions 10] [--index DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from angui.answer.service import AnswerService, open_service  # noqa: E402
from angui.bot.telegram_app import build_application  # noqa: E402
from angui.ingest.pipeline import ingest_paths  # noqa: E402
from angui.kb import KnowledgeBase  # noqa: E402
from angui.settings import load_settings  # noqa: E402

from botapi_standin import BotApiStandIn  # noqa: E402

QUESTIONS = ["有限空间作业检查哪些内容？", "三同时是什么？", "安全生产法第四十一条", "安全生产标准化什么时候完成？",
             "隐患清零行动聚焦哪些行业？", "谁负责推进安全设施设计诊断？", "今天天气怎么样？", "应急预案演练怎么做？"]


def open_index(index: Path | None, scratch: Path) -> AnswerService:
    """The answer service over --index, or over a scratch index of knowledge/ built now."""
    if index is None:
        index = scratch / "index"
        settings = load_settings(index_dir=index, catalog=REPO / "knowledge" / "catalog.toml")
        ingest_paths(KnowledgeBase(settings), [REPO / "knowledge"], echo=lambda _: None, show_progress=False)
    return open_service(load_settings(index_dir=index, catalog=REPO / "knowledge" / "catalog.toml"))


async def user_session(api: BotApiStandIn, replies: dict[int, asyncio.Queue], user: int, count: int,
                       latencies: list[float]) -> None:
    """One user: ask, wait for the answer, ask the next question."""
    for i in range(count):
        sent = time.monotonic()
        api.send_text(user, QUESTIONS[(user + i) % len(QUESTIONS)])
        answered = await asyncio.wait_for(replies[user].get(), 60)
        latencies.append(answered - sent)


async def bench(service: AnswerService, users: int, questions: int) -> tuple[float, list[float]]:
    """Seconds taken and per-question latencies for users × questions."""
    loop = asyncio.get_running_loop()
    ids = range(1000, 1000 + users)
    replies: dict[int, asyncio.Queue] = {u: asyncio.Queue() for u in [*ids, 1]}
    latencies: list[float] = []

    def on_call(entry: dict) -> None:
        result = entry["result"]
        if entry["method"] == "sendMessage" and entry["ok"] and "reply_markup" in result:
            loop.call_soon_threadsafe(replies[result["chat"]["id"]].put_nowait, entry["time"])

    with BotApiStandIn() as api:
        api.listeners.append(on_call)
        settings = service.settings.model_copy(update={
            "telegram_bot_token": api.token, "telegram_base_url": api.base_url, "allowed_users": frozenset(),
            "allowed_chats": frozenset(), "rate_limit": 10**6})
        app = build_application(settings, service)
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0)
            await user_session(api, replies, 1, 2, [])  # warm-up
            start = time.monotonic()
            await asyncio.gather(*(user_session(api, replies, u, questions, latencies) for u in ids))
            elapsed = time.monotonic() - start
            await app.updater.stop()
            await app.stop()
    return elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10, help="questions per user")
    parser.add_argument("--index", type=Path, help="existing index dir (default: ingest knowledge/ into a temp dir)")
    parser.add_argument("--readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="angui-bench-bot-") as scratch:
        service = open_index(args.index, Path(scratch))
        elapsed, latencies = asyncio.run(bench(service, args.users, args.questions))
    ms = sorted(x * 1000 for x in latencies)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    table = "\n".join([
        "End to end through the Bot API stand-in (HTTP on 127.0.0.1, real python-telegram-bot Application):", "",
        "| users × questions | answers | msg/s | p50 ms | p95 ms |", "| --- | --- | --- | --- | --- |",
        f"| {args.users} × {args.questions} | {len(ms)} | {len(ms) / elapsed:.1f} | {statistics.median(ms):.0f} | {p95:.0f} |",
    ])
    print(table)
    if args.readme:
        from bench.bench_ingest import write_readme

        write_readme(table, "bot")


if __name__ == "__main__":
    main()
