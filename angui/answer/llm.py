"""LLM-written answers (ANGUI_ANSWER_MODE=llm): langchain's ChatOpenAI against any OpenAI-compatible endpoint, with
prompts from prompts/llm.toml, over the sources the extractive answer cites; every sentence is verified before it
is shown, and a failed, empty or unverifiable reply falls back to the extractive answer with a warning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from angui.answer.model import Answer, Citation, Statement
from angui.answer.verify import NOT_SUPPORTED, check, renumber, split
from angui.prompts import load as load_prompts
from angui.settings import Settings
from angui.text import compact

PROMPTS = "llm.toml"
FALLBACK = "大模型未能给出可核验的回答（{why}），以下为原文摘录。"
Token = Callable[[str], None]


def source_block(sources: list[Citation]) -> str:
    """The numbered sources as the prompt shows them: label line, then the text fenced as data."""
    return "\n\n".join(f"[{c.n}] 《{c.doc}》{c.edition}（{c.status}）{c.loc}\n<<<来源\n{c.text}\n来源>>>" for c in sources)


def prompt_template():
    """The chat prompt (system + answer) from prompts/llm.toml."""
    from langchain_core.prompts import ChatPromptTemplate

    data = load_prompts(PROMPTS)
    return ChatPromptTemplate.from_messages([("system", data["system"]), ("human", data["answer"])])


def chat_model(settings: Settings, streaming: bool = False):
    """ChatOpenAI for the configured endpoint (the timeout and retries from the settings)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(base_url=settings.llm_base_url, model=settings.llm_model, api_key=settings.llm_api_key or "none",
                      timeout=settings.llm_timeout, max_retries=settings.llm_retries, streaming=streaming, temperature=0)


class LLMAnswerer:
    """Writes an answer from the extractive answer's sources and keeps only what the sources support."""

    def __init__(self, ask: Callable[[str, int], Answer], settings: Settings, holds: Callable[[str, str], bool]) -> None:
        self._ask, self.settings, self.holds = ask, settings, holds
        self._prompt = prompt_template()
        self._guidance = load_prompts(PROMPTS)["guidance"]

    def ask(self, question: str, k: int, on_token: Token | None = None) -> Answer:
        """The verified LLM answer, or the extractive one (with a warning) when the model fails or nothing holds."""
        base = self._ask(question, k)
        if not base.found or not base.citations:  # sources are silent: the model is not asked
            return base
        intent = str(base.signals.get("intent", "general"))
        messages = self._prompt.format_messages(question=question, sources=source_block(base.citations),
                                                guidance=self._guidance.get(intent, self._guidance["general"]))
        try:
            reply = self._reply(messages, on_token)
        except Exception as exc:  # timeouts, refused connections, API errors: all end in the fallback
            return _fallback(base, f"{type(exc).__name__}")
        if not reply.strip():
            return _fallback(base, "回复为空")
        return self._verified(base, reply)

    def _reply(self, messages, on_token: Token | None) -> str:
        if on_token is None:
            return str(chat_model(self.settings).invoke(messages).content)
        parts = []
        for chunk in chat_model(self.settings, streaming=True).stream(messages):
            piece = str(chunk.content)
            parts.append(piece)
            on_token(piece)
        return "".join(parts)

    def _verified(self, base: Answer, reply: str) -> Answer:
        checked = [check(s, base.citations, self.holds) for s in split(reply)]
        if any(compact(NOT_SUPPORTED) in compact(c.text) for c in checked):
            return _fallback(base, "模型认为依据不足")
        texts, used = renumber(checked)
        dropped = [f"已删去未通过核验的一句（{c.reason}）：{c.text[:40]}" for c in checked if not c.ok and c.reason]
        if not texts:
            return _fallback(base, "没有一句能与来源核对一致", dropped)
        by_n = {c.n: c for c in base.citations}
        citations = [replace(by_n[old], n=new) for new, old in enumerate(used, 1)]
        return Answer(base.question, True, [Statement(t) for t in texts], [], citations, dropped, mode="llm",
                      signals=base.signals,
                      sentences=[{"text": c.text, "cites": c.cites, "ok": c.ok, "reason": c.reason} for c in checked])


def _fallback(base: Answer, why: str, dropped: list[str] = ()) -> Answer:
    """The extractive answer, saying why the model's reply is not shown and what was struck from it."""
    return replace(base, warnings=[FALLBACK.format(why=why), *dropped, *base.warnings], mode="extractive")
