"""Everything the Telegram bot says on its own (Simplified Chinese), apart from answers and ingest reports."""

from __future__ import annotations

HELP = (
    "您好，我是安规助手：回答安全生产法规问题，每个答案都注明出处（文件、版本、条款）。\n\n"
    "直接发送问题即可，例如：\n• 有限空间作业检查哪些内容？\n• 安全生产法第四十一条\n• 三同时是什么？\n\n"
    "答案下方的按钮：「原文」查看所引条文全文，「更多依据」查看其他相关条文，👍/👎 评价答案。\n"
    "在群组中，请 @我、回复我的消息，或发送 /ask 问题。\n\n"
    "/ask 问题 — 提问\n/check 主题 [行业] — 自查检查表（附 Word 文件）\n/quiz 主题 — 练习题\n"
    "/outline 主题 — 课程大纲\n/diff 文件名称 — 版本对比\n/sources — 已入库文档\n/help — 使用说明"
)
ADMIN_HELP = "\n\n管理员：\n/reload — 重新加载索引\n私聊发送 PDF、DOCX、XLSX、TXT、CSV、MD 文件即可导入知识库。"
COMMANDS = [("ask", "提问：/ask 问题"), ("check", "检查表：/check 主题"), ("quiz", "练习题：/quiz 主题"),
            ("outline", "课程大纲：/outline 主题"), ("diff", "版本对比：/diff 文件名称"), ("sources", "已入库文档"),
            ("help", "使用说明"), ("start", "开始")]
REFUSAL = "抱歉，您没有使用本机器人的权限。"
ERROR_TEXT = "抱歉，处理出错，请稍后再试。"
EXPIRED = "该回答已过期，请重新提问。"
ADMIN_ONLY = "抱歉，该命令仅限管理员使用。"
UPLOAD_REFUSED = "抱歉，只有管理员可以上传文档入库。如需提问，请直接发送文字。"
ASK_USAGE = "用法：/ask 问题，例如 /ask 三同时是什么？"
SLOW_DOWN = "您提问太频繁了，请 {seconds} 秒后再试（每分钟最多 {limit} 个问题）。"
SEARCHING_MORE = "正在查找更多依据……"
NO_MORE = "没有找到更多相关依据。"
THANKS = "感谢反馈 {vote}"
SOURCES_SENT = "原文已发送，请查看上方消息。"
DESK_USAGE = {
    "check": "用法：/check 主题 [行业]，例如 /check 粉尘涉爆、/check 煤气 冶金",
    "quiz": "用法：/quiz 主题，例如 /quiz 有限空间",
    "outline": "用法：/outline 主题，例如 /outline 应急预案",
    "diff": "用法：/diff 文件名称，例如 /diff 应急预案管理办法",
}
NOTHING_FOUND = "知识库中没有找到“{topic}”的相关条文。"
IMPORTING = "正在导入 {name}……"
WRITING = "正在组织答案（大模型生成，完成后逐句核验）……"
RELOADED = "索引已重新加载，共 {count} 个文档。"
TOKEN_REJECTED = "出错：Telegram 拒绝了机器人令牌（TELEGRAM_BOT_TOKEN），请向 @BotFather 核对后重新填写。"
API_UNREACHABLE = "出错：无法连接 Telegram Bot API（{url}，ANGUI_TELEGRAM_BASE_URL）：{reason}"
NO_TOKEN = "未设置 TELEGRAM_BOT_TOKEN：请在环境变量或 .env 中填写从 @BotFather 获得的机器人令牌。"
NO_WEBHOOKS = '使用 Webhook 需要 pip install "python-telegram-bot[webhooks]"；或不设 ANGUI_WEBHOOK_URL，改用长轮询。'
