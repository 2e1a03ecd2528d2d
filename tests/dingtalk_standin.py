"""A stand-in for the DingTalk platform's side of an outgoing robot (企业内部机器人 HTTP 回调): it POSTs a group
message that @-mentions the robot to the robot's callback URL, signed as DingTalk signs it, and returns the reply."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid

import httpx


def dingtalk_sign(timestamp: str, secret: str) -> str:
    """DingTalk's header `sign`: Base64 of HMAC-SHA256 with the AppSecret as key over "timestamp\\nAppSecret"."""
    return base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()).decode()


class DingTalkStandIn:
    """Sends messages to a robot callback as DingTalk would; `secret` is the robot's AppSecret."""

    def __init__(self, callback_url: str, secret: str) -> None:
        self.callback_url, self.secret = callback_url, secret

    def message(self, content: str) -> dict:
        """A group-chat message body as DingTalk sends it (the robot's @-mention already stripped from content)."""
        return {"msgtype": "text", "text": {"content": f" {content}"}, "msgId": uuid.uuid4().hex,
                "createAt": int(time.time() * 1000), "conversationType": "2", "conversationId": "cid-test",
                "conversationTitle": "区应急局工贸科", "senderId": "staff-1", "senderNick": "张科长",
                "senderCorpId": "corp-1", "senderStaffId": "0001", "chatbotUserId": "bot-1", "isAdmin": False,
                "sessionWebhook": "http://127.0.0.1:9/unused", "sessionWebhookExpiredTime": 0,
                "atUsers": [{"dingtalkId": "bot-1"}]}

    def send(self, content: str, *, timestamp: str | None = None, secret: str | None = None,
             headers: dict[str, str] | None = None) -> httpx.Response:
        """POST one message; `timestamp`/`secret` override the signing (to test refusals)."""
        ts = timestamp or str(int(time.time() * 1000))
        signed = {"timestamp": ts, "sign": dingtalk_sign(ts, secret or self.secret)}
        return httpx.post(self.callback_url, json=self.message(content), headers=headers if headers is not None else signed,
                          timeout=60)
