"""Structure parsing (ingest/structure.py), long-unit splitting (ingest/split.py) and Chinese numerals."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from angui.ingest.split import split_long
from angui.ingest.structure import parse_units
from angui.numerals import cn_to_int, int_to_cn
from angui.schema import Block, LoadedDoc, Unit

from helpers import KNOWLEDGE

SEED = "seed/2022年雨花区工贸行业安全生产监督管理工作要点.txt"
MANUAL = "manual/工贸行业较大危险因素辨识与防范指导手册(2016版).csv"
JUDGE = "rules/工贸行业重大生产安全事故隐患判定标准(2017版,已废止).txt"
# Articles per law/rule file, numbered 第一条..第N条 without gaps.
ARTICLES = {
    "laws/安全生产法(2021-06-10).md": 119,
    "laws/生产安全事故报告和调查处理条例(2007-04-09).md": 46,
    "laws/生产安全事故应急条例(2019-02-17).md": 35,
    "laws/危险化学品安全管理条例(2013-12-07).md": 102,
    "laws/安全生产许可证条例(2014-07-29).md": 24,
    "laws/使用有毒物品作业场所劳动保护条例(2002-05-12).md": 71,
    "laws/特种设备安全监察条例(2009-01-24).md": 103,
    "laws/工伤保险条例(2010-12-20).md": 67,
    "laws/特种设备安全法(2013-06-29).md": 101,
    "laws/消防法(2021-04-29).md": 74,
    "laws/职业病防治法(2018-12-29).md": 88,
    "rules/生产安全事故应急预案管理办法(2019修正).md": 49,
    "rules/生产安全事故应急预案管理办法(2016原文,已修订).txt": 48,
    "rules/工贸企业粉尘防爆安全规定(2021).md": 32,
    "rules/建设项目安全设施三同时监督管理办法(2015修正).md": 33,
}
PART = re.compile(r"\((\d+)/(\d+)\)$")


def text_doc(text: str, path: str = "x.txt") -> LoadedDoc:
    """A prose document of one block."""
    return LoadedDoc(path, [Block(text)])


def load(corpus: Path, rel: str) -> LoadedDoc:
    """A corpus .md/.txt file as one UTF-8 block."""
    return text_doc((corpus / rel).read_text(encoding="utf-8"), str(corpus / rel))


def load_csv(path: Path) -> LoadedDoc:
    """A CSV file as one row block per record."""
    with path.open(encoding="utf-8", newline="") as f:
        blocks = [Block("", fields=row, loc=f"第{n}行") for n, row in enumerate(csv.DictReader(f), 1)]
    return LoadedDoc(str(path), blocks, kind="table")


def base(loc: str) -> str:
    """A unit's loc without the "(i/n)" part suffix."""
    return PART.sub("", loc)


def by_base(units: list[Unit]) -> dict[str, list[Unit]]:
    """Units grouped by base loc, parts in order."""
    out: dict[str, list[Unit]] = {}
    for u in units:
        out.setdefault(base(u.loc), []).append(u)
    return out


def whole(parts: list[Unit]) -> str:
    """The text of a (possibly split) unit with the repeated part headers removed."""
    return "\n".join(p.text if i == 0 else p.text.split("\n", 1)[1] for i, p in enumerate(parts))


def article_numbers(units: list[Unit]) -> list[int]:
    """Numbers of the distinct articles, in document order."""
    locs = dict.fromkeys(base(u.loc) for u in units if u.kind == "article")
    return [cn_to_int(loc.removeprefix("第").removesuffix("条")) for loc in locs]


# ---------------------------------------------------------------- numerals


def test_numerals_round_trip() -> None:
    for n in range(1, 201):
        assert cn_to_int(int_to_cn(n)) == n
    assert [int_to_cn(n) for n in (10, 11, 20, 105, 110, 119)] == ["十", "十一", "二十", "一百零五", "一百一十", "一百一十九"]
    assert cn_to_int("两百") == 200 and cn_to_int("一百十") == 110 and cn_to_int("１２") == 12
    for bad in ("", "一二", "十十", "条"):
        with pytest.raises(ValueError):
            cn_to_int(bad)


