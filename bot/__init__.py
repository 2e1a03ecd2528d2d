"""The Telegram channel: renders answers from `angui.answer` as messages with buttons."""
