"""Request bodies of the HTTP API (pydantic; unknown fields are refused so a misspelt one is not silently ignored)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from angui.answer.topic import INDUSTRIES

MAX_QUESTION_CHARS = 1000  # the default of ANGUI_MAX_QUESTION_CHARS; the routes apply the configured value
MAX_TOPIC_CHARS = 50
MAX_K = 20
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TOPIC_CHARS)]
Format = Literal["json", "md", "docx"]
Industry = Literal[("",) + tuple(INDUSTRIES)]  # type: ignore[valid-type]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AskBody(Body):
    question: Text = Field(description="问题")
    k: int | None = Field(default=None, ge=1, le=MAX_K, description="引用条数（默认 ANGUI_ANSWER_K）")
    stream: bool = Field(default=False, description="true：以 server-sent events 返回（大模型模式下逐字返回）")
    llm: bool | None = Field(default=None, description="由大模型组织答案（默认看 ANGUI_ANSWER_MODE）")


class ChecklistBody(Body):
    topic: Topic = Field(description="检查主题，如 粉尘涉爆、有限空间")
    industry: Industry = Field(default="", description="行业（筛选手册条目）")
    format: Format = "json"


class QuizBody(Body):
    topic: Topic = Field(description="出题主题")
    n: int = Field(default=10, ge=1, le=50, description="题数")
    format: Format = "json"


class OutlineBody(Body):
    topic: Topic = Field(description="课程主题")
    format: Format = "json"


class CitedRef(Body):
    doc: Annotated[str, StringConstraints(max_length=200)]
    loc: Annotated[str, StringConstraints(max_length=100)]


class FeedbackBody(Body):
    question: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION_CHARS)]
    vote: Literal["up", "down"]
    citations: list[CitedRef] = Field(default_factory=list, max_length=50)