# ---------------------------------------------------------------- laws and rules


@pytest.mark.parametrize("rel", sorted(ARTICLES))
def test_articles_consecutive(corpus: Path, rel: str) -> None:
    units = parse_units(load(corpus, rel))
    assert article_numbers(units) == list(range(1, ARTICLES[rel] + 1))
    assert len({u.loc for u in units}) == len(units)
    assert all(len(u.text) <= 600 for u in units)


def test_every_law_and_rule_file_is_listed(corpus: Path) -> None:
    files = {f"{p.parent.name}/{p.name}" for p in [*corpus.glob("laws/*"), *corpus.glob("rules/*")]}
    assert files - {JUDGE} == set(ARTICLES)


def test_work_safety_law_structure(corpus: Path) -> None:
    units = parse_units(load(corpus, "laws/安全生产法(2021-06-10).md"))
    groups = by_base(units)
    preface = whole(groups["前言"])
    assert groups["前言"][0].kind == "para" and "2021年6月10日" in preface and "<!--" not in preface
    assert groups["第一条"][0].path == ["第一章 总则"]
    assert groups["第一条"][0].text.startswith("第一条 为了加强安全生产工作")
    assert groups["第一百一十九条"][0].path == ["第七章 附则"]
    third = whole(groups["第三条"])
    assert "安全生产工作实行管行业必须管安全" in third and "第四条" not in third
    # "依照本法第二十一条规定" style references stay inside their article
    refs = [u for u in units if u.kind == "article" and re.search(r"本法第[一二三四五六七八九十百]+条", u.text)]
    assert refs and len(groups) == 120


def test_sections_and_heading_articles(corpus: Path) -> None:
    special = by_base(parse_units(load(corpus, "laws/特种设备安全法(2013-06-29).md")))
    in_section = [g[0] for g in special.values() if len(g[0].path) == 2]
    assert in_section and in_section[0].path == ["第二章 生产、经营、使用", "第一节 一般规定"]
    fire = by_base(parse_units(load(corpus, "laws/消防法(2021-04-29).md")))
    assert fire["第一条"][0].path == ["第一章 总 则"]
    plan = by_base(parse_units(load(corpus, "rules/生产安全事故应急预案管理办法(2019修正).md")))
    assert plan["第一条"][0].text.startswith("第一条\n为规范生产安全事故应急预案管理工作")
    assert "发布机关" in whole(plan["前言"]) and "---" not in whole(plan["前言"])
    old = by_base(parse_units(load(corpus, "rules/生产安全事故应急预案管理办法(2016原文,已修订).txt")))
    assert old["第八条"][0].path == ["第二章 应急预案的编制"] and "（八）应急预案内容" in whole(old["第八条"])


def test_page_markers_are_dropped_and_text_rejoined(corpus: Path) -> None:
    units = parse_units(load(corpus, "rules/建设项目安全设施三同时监督管理办法(2015修正).md"))
    groups = by_base(units)
    assert not any(re.search(r"-\s*\d+\s*-", u.text) for u in units)
    assert "及其监督管理另有规定的" in whole(groups["第二条"])
    assert "安全评价机构，对其建设项目" in whole(groups["第八条"])
    assert groups["第七条"][0].path == ["第二章 建设项目安全预评价"]


# ---------------------------------------------------------------- notices, lists, tables


