"""Compose an extractive, cited answer (the JSON contract shared by CLI, bot and eval)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.gate import Gate
from bot.retrieve import Hit, Retrieval, Retriever
from bot.sentences import best_sentences, coverage, fields, items, norm

CHECK_Q = re.compile(r"检查|查什么|怎么查|如何查|排查|要点|哪些内容|要求|措施|怎么做|如何做|注意|防范|怎么办|怎样")
DEADLINE_Q = re.compile(r"什么时候|何时|哪天|几月|几号|时限|期限|截止|多久|多长时间|完成时间|日期|时间节点")
WHO_Q = re.compile(r"谁|哪个部门|哪些部门|哪个单位|哪些单位|牵头|落实单位|责任单位|由.{0,6}负责")
AMOUNT_Q = re.compile(r"罚款|罚多少|多少钱|金额|处罚|罚金|赔偿")
FIELD_KEYS = {"deadline": ("完成时限", "时限", "期限"), "who": ("牵头单位", "落实单位", "责任单位", "责任部门")}
AMOUNT = re.compile(r"[0-9０-９一二三四五六七八九十百千万]+(?:万)?元")

NOT_FOUND = ("知识库中没有找到能回答这个问题的依据，不作回答。"
             "可以换个说法再问，例如写明文件名称、条款号或检查对象（如“有限空间作业检查哪些内容”“安全生产法第四十一条”）。")


@dataclass
class Composer:
    """Turns a retrieval into the answer JSON; no LLM involved."""

    retriever: Retriever
    gate: Gate

    def ask(self, question: str, k: int = 5) -> dict:
        """Answer one question as the JSON contract."""
        question = question.strip()
        if not question:
            return _result(question, NOT_FOUND, False, [], ["问题为空"])
        retrieval = self.retriever.search(question, k)
        verdict = self.gate.judge(retrieval)
        if not verdict.found:
            return _result(question, NOT_FOUND, False, [], verdict.warnings)
        return self._compose(retrieval, verdict.warnings)

    def _compose(self, retrieval: Retrieval, warnings: list[str]) -> dict:
        hits, terms = retrieval.hits, retrieval.terms
        q = retrieval.question
        quotes: dict[int, list[str]] = {i: [] for i in range(len(hits))}
        lead = self._lead(q, hits, terms, quotes)
        lines = [lead]
        if CHECK_Q.search(q):
            points = self._check_points(hits, terms, quotes)
            if points:
                lines += ["", "检查要点："] + [f"{i}. {p}" for i, p in enumerate(points, 1)]
        lines += ["", "依据："] + [f"[{i}] {_label(h)}" for i, h in enumerate(hits, 1)]
        stale = [h for h in hits if h.unit.meta["status"] != "现行"]
        if stale:
            warnings = warnings + [f"[{hits.index(h) + 1}] 出自{h.unit.meta['status']}文本，仅供对照" for h in stale]
        cites = [_citation(i, h, quotes[i] or best_sentences(h.unit.text, terms, 1)) for i, h in enumerate(hits)]
        return _result(q, "\n".join(lines), True, cites, warnings)

    def _lead(self, q: str, hits: list[Hit], terms: dict[str, float], quotes: dict[int, list[str]]) -> str:
        """The direct answer: a field value, an exact article, or the best sentences of the top units."""
        kind = "deadline" if DEADLINE_Q.search(q) else "who" if WHO_Q.search(q) else None
        if kind:
            for i, h in enumerate(hits[:3]):
                vals = [f"{k}：{v}" for k, v in fields(h.unit.text).items() if k.replace("\n", "") in FIELD_KEYS[kind]]
                if vals:
                    quotes[i] += vals
                    task = h.unit.meta.get("heading") or h.unit.meta["loc"]
                    return f"{task}——" + "；".join(vals) + f" [{i + 1}]"
        if AMOUNT_Q.search(q):
            for i, h in enumerate(hits[:3]):
                money = best_sentences(h.unit.text, terms, 2, keep=lambda s: bool(AMOUNT.search(s)))
                if money:
                    quotes[i] += money
                    return "".join(money) + f" [{i + 1}]"
        if hits[0].exact:
            return self._whole_provision(hits, quotes)
        picks = [best_sentences(h.unit.text, terms, 2) for h in hits[:3]]
        fit = [max((coverage(x, terms) for x in p), default=0.0) for p in picks]
        out = []
        for i, picked in enumerate(picks):
            if i == 0 or (len(out) < 2 and (hits[i].score >= 0.8 * hits[0].score or fit[i] >= max(0.5, fit[0]))):
                quotes[i] += picked
                out.append(" …… ".join(picked) + f" [{i + 1}]")
        return "\n".join(out)

    @staticmethod
    def _whole_provision(hits: list[Hit], quotes: dict[int, list[str]]) -> str:
        """An article asked for by number, quoted whole: every part of a split unit, in order."""
        first = hits[0].unit.meta
        lines = [provision_label(first["title"], first["edition"], first["base_loc"], first["status"]) + "："]
        for i, h in enumerate(hits):
            m = h.unit.meta
            if not h.exact or m["fingerprint"] != first["fingerprint"] or m["base_loc"] != first["base_loc"]:
                break
            body = h.unit.text if i == 0 else _strip_header(h.unit.text)
            quotes[i].append(body)
            lines.append(f"{body} [{i + 1}]")
        return "\n".join(lines)

    def _check_points(self, hits: list[Hit], terms: dict[str, float], quotes: dict[int, list[str]]) -> list[str]:
        """Enumerated requirements of the top units, each ending with its citation number."""
        points: list[str] = []
        seen: set[str] = set()
        for i, h in enumerate(hits[:4]):
            f = fields(h.unit.text)
            body = next((f[k] for k in ("主要防范措施", "自查标准项具体描述", "具体要求", "检查内容") if k in f), None)
            for it in items(body or _strip_header(h.unit.text))[:6]:
                key = norm(it)
                if len(key) < 4 or key in seen or "\t" in it or it in (h.unit.meta["title"], h.unit.meta["heading"]):
                    continue
                seen.add(key)
                quotes[i].append(it)
                points.append(f"{it} [{i + 1}]")
            if len(points) >= 10:
                break
        return points


def _strip_header(text: str) -> str:
    """Drop the `（续）` header line of a split unit's later parts."""
    lines = text.splitlines()
    return "\n".join(lines[1:]) if lines and lines[0].endswith("（续）") else text


def provision_label(title: str, edition: str, loc: str, status: str) -> str:
    """《title》(edition) loc, with 【已修订】/【已废止】 when the text is not current."""
    edition = f"({edition})" if edition else ""
    return f"《{title}》{edition} {loc}" + ("" if status == "现行" else f"【{status}】")


def _label(hit: Hit) -> str:
    """The label of a hit's unit."""
    m = hit.unit.meta
    return provision_label(m["title"], m["edition"], m["loc"], m["status"])


def _citation(i: int, hit: Hit, quote: list[str]) -> dict:
    m = hit.unit.meta
    return {
        "n": i + 1,
        "doc": m["title"],
        "edition": m["edition"],
        "status": m["status"],
        "loc": m["loc"],
        "text": hit.unit.text,
        "quote": "\n".join(dict.fromkeys(quote)),
        "source": m["source"],
        "page": m["page"] if m.get("page", -1) >= 0 else None,
        "score": round(float(hit.score), 4),
    }


def _result(question: str, answer: str, found: bool, citations: list[dict], warnings: list[str]) -> dict:
    return {"question": question, "answer": answer, "found": found, "mode": "extractive",
            "citations": citations, "warnings": warnings}
