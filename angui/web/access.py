"""Who may call the API: bearer tokens (ANGUI_API_TOKENS, admin ones in ANGUI_ADMIN_TOKENS) and a per-token rate limit."""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from angui.ratelimit import RateLimiter
from angui.web.errors import ApiError

WINDOW_S = 60.0
CALLER = "angui_caller"  # where the guard leaves the accepted caller in the request's state
NO_TOKEN = "需要访问口令：请在请求头加 Authorization: Bearer <口令>（向管理员索取）。"
BAD_TOKEN = "访问口令无效。"
NOT_ADMIN = "需要管理员口令。"
SLOW_DOWN = "请求过于频繁：每个口令每分钟最多 {limit} 次，请 {wait} 秒后再试。"


@dataclass(frozen=True)
class Caller:
    """An accepted token: its hash (what logs, limits and feedback see) and whether it is an admin's."""

    user: str
    admin: bool


class Gatekeeper:
    """Checks a request's bearer token against the configured ones and counts it against the rate limit."""

    def __init__(self, tokens: tuple[str, ...], admin_tokens: tuple[str, ...], per_minute: int) -> None:
        self.tokens = [(t.encode(), False) for t in tokens] + [(t.encode(), True) for t in admin_tokens]
        self.limit = per_minute
        self.limiter = RateLimiter(per_minute, WINDOW_S)

    def caller(self, header: str) -> Caller:
        """The caller for an Authorization header, or an ApiError (401: no token, or not one of ours)."""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, NO_TOKEN, "no_token", {"WWW-Authenticate": "Bearer"})
        given = token.strip().encode()
        matches = [admin for known, admin in self.tokens if hmac.compare_digest(known, given)]  # every token compared
        if not matches:
            raise ApiError(401, BAD_TOKEN, "bad_token", {"WWW-Authenticate": "Bearer"})
        return Caller(hashlib.sha256(given).hexdigest()[:16], any(matches))

    def count(self, caller: Caller) -> None:
        """Count one request against the caller's rate limit (an ApiError 429 when past it)."""
        if wait := self.limiter.acquire(caller.user):
            seconds = math.ceil(wait)
            raise ApiError(429, SLOW_DOWN.format(limit=self.limit, wait=seconds), "rate_limited",
                           {"Retry-After": str(seconds)})


async def reader(request: Request) -> Caller:
    """Dependency: the caller whose token `angui.web.guard` accepted, counted against its rate limit (on the event
    loop, so the limiter needs no lock)."""
    caller: Caller = getattr(request.state, CALLER)
    request.app.state.web.gate.count(caller)
    return caller


Reader = Annotated[Caller, Depends(reader)]


async def admin(caller: Reader) -> Caller:
    """Dependency: an admin token."""
    if not caller.admin:
        raise ApiError(403, NOT_ADMIN, "not_admin")
    return caller


Admin = Annotated[Caller, Depends(admin)]