def test_seed_notice() -> None:
    units = parse_units(load(KNOWLEDGE, SEED))
    groups = by_base(units)
    preface = whole(groups["前言"])
    assert "2022年3月15日" in preface and "区安委会有关成员单位" in preface and "2022年，全区负有" in preface
    points = [loc for loc, g in groups.items() if g[0].kind == "point"]
    assert points == [int_to_cn(n) for n in range(1, 11)]
    assert groups["一"][0].heading == "积极推动“三管三必须”工作职责落实"
    last = whole(groups["十"])
    assert "附件" not in last and "序号" not in last and last.startswith("十、积极稳妥推行")
    rows = [u for u in units if u.kind == "row"]
    assert [u.loc for u in rows] == [f"附件 第{n}项" for n in range(1, 19)]
    assert all(u.path == ["2022年雨花区工贸行业安全监管工作任务责任分解表"] for u in rows)
    row4 = groups["附件 第4项"][0]
    assert row4.heading == "开展重点行业领域重大隐患清零辨识行动"
    assert "牵头单位：区局工贸科" in row4.text and "落实单位：区直有关行业主管部门" in row4.text
    assert "完成时限：按市局规定时限推进" in row4.text
    assert "具体要求：1、粉尘涉爆、有限空间重大隐患6月份清零；\n2、开展轻工行业" in row4.text
    fields = [line.split("：", 1)[0] for line in row4.text.splitlines() if "：" in line[:6]]
    assert fields == ["序号", "工作任务", "具体要求", "牵头单位", "落实单位", "完成时限"]
    assert "牵头单位：区局工贸科、执法大队" in groups["附件 第17项"][0].text


def test_judgement_standard_lists(corpus: Path) -> None:
    units = parse_units(load(corpus, JUDGE))
    assert len({u.loc for u in units}) == len(units)
    points = [u for u in units if u.kind == "point" and not PART.search(u.loc)]
    locs = [u.loc for u in points]
    assert locs[:20] == [int_to_cn(n) for n in range(1, 21)]
    assert locs[20] == "烟花爆竹生产经营单位重大风险判断（试行） 一"
    assert "工贸行业重大风险判断（2017版） 一" in locs
    assert points[0].path == ["化工和危险化学品生产经营单位重大风险判断（试行）"]
    assert "烟花爆竹" not in points[19].text  # 二十 of the first list does not swallow the next title
    assert "首页" in by_base(units)["前言"][0].text


def test_manual_rows() -> None:
    units = parse_units(load_csv(KNOWLEDGE / MANUAL))
    groups = by_base(units)
    assert len(groups) == 1128 and all(u.kind == "row" for u in units)
    first = groups["第1行"][0]
    assert first.heading == "清梳棉"
    assert first.text.startswith("序号：1\n行业：纺织行业\n专业：")
    assert all(len(u.heading) <= 40 for u in units)


CHECKLISTS = ["03 非化工液氨使用企业隐患排查治理标准.doc", "06 工贸行业有限空间安全作业隐患排查治理标准.doc", "13 建材.doc"]


@pytest.mark.skipif(not shutil.which("catdoc"), reason="catdoc not installed")
@pytest.mark.parametrize("name", CHECKLISTS)
def test_checklist_fallback(corpus: Path, name: str) -> None:
    path = corpus / "checklists" / name
    text = subprocess.run(["catdoc", "-d", "utf-8", str(path)], capture_output=True, text=True, check=True).stdout
    units = parse_units(text_doc(text, str(path)))
    assert units and all(u.kind == "para" and re.fullmatch(r"第\d+段(\(\d+/\d+\))?", u.loc) for u in units)
    assert len({u.loc for u in units}) == len(units)


def test_locs_unique_in_every_text_file(corpus: Path) -> None:
    for path in sorted([*corpus.glob("laws/*"), *corpus.glob("rules/*"), *corpus.glob("seed/*")]):
        units = parse_units(load(corpus, f"{path.parent.name}/{path.name}"))
        assert units and len({u.loc for u in units}) == len(units), path.name
    units = parse_units(load_csv(KNOWLEDGE / MANUAL))
    assert len({u.loc for u in units}) == len(units)


# ---------------------------------------------------------------- synthetic cases


def test_inline_and_heading_articles() -> None:
    text = ("某办法\n\n第一章 总 则\n\n第一条　为了规范。\n\n## 第二条\n\n依照本法第二十一条规定执行。\n\n"
            "第二十一条规定的情形除外。\n（一）甲；\n第三条：附则。")
    units = parse_units(text_doc(text))
    assert [u.loc for u in units] == ["前言", "第一条", "第二条", "第三条"]
    assert units[1].text == "第一条　为了规范。" and units[1].path == ["第一章 总 则"]
    assert units[2].text == "第二条\n依照本法第二十一条规定执行。\n第二十一条规定的情形除外。\n（一）甲；"


