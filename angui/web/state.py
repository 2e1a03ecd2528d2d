"""What every route is handed: settings, the answer service, the token gate and the feedback file."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from angui.answer.service import AnswerService
from angui.feedback import FeedbackStore
from angui.settings import Settings
from angui.web.access import Gatekeeper


@dataclass
class WebState:
    settings: Settings
    service: AnswerService
    gate: Gatekeeper
    feedback: FeedbackStore


def web(request: Request) -> WebState:
    """The shared state of the app serving this request."""
    return request.app.state.web
