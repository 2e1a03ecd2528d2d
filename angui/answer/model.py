"""The typed answer every channel renders; `Answer.to_dict()` is the `--json` contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

CURRENT = "现行"
POINTS_HEADING = "检查要点："
BASIS_HEADING = "依据："


def provision_label(title: str, edition: str, loc: str, status: str) -> str:
    """《title》(edition) loc, with 【已修订】/【已废止】 when the text is not current."""
    edition = f"({edition})" if edition else ""
    return f"《{title}》{edition} {loc}" + ("" if status == CURRENT else f"【{status}】")


@dataclass(frozen=True)
class Citation:
    """One cited unit: where it is, its full text and the parts of it the answer quotes."""

    n: int
    doc: str
    edition: str
    status: str
    loc: str
    text: str
    quote: str
    source: str
    page: int | None
    score: float
    id: str = ""  # the stored unit's id (GET /api/units/{id} gives its full text)

    @property
    def label(self) -> str:
        """《title》(edition) loc【status】."""
        return provision_label(self.doc, self.edition, self.loc, self.status)

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity of the cited provision across answers (document, edition, loc)."""
        return self.doc, self.edition, self.loc


@dataclass(frozen=True)
class Statement:
    """One line of the answer body: verbatim source text, where it stands, and the citation number it comes from."""

    text: str
    cite: int | None = None  # None for a label line such as "《安全生产法》 第四十一条："
    where: str = ""  # short provision label shown before the text, e.g. 《安全生产法》第二十八条

    def plain(self) -> str:
        """The line as printed: where, the text, then ` [n]` (an article that opens with its own number keeps it
        once: 《安全生产法》第一百零五条 生产经营单位……)."""
        text = self.text
        if self.where:
            title, _, loc = self.where.rpartition("》")
            text = f"{title}》{text}" if loc and text.startswith(loc) else f"{self.where}：{text}"
        return text if self.cite is None else f"{text} [{self.cite}]"


@dataclass
class Answer:
    """A question's answer: lead statements, check points, citations and warnings."""

    question: str
    found: bool
    lead: list[Statement] = field(default_factory=list)
    points: list[Statement] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    mode: str = "extractive"
    signals: dict[str, float | str] = field(default_factory=dict)  # what decided it: intent, gate evidence
    sentences: list[dict] = field(default_factory=list)  # LLM mode: each reply sentence, its cites and the check

    @property
    def body(self) -> str:
        """The answer text before the list of sources: lead, then the check points."""
        lines = [s.plain() for s in self.lead]
        if self.points:
            lines += ["", POINTS_HEADING] + [f"{i}. {p.plain()}" for i, p in enumerate(self.points, 1)]
        return "\n".join(lines)

    @property
    def text(self) -> str:
        """The whole answer as plain text: body, then `依据：` with one label per citation."""
        if not self.citations:
            return self.body
        basis = [f"[{c.n}] {c.label}" for c in self.citations]
        return "\n".join([self.body, "", BASIS_HEADING, *basis])

    def to_dict(self) -> dict:
        """The JSON contract: question, answer (plain text), found, mode, citations, warnings, signals (and, for an
        LLM-written answer, sentences: each reply sentence with its cited numbers and whether it passed)."""
        out = {"question": self.question, "answer": self.text, "found": self.found, "mode": self.mode,
               "citations": [asdict(c) for c in self.citations], "warnings": list(self.warnings),
               "signals": dict(self.signals)}
        if self.mode == "llm":
            out["sentences"] = [dict(s) for s in self.sentences]
        return out