def test_chapter_ends_article_and_sections_nest() -> None:
    text = ("第一条 甲。\n第二条 乙。\n## 第二章 管理\n### 第一节 一般规定\n第三条 丙。\n### 第二节 生产\n第四条 丁。\n"
            "第三章 附则\n第五条 戊。")
    units = {u.loc: u for u in parse_units(text_doc(text))}
    assert units["第二条"].text == "第二条 乙。"
    assert units["第三条"].path == ["第二章 管理", "第一节 一般规定"]
    assert units["第四条"].path == ["第二章 管理", "第二节 生产"]
    assert units["第五条"].path == ["第三章 附则"]


def test_page_markers_and_pages() -> None:
    doc = LoadedDoc("x.pdf", [
        Block("标题\n第一条 总则。\n第二条 本办法适用于\n— 1 —", page=1),
        Block("生产经营单位。\n第 2 页\n第三条 施行。", page=2),
    ])
    units = {u.loc: u for u in parse_units(doc)}
    assert units["第二条"].text == "第二条 本办法适用于生产经营单位。" and units["第二条"].page == 1
    assert units["第三条"].text == "第三条 施行。" and units["第三条"].page == 2
    assert units["前言"].page == 1


def test_decimal_clauses() -> None:
    text = "前言文字\n4 一般要求\n4.1 总体要求。\n4.1.1 应当设置。\n补充说明。\n４.２ 设备\n5 附则\n5.1 施行。"
    units = {u.loc: u for u in parse_units(text_doc(text))}
    assert list(units) == ["前言", "4.1", "4.1.1", "4.2", "5.1"]
    assert units["4.1.1"].text == "4.1.1 应当设置。\n补充说明。" and units["4.1.1"].kind == "clause"
    assert units["4.2"].path == ["4 一般要求"] and units["5.1"].path == ["5 附则"]
    with_articles = parse_units(text_doc("第一条 甲。\n4.1 乙\n4.2 丙\n4.3 丁\n第二条 戊。"))
    assert [u.loc for u in with_articles] == ["第一条", "第二条"]


def test_paren_items_only() -> None:
    units = parse_units(text_doc("检查要求如下：\n（一）设置警示标志；\n说明。\n（二）配备检测仪器；\n(三)培训。"))
    assert [(u.loc, u.kind) for u in units] == [("前言", "para"), ("（一）", "point"), ("（二）", "point"), ("（三）", "point")]
    assert units[1].text == "（一）设置警示标志；\n说明。" and units[1].heading == "设置警示标志"


def test_point_lists_restart_and_annex() -> None:
    text = "甲类清单\n一、甲一。\n二、甲二。\n乙类清单\n说明如下：\n一、乙一。\n二、乙二。\n附件：表格说明\n正文"
    units = {u.loc: u for u in parse_units(text_doc(text))}
    assert list(units) == ["前言", "一", "二", "乙类清单", "乙类清单 一", "乙类清单 二", "附件"]
    assert units["二"].text == "二、甲二。" and units["乙类清单"].text == "乙类清单\n说明如下："
    assert units["一"].path == ["甲类清单"] and units["乙类清单 二"].path == ["乙类清单"]
    assert units["附件"].text == "附件：表格说明\n正文"


def test_flattened_table_without_annex() -> None:
    text = (
        "一、要点。\n二、要点二。\n任务清单\n\t序号\n\t任务\n\t要求\n\t责任\n\n单位\n"
        "\t1\n\t巡查\n\t每周一次\n\t安全\n\n科\n\n\t2\n\t培训\n\t1、讲课；\n\n2、考试；\n\t人事科\n\n后记文字"
    )
    units = {u.loc: u for u in parse_units(text_doc(text))}
    assert units["表1 第1项"].text == "序号：1\n任务：巡查\n要求：每周一次\n责任单位：安全科"
    assert units["表1 第2项"].text == "序号：2\n任务：培训\n要求：1、讲课；\n2、考试；\n责任单位：人事科"
    assert units["表1 第2项"].path == ["任务清单"] and units["表1 第1项"].heading == "巡查"
    assert units["表1 表后"].text == "后记文字" and "任务清单" in units["二"].text


def test_fallback_paragraphs() -> None:
    paras = [f"第{i}项检查内容" + "说明" * 100 for i in range(6)]
    units = parse_units(text_doc("\n\n".join(paras)))
    assert [u.loc for u in units] == ["第1段", "第2段", "第3段"]
    assert all(u.kind == "para" and len(u.text) <= 500 for u in units)
    assert "\n".join(u.text for u in units) == "\n".join(paras)
    lines = parse_units(text_doc("\n".join(paras)))  # Word-style: paragraphs as lines, no blank lines
    assert [u.loc for u in lines] == ["第1段", "第2段", "第3段"] and all(len(u.text) <= 500 for u in lines)


def test_table_doc_rows() -> None:
    rows = [{"序号": "1", "类别": "设备", "部位": "清梳棉", "说明": ""}, {"序号": "2", "类别": "设备", "部位": "烘干", "说明": "注意"}]
    doc = LoadedDoc("t.csv", [Block("", fields=r, loc=f"第{n}行") for n, r in enumerate(rows, 1)], kind="table")
    units = parse_units(doc)
    assert [(u.loc, u.kind, u.heading) for u in units] == [("第1行", "row", "清梳棉"), ("第2行", "row", "烘干")]
    assert units[0].text == "序号：1\n类别：设备\n部位：清梳棉"


def test_long_article_is_split() -> None:
    body = "\n".join(f"（{int_to_cn(i)}）" + "应当建立健全安全生产责任制。" * 4 for i in range(1, 16))
    units = parse_units(text_doc(f"第一条 总则。\n第二十一条 生产经营单位应当：\n{body}\n第二十二条 完。"))
    parts = [u for u in units if base(u.loc) == "第二十一条"]
    assert len(parts) > 1 and all(len(p.text) <= 600 for p in parts)
    assert [p.loc for p in parts] == [f"第二十一条({i}/{len(parts)})" for i in range(1, len(parts) + 1)]
    assert all(p.text.startswith("第二十一条（续）\n") for p in parts[1:])
    assert whole(parts) == f"第二十一条 生产经营单位应当：\n{body}"


def test_split_long_keeps_every_character() -> None:
    text = "标题行\n" + "这是一个很长的句子，没有换行；" * 30 + "\n" + "无标点" * 300
    unit = Unit("（一）", text, "point", ["甲"], 3, "某要点")
    parts = split_long([unit], limit=200)
    assert len(parts) > 3 and all(len(p.text) <= 200 for p in parts)
    assert all(p.text.startswith("（一） 某要点（续）\n") for p in parts[1:])
    assert all((p.kind, p.path, p.page, p.heading) == ("point", ["甲"], 3, "某要点") for p in parts)
    bodies = [p.text if i == 0 else p.text.split("\n", 1)[1] for i, p in enumerate(parts)]
    assert "".join(bodies).replace("\n", "") == text.replace("\n", "")
    short = Unit("一", "短文本")
    assert split_long([short]) == [short]


def test_a_digit_after_a_letter_is_not_an_item_number() -> None:
    from angui.text import ITEM_MARK

    assert [m.group(0) for m in ITEM_MARK.finditer("采用Ａ１、Ａ２级不燃性建筑材料；1、通风")] == ["1、"]


def test_a_reference_to_an_item_is_not_an_item_number() -> None:
    from angui.text import ITEM_MARK

    text = "生产经营单位对本办法第七条第（一）项、第（二）项规定的建设项目有下列情形之一的：\n（一）没有安全设施设计的；"
    assert [m.group(0) for m in ITEM_MARK.finditer(text)] == ["（一）"]
    runs = "依照第（一）、（二）项和第 （三） 项处罚：\n（一）甲；\n（二）项目负责人未到岗。"
    assert [m.group(0) for m in ITEM_MARK.finditer(runs)] == ["（一）", "（二）"]
